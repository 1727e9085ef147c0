package app_test

import (
	"sync"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/app"
)

// TestServersFailingAtOnce: the API and admin servers each call the app's
// Shutdowner from their own Serve goroutine when their listener fails; both
// failing at once must stop the app with exit code 1 and, under -race, race
// on nothing.
func TestServersFailingAtOnce(t *testing.T) {
	cfg, err := config.Load(false, "", prodEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		callers int
	}{
		{"one server", 1},
		{"API and admin at once", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sd fx.Shutdowner
			a := fxtest.New(t, app.Options(cfg, zap.NewNop(), authtest.Module(testVerifier())), fx.Populate(&sd))
			a.RequireStart()
			defer a.RequireStop()
			var wg sync.WaitGroup
			for range tt.callers {
				wg.Go(func() { _ = sd.Shutdown(fx.ExitCode(1)) })
			}
			wg.Wait()
			if sig := <-a.Wait(); sig.ExitCode != 1 {
				t.Errorf("got exit code %d, want 1", sig.ExitCode)
			}
		})
	}
}
