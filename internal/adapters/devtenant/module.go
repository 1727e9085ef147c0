package devtenant

import (
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module provides the *Tenant built from Config and starts and stops it with
// the application. Config and *zap.Logger come from other modules.
var Module = fx.Module("devtenant",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("devtenant") }),
	fx.Provide(New),
	fx.Invoke(func(lc fx.Lifecycle, t *Tenant) { lc.Append(fx.StartStopHook(t.Start, t.Stop)) }),
)
