package admin

import (
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestServeFailureStopsTheApp: when the admin listener fails after start,
// the failure is logged at error and the module shuts the app down with
// exit code 1, rather than leaving a process whose probes and metrics go
// unanswered.
func TestServeFailureStopsTheApp(t *testing.T) {
	var s *Server
	core, logs := observer.New(zap.InfoLevel)
	app := fxtest.New(t, Module, fx.Supply(Config{Addr: "127.0.0.1:0"}, zap.New(core)), fx.Populate(&s))
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
	if n := logs.FilterMessage("admin serve failed").FilterLevelExact(zap.ErrorLevel).Len(); n != 1 {
		t.Errorf("got %d \"admin serve failed\" lines at error, want 1: the operator is told why", n)
	}
}
