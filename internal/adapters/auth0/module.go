package auth0

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/ports"
)

// Module provides the production ports.TokenVerifier. It needs a Config, a
// KeySourceConfig, a prometheus.Registerer and a *zap.Logger from the graph. The key source warms up
// in the background when the app starts, so a tenant outage never blocks
// startup, and stops with the app.
var Module = fx.Module("auth0",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("auth0") }),
	fx.Provide(
		fx.Annotate(newKeySource, fx.As(fx.Self()), fx.As(new(KeyFinder))),
		fx.Annotate(New, fx.As(fx.Self()), fx.As(new(ports.TokenVerifier))),
	),
	fx.Invoke(RegisterMetrics),
	fx.Invoke(func(lc fx.Lifecycle, ks *KeySource) { lc.Append(fx.StartStopHook(ks.Start, ks.Stop)) }),
)

func newKeySource(cfg KeySourceConfig, log *zap.Logger) (*KeySource, error) {
	return NewKeySource(cfg, nil, log)
}
