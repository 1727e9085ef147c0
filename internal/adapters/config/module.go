package config

import "go.uber.org/fx"

// Module supplies each adapter's part of c to the graph.
func Module(c Config) fx.Option {
	return fx.Module("config", fx.Supply(c, c.Tenant, c.Auth0.Config, c.Keys, c.HTTP, c.Admin, c.DevTenant, c.Log, c.Tracing))
}
