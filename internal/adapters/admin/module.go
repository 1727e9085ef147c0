package admin

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module serves the admin endpoints and provides the metrics registry (as
// *prometheus.Registry and prometheus.Registerer). Readiness checks come
// from the value group "readiness". Compose it before the API module: Fx
// stops in reverse order, so the admin listener outlives the API's drain.
var Module = fx.Module("admin",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("admin") }),
	fx.Provide(
		fx.Annotate(NewRegistry, fx.As(fx.Self()), fx.As(new(prometheus.Registerer))),
		fx.Annotate(func(cfg Config, reg *prometheus.Registry, checks []Check, log *zap.Logger) *Server {
			return New(cfg, reg, checks, log)
		}, fx.ParamTags(``, ``, `group:"readiness"`)),
	),
	fx.Invoke(func(lc fx.Lifecycle, s *Server, sd fx.Shutdowner) {
		s.OnServeFailure(func(error) { _ = sd.Shutdown(fx.ExitCode(1)) })
		lc.Append(fx.StartStopHook(s.Start, s.Stop))
	}),
)

// Readiness provides one readiness check built from a value of the graph,
// e.g. Readiness("keys", (*auth0.KeySource).Ready).
func Readiness[T any](name string, ready func(T) bool) fx.Option {
	return fx.Provide(fx.Annotate(func(t T) Check {
		return Check{Name: name, Ready: func() bool { return ready(t) }}
	}, fx.ResultTags(`group:"readiness"`)))
}
