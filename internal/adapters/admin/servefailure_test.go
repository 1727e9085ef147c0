package admin

import (
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
)

// TestServeFailureStopsTheApp: when the admin listener fails after start,
// the module shuts the app down with exit code 1, rather than leaving a
// process whose probes and metrics go unanswered.
func TestServeFailureStopsTheApp(t *testing.T) {
	var s *Server
	app := fxtest.New(t, Module, fx.Supply(Config{Addr: "127.0.0.1:0"}, zap.NewNop()), fx.Populate(&s))
	app.RequireStart()
	defer app.RequireStop()
	wait := app.Wait()

	_ = s.ln.Close() // the socket fails under Serve, as no Stop closes it

	select {
	case sig := <-wait:
		if sig.ExitCode != 1 {
			t.Errorf("got exit code %d, want 1", sig.ExitCode)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("got no shutdown after the listener failed, want one with exit code 1")
	}
}
