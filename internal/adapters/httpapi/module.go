package httpapi

import (
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module serves the API; it needs a ServerConfig, a ports.TokenVerifier, a
// prometheus.Registerer and a *zap.Logger from the graph.
var Module = fx.Module("httpapi",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("httpapi") }),
	fx.Provide(NewMetrics, NewServer),
	fx.Invoke(func(lc fx.Lifecycle, s *Server) { lc.Append(fx.StartStopHook(s.Start, s.Stop)) }),
)
