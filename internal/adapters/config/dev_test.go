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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(true, "", tt.environ)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got error %v, want one naming %q", err, tt.wantErr)
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
