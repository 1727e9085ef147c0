package auth0

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/ports"
)

// Module provides the production ports.TokenVerifier. It needs a Tenant,
// a Config, a KeySourceConfig, a prometheus.Registerer and a *zap.Logger
// from the graph. The key source warms up in the background when the app
// starts, so a tenant outage never blocks startup, and stops with the app,
// as do the verifier's caches' cleanups. The graph outside sees only the port
// and *KeySource (for readiness); the rest is private to the module.
var Module = fx.Module("auth0",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("auth0") }),
	fx.Provide(newKeySource),
	fx.Provide(func(ks *KeySource) KeyFinder { return ks }, fx.Private),
	fx.Provide(fx.Annotate(New, fx.OnStop((*Verifier).Stop)), fx.Private), // *Verifier, for its metrics
	// Bound from the private *Verifier: fx.Annotate(New, fx.As(...)) with
	// fx.Self() for the metrics would make *Verifier public too.
	fx.Provide(func(v *Verifier) ports.TokenVerifier { return v }),
	fx.Invoke(RegisterMetrics),
	fx.Invoke(func(lc fx.Lifecycle, ks *KeySource) { lc.Append(fx.StartStopHook(ks.Start, ks.Stop)) }),
)

func newKeySource(tenant Tenant, cfg KeySourceConfig, log *zap.Logger) (*KeySource, error) {
	return NewKeySource(tenant, cfg, nil, log)
}
