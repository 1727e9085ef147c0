package httpapi

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/ports"
)

// TestServeFailureStopsTheApp: when the API's listener fails after start,
// readiness turns false and the module shuts the app down with exit code 1,
// rather than leaving a process that answers nothing and reports ready.
// The stop then has no listener to close: it warns of none, even when it
// runs before the goroutine that asked for it has returned (the Shutdowner
// below holds it there until the stop is over).
func TestServeFailureStopsTheApp(t *testing.T) {
	var s *Server
	core, logs := observer.New(zap.InfoLevel)
	stopped := make(chan struct{})
	defer close(stopped)
	app := fxtest.New(t, Module,
		fx.Supply(ServerConfig{Host: "127.0.0.1"}, zap.New(core)),
		fx.Supply(fx.Annotate(authtest.New(nil), fx.As(new(ports.TokenVerifier)))),
		fx.Supply(fx.Annotate(prometheus.NewRegistry(), fx.As(new(prometheus.Registerer)))),
		fx.Decorate(func(sd fx.Shutdowner) fx.Shutdowner { return holdingShutdowner{sd, stopped} }),
		fx.Populate(&s))
	app.RequireStart()
	t.Cleanup(app.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
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
	app.RequireStop()
	for _, e := range logs.All() {
		if e.Level >= zap.WarnLevel && e.Message != "serve failed" {
			t.Errorf("got %s line %q %v in the stop after a serve failure, want only the failure's", e.Level, e.Message, e.ContextMap())
		}
	}
	if logs.FilterMessage("API server stopped").Len() != 1 {
		t.Error("got no \"API server stopped\" line, want the stop to finish")
	}
}

// TestServeFailureDuringStartUp: a listener failing before the app has
// finished starting still stops it with exit code 1 once started. Fx's
// Shutdowner documents shutting down only started apps; its broadcaster
// keeps the last signal for a Wait called later, which Run relies on.
func TestServeFailureDuringStartUp(t *testing.T) {
	var s *Server
	shutdown := make(chan struct{}) // closed once the module has called Shutdown
	app := fxtest.New(t, Module,
		fx.Supply(ServerConfig{Host: "127.0.0.1"}, zap.NewNop()),
		fx.Supply(fx.Annotate(authtest.New(nil), fx.As(new(ports.TokenVerifier)))),
		fx.Supply(fx.Annotate(prometheus.NewRegistry(), fx.As(new(prometheus.Registerer)))),
		fx.Decorate(func(sd fx.Shutdowner) fx.Shutdowner { return closingShutdowner{sd, shutdown} }),
		fx.Invoke(func(lc fx.Lifecycle, s *Server) { // after the server's own start hook
			lc.Append(fx.StartHook(func() {
				_ = s.ln.Listener.Close()
				<-shutdown
			}))
		}),
		fx.Populate(&s))
	app.RequireStart()
	defer app.RequireStop()

	select {
	case sig := <-app.Wait():
		if sig.ExitCode != 1 {
			t.Errorf("got exit code %d, want 1", sig.ExitCode)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("got no shutdown after a listener failed during start-up, want one with exit code 1")
	}
}

// closingShutdowner is a Shutdowner closing done after its first Shutdown.
type closingShutdowner struct {
	fx.Shutdowner
	done chan struct{}
}

func (c closingShutdowner) Shutdown(opts ...fx.ShutdownOption) error {
	defer close(c.done)
	return c.Shutdowner.Shutdown(opts...)
}

// holdingShutdowner is a Shutdowner whose Shutdown returns only once
// release is closed.
type holdingShutdowner struct {
	fx.Shutdowner
	release chan struct{}
}

func (h holdingShutdowner) Shutdown(opts ...fx.ShutdownOption) error {
	defer func() { <-h.release }()
	return h.Shutdowner.Shutdown(opts...)
}
