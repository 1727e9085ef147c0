package config_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestUnknownEnvironment: a variable named like the service's settings that
// is none of them (a typo that would silently leave the default) is
// reported with the closest one; other tools' variables are not.
func TestUnknownEnvironment(t *testing.T) {
	c, err := config.Load(false, "", append(slices.Clone(base), "HTTP_DRAIN_DELAYS=10s", "JWKS_FETCH_TIMOUT=2s", "LOG_FILE=/var/log/x",
		"AUTH0_CLIENT_ID=id", "AUTH0_CLIENT_SECRET=secret", "HTTP_PROXY=http://proxy:3128", "HTTPS_PROXY=http://proxy:3128", "PATH=/bin", "HOSTNAME=pod-1"))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(c.UnknownEnv())
	if want := "[{HTTP_DRAIN_DELAYS HTTP_DRAIN_DELAY} {JWKS_FETCH_TIMOUT JWKS_FETCH_TIMEOUT} {LOG_FILE }]"; got != want {
		t.Errorf("got unknown variables %s, want %s", got, want)
	}
}

// TestUnknownEnvironmentOfOtherPrograms: variables that Kubernetes, Auth0's
// SDKs and tools set with the settings' prefixes are not reported.
func TestUnknownEnvironmentOfOtherPrograms(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{"Kubernetes service links of a Service named admin", []string{"ADMIN_SERVICE_HOST=10.0.0.7", "ADMIN_SERVICE_PORT=80", "ADMIN_SERVICE_PORT_HTTP=80",
			"ADMIN_PORT=tcp://10.0.0.7:80", "ADMIN_PORT_80_TCP=tcp://10.0.0.7:80", "ADMIN_PORT_80_TCP_PROTO=tcp", "ADMIN_PORT_80_TCP_PORT=80", "ADMIN_PORT_80_TCP_ADDR=10.0.0.7"}, "[]"},
		{"Kubernetes service links of Services named http and log-shipper", []string{"HTTP_SERVICE_HOST=10.0.0.8", "HTTP_PORT=tcp://10.0.0.8:80",
			"LOG_SHIPPER_SERVICE_PORT=514", "LOG_SHIPPER_PORT_514_UDP_ADDR=10.0.0.9", "JWKS_CACHE_PORT_6379_TCP=tcp://10.0.0.10:6379"}, "[]"},
		{"Auth0 SDK and tool variables", []string{"AUTH0_SECRET=s", "AUTH0_BASE_URL=http://localhost:3000", "AUTH0_ISSUER_BASE_URL=https://t.auth0.com",
			"AUTH0_SCOPE=openid", "AUTH0_API_TOKEN=t", "AUTH0_ACCESS_TOKEN=t", "AUTH0_DEBUG=true"}, "[]"},
		{"a typo that looks like a service link", []string{"HTTP_PORTS=3010", "ADMIN_PORT_9090=x", "HTTP_PORT=3010"}, "[{HTTP_PORTS } {ADMIN_PORT_9090 } {HTTP_PORT }]"},
		// Only a NAME_PORT variable is a link for its URL value.
		{"a typo with a service link's value", []string{"HTTP_PORTS=tcp://10.0.0.8:80"}, "[{HTTP_PORTS }]"},
		// docker's --env-file keeps every value's quotes: only the
		// settings' own are refused.
		{"other programs' values in quotes", []string{`AUTH0_CLIENT_SECRET="s"`, `GREETING='hello'`}, "[]"},
		{"Kubernetes service links over UDP and SCTP", []string{"LOG_PORT=udp://10.0.0.9:514", "ADMIN_PORT=sctp://10.0.0.7:9"}, "[]"},
		{"a scheme's name without a URL", []string{"ADMIN_PORT=tcp"}, "[{ADMIN_PORT }]"},
		// A suggestion is at most a third of the name's length away: here
		// two settings are as near, and neither is what was meant.
		{"no setting near enough", []string{"HTTP_TIMEOUT=30s"}, "[{HTTP_TIMEOUT }]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(false, "", append(slices.Clone(base), tt.environ...))
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(c.UnknownEnv()); got != tt.want {
				t.Errorf("got unknown variables %s, want %s", got, tt.want)
			}
		})
	}
}

// TestQuotedVariables: a variable wrapped in quotes (docker run --env-file
// keeps them) is said once, as that, whatever its type: not also as a
// number, a duration or a domain that fails, nor let through as a string.
func TestQuotedVariables(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{"a number", []string{`PORT="4620"`}, "PORT (http.port, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"a duration", []string{`HTTP_READ_TIMEOUT='5s'`}, "HTTP_READ_TIMEOUT (http.read_timeout, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"a domain", []string{`AUTH0_DOMAIN='a.auth0.com'`}, "AUTH0_DOMAIN (auth0.domain, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"a level", []string{`LOG_LEVEL="debug"`}, "LOG_LEVEL (log.level, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"a boolean", []string{`AUTH0_REQUIRE_AT_JWT='true'`}, "AUTH0_REQUIRE_AT_JWT (auth0.require_at_jwt, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"a list entry", []string{`AUTH0_AUDIENCE=https://a.example.com, "https://b.example.com"`}, "AUTH0_AUDIENCE (auth0.audiences, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"two, in the environment's order", []string{`PORT="4620"`, `HOST='127.0.0.1'`}, "PORT (http.port, from the environment) is wrapped in quotes, which would be part of the value: remove them\nHOST (http.host, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			environ := append(slices.Clone(base), tt.environ...)
			if strings.HasPrefix(tt.environ[0], "AUTH0_") {
				environ = append([]string{"AUTH0_DOMAIN=a.auth0.com", "AUTH0_AUDIENCE=x"}, tt.environ...)
			}
			_, err := config.Load(false, "", environ)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want exactly\n%s", err, tt.want)
			}
		})
	}
}
