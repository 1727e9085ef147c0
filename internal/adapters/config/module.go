package config

import (
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Module supplies each adapter's part of c to the graph, and logs the
// environment's variables that look like settings but are none (a typo
// would otherwise leave its setting at the default without a word).
func Module(c Config) fx.Option {
	return fx.Module("config",
		fx.Supply(c, c.Tenant, c.Auth0.Config, c.Keys, c.HTTP, c.Admin, c.DevTenant, c.Log, c.Tracing),
		fx.Invoke(func(log *zap.Logger) {
			for _, v := range c.UnknownEnv() {
				log.Named("config").Warn("unknown variable in the environment, ignored",
					zap.String("variable", v.Name), zap.String("did_you_mean", v.DidYouMean))
			}
		}),
	)
}
