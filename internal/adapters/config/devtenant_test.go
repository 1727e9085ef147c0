package config_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
)

// TestDevTenantSettingsAreRefusedWithTheOthers: the dev tenant's faults are
// configuration errors (exit 2) naming the setting and where it was set,
// not a failure to build the service (exit 1) that names neither.
func TestDevTenantSettingsAreRefusedWithTheOthers(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		environ []string
		want    string // the whole error; FILE is the file's path
	}{
		{"token lifetime too short", "dev_tenant:\n  token_ttl: 1ms\n", nil,
			"dev_tenant.token_ttl (in file FILE) 1ms must be at least 1s"},
		{"audience with spaces", "dev_tenant:\n  audience: \" https://messages-api.dev\"\n", nil,
			`dev_tenant.audience (in file FILE) " https://messages-api.dev" must not have surrounding spaces or control characters`},
		{"a client without an id", "dev_tenant:\n  clients:\n    - secret: s\n  spa_addr: \"\"\n", nil,
			"dev_tenant.clients[0] (in file FILE): id must be set"},
		{"a client named by its id", "dev_tenant:\n  clients:\n    - id: m2m\n  spa_addr: \"\"\n", nil,
			`dev_tenant.clients (in file FILE): client "m2m": secret must be set`},
		{"no client", "dev_tenant:\n  clients: []\n  spa_addr: \"\"\n", nil,
			"dev_tenant.clients (in file FILE): at least one client must be configured"},
		{"a user without a password", "dev_tenant:\n  users:\n    - username: bob\n", nil,
			`dev_tenant.users (in file FILE): user "bob": password must be set`},
		{"the SPA's client unknown", "dev_tenant:\n  spa_client_id: nobody\n", nil,
			`dev_tenant.spa_client_id (in file FILE) "nobody" must name a client of type spa`},
		// Refused before the issuer is built from it, which blamed AUTH0_DOMAIN.
		{"tenant address not loopback", "", []string{"DEV_TENANT_ADDR=10.0.0.1:3011"},
			`DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "10.0.0.1:3011": dev mode binds loopback only (e.g. 127.0.0.1:3011)`},
		// Each alone: not again by the tenant, nor as an issuer built from it.
		{"tenant address in quotes", "", []string{`DEV_TENANT_ADDR="127.0.0.1:4001"`},
			"DEV_TENANT_ADDR (dev_tenant.addr, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"tenant address without a port", "", []string{"DEV_TENANT_ADDR=127.0.0.1"},
			`DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "127.0.0.1" is not host:port with a port of 0 to 65535 (e.g. 127.0.0.1:9090 or :9090)`},
		{"SPA address beyond the ports", "", []string{"DEV_TENANT_SPA_ADDR=localhost:99999"},
			`DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr, from the environment) "localhost:99999" is not host:port with a port of 0 to 65535 (e.g. 127.0.0.1:9090 or :9090)`},
		{"SPA address not loopback", "", []string{"DEV_TENANT_SPA_ADDR=10.0.0.1:3000"},
			`DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr, from the environment) "10.0.0.1:3000": dev mode binds loopback only (e.g. localhost:3000, or empty for none)`},
		// Quotes around one entry are said by the quotes' own message, not
		// again as a host that is not loopback.
		{"SPA address with an entry in quotes", "", []string{`DEV_TENANT_SPA_ADDR="a",localhost:3000`},
			"DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		// net.Listen reads +3000 as 3000, the tenant refuses it: it failed
		// only when the service was built (exit 1), naming neither.
		{"SPA port with a sign", "", []string{"DEV_TENANT_SPA_ADDR=localhost:+3000"},
			`DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr, from the environment) "localhost:+3000": write the port in digits only (e.g. localhost:3000)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file)
			_, err := config.Load(true, path, tt.environ)
			if w := strings.ReplaceAll(tt.want, "FILE", path); err == nil || err.Error() != w {
				t.Errorf("got error %v, want exactly %q", err, w)
			}
		})
	}
}

// TestDevTenantAddrIsWrittenAsTheTenantsIssuer: the API expects the issuer
// the tenant writes into its tokens, built from the address as the tenant
// reads it (LOCALHOST as 127.0.0.1, a port of 04011 as 4011, ::ffff:127.0.0.1
// as 127.0.0.1). Spelt any other way, the API never became ready.
func TestDevTenantAddrIsWrittenAsTheTenantsIssuer(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"localhost:4011", "http://127.0.0.1:4011/"},
		{"LocalHost:4011", "http://127.0.0.1:4011/"},
		{"LOCALHOST:4011", "http://127.0.0.1:4011/"},
		{"127.0.0.1:04011", "http://127.0.0.1:4011/"},
		{"[::ffff:127.0.0.1]:4011", "http://127.0.0.1:4011/"},
		{"[0:0:0:0:0:0:0:1]:4011", "http://[::1]:4011/"},
		{"[::1]:4011", "http://[::1]:4011/"},
		{"127.0.0.2:4011", "http://127.0.0.2:4011/"},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			c, err := config.Load(true, "", []string{"DEV_TENANT_ADDR=" + tt.addr, "DEV_TENANT_SPA_ADDR="})
			if err != nil {
				t.Fatal(err)
			}
			want(t, "issuer", c.Tenant.Issuer(), tt.want)
			cfg := c.DevTenant
			cfg.KeyFile = filepath.Join(t.TempDir(), "key.pem")
			tenant, err := devtenant.New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			want(t, "the tenant's issuer", tenant.Issuer(), c.Tenant.Issuer())
		})
	}
}
