package tracing

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module provides the *Provider from a Config in the graph; stopping the
// app flushes the spans still queued. Compose it before the API, so that
// Fx, stopping in reverse, flushes after the last request has ended.
var Module = fx.Module("tracing",
	fx.Decorate(func(l *zap.Logger) *zap.Logger { return l.Named("tracing") }),
	fx.Provide(func(lc fx.Lifecycle, cfg Config, log *zap.Logger) (*Provider, error) {
		p, err := New(context.Background(), cfg, log)
		if err != nil {
			return nil, err
		}
		lc.Append(fx.StopHook(p.Shutdown))
		return p, nil
	}),
)
