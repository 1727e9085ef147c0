package app

import (
	"fmt"
	"net"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestStartErrorNamesTheHostSetting: a listen address whose host name does
// not resolve names the setting that holds it. The lookup error carries no
// address to match a listener by, so the host name does; the errors are
// built here as net.Listen returns them, so no resolver is asked.
func TestStartErrorNamesTheHostSetting(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		failed  string // the host name whose lookup failed
		want    string
	}{
		{"API host", []string{"HOST=api.example"}, "api.example",
			"api: cannot resolve api.example for HOST: no such host; set HOST to an IP address or a name this machine resolves"},
		{"admin host", []string{"ADMIN_ADDR=Admin.Example:9090"}, "admin.example",
			"api: cannot resolve admin.example for ADMIN_ADDR: no such host; set ADMIN_ADDR to an IP address or a name this machine resolves"},
		{"one host for both", []string{"HOST=both.example", "ADMIN_ADDR=both.example:9090"}, "both.example",
			"api: cannot resolve both.example for HOST or ADMIN_ADDR: no such host; set HOST or ADMIN_ADDR to an IP address or a name this machine resolves"},
		{"a host no setting holds", nil, "other.example",
			"api: start failed: httpapi: listen on other.example:3010: listen tcp: lookup other.example: no such host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(false, "", append([]string{"AUTH0_DOMAIN=example.eu.auth0.com",
				"AUTH0_AUDIENCE=https://messages-api.example.com"}, tt.environ...))
			if err != nil {
				t.Fatal(err)
			}
			lookup := &net.OpError{Op: "listen", Net: "tcp",
				Err: &net.DNSError{Err: "no such host", Name: tt.failed, IsNotFound: true}}
			err = fmt.Errorf("httpapi: listen on %s:3010: %w", tt.failed, lookup)
			if got := startError(err, cfg); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
