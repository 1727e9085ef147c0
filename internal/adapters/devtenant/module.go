package devtenant

import (
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module provides the *Tenant and the example *SPA built from Config and
// starts and stops them with the application, the tenant first. Config,
// APIBaseURL and *zap.Logger come from other modules.
var Module = fx.Module("devtenant",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("devtenant") }),
	fx.Provide(New, NewSPA),
	fx.Invoke(func(lc fx.Lifecycle, t *Tenant, s *SPA, api APIBaseURL) {
		t.UseAPI(api)
		lc.Append(fx.StartStopHook(t.Start, t.Stop))
		lc.Append(fx.StartStopHook(s.Start, s.Stop))
	}),
)
