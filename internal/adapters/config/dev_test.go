package config_test

import (
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

func TestDevModeBindsLoopbackOnly(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"HOST=localhost", []string{"HOST=localhost"}, ""},
		{"HOST=0.0.0.0", []string{"HOST=0.0.0.0"}, "HOST (http.host, from the environment)"},
		{"HOST=a hostname", []string{"HOST=build-box"}, "HOST (http.host, from the environment)"},
		{"HOST with a port", []string{"HOST=127.0.0.1:3010"},
			`HOST (http.host, from the environment) "127.0.0.1:3010" is not a host name or IP address (the port is PORT's)`},
		{"ADMIN_ADDR=:9090", []string{"ADMIN_ADDR=:9090"}, "ADMIN_ADDR"},
		// Malformed or empty, a setting gets the message it gets outside dev
		// mode, not a loopback advice that would not fix it.
		{"HOST empty", []string{"HOST="}, "HOST (http.host, from the environment) is empty: give a value or leave the variable unset"},
		{"ADMIN_ADDR without a host", []string{"ADMIN_ADDR=4712"}, `ADMIN_ADDR (admin.addr, from the environment) "4712" is not host:port with a port of 0 to 65535`},
		{"ADMIN_ADDR without a port", []string{"ADMIN_ADDR=localhost"}, `ADMIN_ADDR (admin.addr, from the environment) "localhost" is not host:port with a port of 0 to 65535`},
		{"ADMIN_ADDR with a port out of range", []string{"ADMIN_ADDR=127.0.0.1:70000"}, `ADMIN_ADDR (admin.addr, from the environment) "127.0.0.1:70000" is not host:port`},
		{"ADMIN_ADDR empty", []string{"ADMIN_ADDR="}, `ADMIN_ADDR (admin.addr, from the environment) "" is not host:port`},
		{"ADMIN_ADDR in quotes", []string{`ADMIN_ADDR="127.0.0.1:9090"`}, "ADMIN_ADDR (admin.addr, from the environment) is wrapped in quotes"},
		{"ADMIN_ADDR=localhost:9090", []string{"ADMIN_ADDR=localhost:9090"}, ""},
		{"ADMIN_ADDR=192.0.2.1:9090", []string{"ADMIN_ADDR=192.0.2.1:9090"},
			`ADMIN_ADDR (admin.addr, from the environment) "192.0.2.1:9090": dev mode binds loopback only`},
		{"DEV_TENANT_ADDR=[::1]:3011", []string{"DEV_TENANT_ADDR=[::1]:3011"}, ""},
		{"DEV_TENANT_ADDR=localhost:3011", []string{"DEV_TENANT_ADDR=localhost:3011"}, ""},
		{"DEV_TENANT_ADDR=0.0.0.0:3011", []string{"DEV_TENANT_ADDR=0.0.0.0:3011"},
			`DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "0.0.0.0:3011": dev mode binds loopback only`},
		{"DEV_TENANT_ADDR=:3011", []string{"DEV_TENANT_ADDR=:3011"}, "DEV_TENANT_ADDR (dev_tenant.addr, from the environment)"},
		{"DEV_TENANT_ADDR=192.0.2.1:3011", []string{"DEV_TENANT_ADDR=192.0.2.1:3011"}, "DEV_TENANT_ADDR (dev_tenant.addr, from the environment)"},
		{"DEV_TENANT_ADDR without a port", []string{"DEV_TENANT_ADDR=3011"}, `DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "3011" is not host:port`},
		// Said once, as the other _ADDR settings' are: not again as an issuer.
		{"DEV_TENANT_ADDR with an empty port", []string{"DEV_TENANT_ADDR=127.0.0.1:"}, `DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "127.0.0.1:" is not host:port`},
		{"DEV_TENANT_ADDR=localhost:", []string{"DEV_TENANT_ADDR=localhost:"}, `DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "localhost:" is not host:port`},
		{"DEV_TENANT_ADDR with a signed port", []string{"DEV_TENANT_ADDR=127.0.0.1:+3011"}, `DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "127.0.0.1:+3011" cannot make the dev tenant's issuer`},
		{"DEV_TENANT_ADDR in quotes", []string{`DEV_TENANT_ADDR="0.0.0.0:3011"`}, "DEV_TENANT_ADDR (dev_tenant.addr, from the environment) is wrapped in quotes"},
		{"AUTH0_LEEWAY still checked", []string{"AUTH0_LEEWAY=0s"}, "AUTH0_LEEWAY (auth0.leeway, from the environment) 0s is outside"},
		{"DEV_TENANT_SPA_ADDR=0.0.0.0:3000", []string{"DEV_TENANT_SPA_ADDR=0.0.0.0:3000"},
			`DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr, from the environment) "0.0.0.0:3000": dev mode binds loopback only`},
		{"DEV_TENANT_SPA_ADDR empty: no SPA", []string{"DEV_TENANT_SPA_ADDR="}, ""},
		{"DEV_TENANT_SPA_ADDR=127.0.0.1:0", []string{"DEV_TENANT_SPA_ADDR=127.0.0.1:0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(true, "", tt.environ)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got error %v, want one naming %q", err, tt.wantErr)
			}
			// Dev mode sets the tenant's domain itself: an error must name
			// the dev setting, never a variable the user did not set.
			if err != nil && strings.Contains(err.Error(), "AUTH0_DOMAIN") {
				t.Errorf("got error %v, want none naming AUTH0_DOMAIN", err)
			}
			// One fault, one line.
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("got error %q, want one line", err)
			}
		})
	}
}

func TestDevTenantAddrFromEnvironment(t *testing.T) {
	c, err := config.Load(true, "", []string{"DEV_TENANT_ADDR=127.0.0.1:4011"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "dev tenant addr", c.DevTenant.Addr, "127.0.0.1:4011")
	want(t, "issuer", c.Tenant.Issuer(), "http://127.0.0.1:4011/")
}
