package httpapi

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/ports"
)

// Module serves the API; it needs a ServerConfig, a ports.TokenVerifier, a
// prometheus.Registerer and a *zap.Logger from the graph, and traces
// requests when the graph has a Tracing.
var Module = fx.Module("httpapi",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("httpapi") }),
	fx.Provide(NewMetrics, fx.Private),
	fx.Provide(func(p serverParams) *Server {
		return NewServer(p.Config, p.Verifier, p.Metrics, p.Log, WithTracing(p.Tracing))
	}),
	fx.Invoke(func(lc fx.Lifecycle, s *Server, sd fx.Shutdowner) {
		s.OnServeFailure(func(error) { _ = sd.Shutdown(fx.ExitCode(1)) })
		lc.Append(fx.StartStopHook(s.Start, s.Stop))
	}),
)

type serverParams struct {
	fx.In
	Config   ServerConfig
	Verifier ports.TokenVerifier
	Metrics  *Metrics
	Log      *zap.Logger
	Tracing  Tracing `optional:"true"`
}
