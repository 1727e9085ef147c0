package httpapi

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/ports"
)

// TestServeFailureStopsTheApp: when the API's listener fails after start,
// readiness turns false and the module shuts the app down with exit code 1,
// rather than leaving a process that answers nothing and reports ready.
func TestServeFailureStopsTheApp(t *testing.T) {
	var s *Server
	app := fxtest.New(t, Module,
		fx.Supply(ServerConfig{Host: "127.0.0.1"}, zap.NewNop()),
		fx.Supply(fx.Annotate(authtest.New(nil), fx.As(new(ports.TokenVerifier)))),
		fx.Supply(fx.Annotate(prometheus.NewRegistry(), fx.As(new(prometheus.Registerer)))),
		fx.Populate(&s))
	app.RequireStart()
	defer app.RequireStop()
	wait := app.Wait()
	if !s.Ready() {
		t.Fatal("got not ready after start, want ready")
	}

	_ = s.ln.Listener.Close() // the socket fails under Serve, as no Stop closes it

	select {
	case sig := <-wait:
		if sig.ExitCode != 1 {
			t.Errorf("got exit code %d, want 1", sig.ExitCode)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("got no shutdown after the listener failed, want one with exit code 1")
	}
	if s.Ready() {
		t.Error("got ready after the listener failed, want not ready")
	}
}
