package devtenant

import (
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module provides the *Tenant and the example *SPA built from Config and
// starts and stops them with the application, the tenant first; either
// failing to serve after start stops the application with exit code 1.
// Config, APIBaseURL and *zap.Logger come from other modules.
var Module = fx.Module("devtenant",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("devtenant") }),
	fx.Provide(New, NewSPA),
	fx.Invoke(func(lc fx.Lifecycle, t *Tenant, s *SPA, api APIBaseURL, sd fx.Shutdowner) {
		t.UseAPI(api)
		stop := func(error) { _ = sd.Shutdown(fx.ExitCode(1)) }
		t.OnServeFailure(stop)
		s.OnServeFailure(stop)
		lc.Append(fx.StartStopHook(t.Start, t.Stop))
		lc.Append(fx.StartStopHook(s.Start, s.Stop))
	}),
)
