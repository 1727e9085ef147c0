package config_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestLoadChecksEachBoundAtItsEdge: each bound refuses the value one past
// it and takes the bound itself, and its error names the setting at fault,
// not one it is compared with. A 0 where the key source would read "the
// default" is refused, not taken silently.
func TestLoadChecksEachBoundAtItsEdge(t *testing.T) {
	tests := []envCase{
		{"port -1", false, []string{"PORT=-1"}, "PORT (http.port, from the environment) -1 is not a TCP port"},
		{"log format text", false, []string{"LOG_FORMAT=text"}, `LOG_FORMAT (log.format, from the environment) "text" is not json or console`},
		{"token cache one past a million", false, []string{"AUTH0_TOKEN_CACHE_SIZE=1000001"},
			"AUTH0_TOKEN_CACHE_SIZE (auth0.cache_size, from the environment) 1000001 is above 1000000"},
		{"header cap one past 1 MiB", false, []string{"HTTP_MAX_HEADER_BYTES=1048577"},
			"HTTP_MAX_HEADER_BYTES (http.max_header_bytes, from the environment) 1048577 is above 1048576"},
		{"connection cap one past 1Mi", false, []string{"HTTP_MAX_CONNECTIONS=1048577"},
			"HTTP_MAX_CONNECTIONS (http.max_connections, from the environment) 1048577 is above 1048576"},
		{"connection cap of 1Mi", false, []string{"HTTP_MAX_CONNECTIONS=1048576"}, ""},
		{"connection cap of 0", false, []string{"HTTP_MAX_CONNECTIONS=0"},
			"HTTP_MAX_CONNECTIONS (http.max_connections, from the environment) 0 must be positive"},
		{"connection cap of 1", false, []string{"HTTP_MAX_CONNECTIONS=1"}, ""},
		{"drain delay of -1ns", false, []string{"HTTP_DRAIN_DELAY=-1ns"}, "HTTP_DRAIN_DELAY (http.drain_delay, from the environment) -1ns must not be negative"},
		{"drain delay of 1h", false, []string{"HTTP_DRAIN_DELAY=1h"}, ""},
		{"drain delay just past 1h", false, []string{"HTTP_DRAIN_DELAY=1h0m0.001s"},
			"HTTP_DRAIN_DELAY (http.drain_delay, from the environment) 1h0m0.001s is above 1h0m0s: a stop would wait that long"},
		{"drain delay of 2562047h", false, []string{"HTTP_DRAIN_DELAY=2562047h"}, "HTTP_DRAIN_DELAY (http.drain_delay, from the environment) 2562047h0m0s is above 1h0m0s"},
		{"shutdown timeout of 1h", false, []string{"HTTP_SHUTDOWN_TIMEOUT=1h"}, ""},
		{"shutdown timeout just past 1h", false, []string{"HTTP_SHUTDOWN_TIMEOUT=1h0m0.001s"},
			"HTTP_SHUTDOWN_TIMEOUT (http.shutdown_timeout, from the environment) 1h0m0.001s is above 1h0m0s: a stop would wait that long"},
		{"token cap one below 1 KiB", false, []string{"AUTH0_MAX_TOKEN_BYTES=1023"},
			"AUTH0_MAX_TOKEN_BYTES (auth0.max_token_bytes, from the environment) 1023 is below 1024"},
		{"token cap of 1 KiB", false, []string{"AUTH0_MAX_TOKEN_BYTES=1024"}, ""},
		{"token cap of 0", false, []string{"AUTH0_MAX_TOKEN_BYTES=0"}, "AUTH0_MAX_TOKEN_BYTES (auth0.max_token_bytes, from the environment) 0 must be positive"},
		{"key set cap of 0", false, []string{"JWKS_MAX_BODY_BYTES=0"}, "JWKS_MAX_BODY_BYTES (keys.max_body_bytes, from the environment) 0 must be positive"},
		{"key set cap of 16 MiB", false, []string{"JWKS_MAX_BODY_BYTES=16777216"}, ""},
		{"retry interval of 0s", false, []string{"JWKS_RETRY_INTERVAL=0s"}, "JWKS_RETRY_INTERVAL (keys.retry_interval, from the environment) 0s must be positive"},
		{"retry interval just below 1s", false, []string{"JWKS_RETRY_INTERVAL=999ms"}, "JWKS_RETRY_INTERVAL (keys.retry_interval, from the environment) 999ms is below 1s"},
		{"retry interval of 1s", false, []string{"JWKS_RETRY_INTERVAL=1s"}, ""},
		{"retry interval of 1h", false, []string{"JWKS_RETRY_INTERVAL=1h"}, ""},
		{"retry interval just past 1h", false, []string{"JWKS_RETRY_INTERVAL=1h0m0.001s"},
			"JWKS_RETRY_INTERVAL (keys.retry_interval, from the environment) 1h0m0.001s is above 1h0m0s"},
		{"max stale age of 0s", false, []string{"JWKS_MAX_STALE_AGE=0s"}, "JWKS_MAX_STALE_AGE (keys.max_stale_age, from the environment) 0s must be positive"},
		{"max stale age just below the min refresh", false, []string{"JWKS_MAX_STALE_AGE=59s"},
			"JWKS_MAX_STALE_AGE (keys.max_stale_age, from the environment) 59s is below JWKS_MIN_REFRESH_INTERVAL"},
		{"max stale age at the min refresh", false, []string{"JWKS_MAX_STALE_AGE=1m"}, ""},
		{"cooldown of 0s", false, []string{"JWKS_UNKNOWN_KEY_COOLDOWN=0s"},
			"JWKS_UNKNOWN_KEY_COOLDOWN (keys.unknown_key_cooldown, from the environment) 0s must be positive"},
		{"cooldown of 100ms", false, []string{"JWKS_UNKNOWN_KEY_COOLDOWN=100ms"}, ""},
		{"idle timeout of 0s", false, []string{"HTTP_IDLE_TIMEOUT=0s"}, "HTTP_IDLE_TIMEOUT (http.idle_timeout, from the environment) 0s must be positive"},
		{"shutdown timeout of 0s", false, []string{"HTTP_SHUTDOWN_TIMEOUT=0s"}, "HTTP_SHUTDOWN_TIMEOUT (http.shutdown_timeout, from the environment) 0s must be positive"},
		{"read timeout of 100ms", false, []string{"HTTP_READ_TIMEOUT=100ms"}, ""},
		{"min refresh of 1s", false, []string{"JWKS_MIN_REFRESH_INTERVAL=1s"}, ""},
		{"retry-after of 1", false, []string{"HTTP_RETRY_AFTER_SECONDS=1"}, ""},
		{"retry-after of an hour", false, []string{"HTTP_RETRY_AFTER_SECONDS=3600"}, ""},
		{"retry-after past an hour", false, []string{"HTTP_RETRY_AFTER_SECONDS=3601"}, "3601 must be at least 1 and at most 3600"},
		// -1 is the documented way to turn each cache off.
		{"token cache -1: disabled", false, []string{"AUTH0_TOKEN_CACHE_SIZE=-1"}, ""},
		{"reject cache -1: disabled", false, []string{"AUTH0_REJECT_CACHE_SIZE=-1"}, ""},
		{"log level error", false, []string{"LOG_LEVEL=error"}, ""},
		{"min refresh above max", false, []string{"JWKS_MIN_REFRESH_INTERVAL=2h", "JWKS_MAX_REFRESH_INTERVAL=1h", "JWKS_REFRESH_INTERVAL=1h"},
			"JWKS_MIN_REFRESH_INTERVAL (keys.min_refresh_interval, from the environment) 2h0m0s must be at least 1s and at most JWKS_MAX_REFRESH_INTERVAL (1h0m0s)"},
		{"min refresh equal to max", false, []string{"JWKS_MIN_REFRESH_INTERVAL=10m", "JWKS_MAX_REFRESH_INTERVAL=10m"}, ""},
		{"key fetch as long as the write timeout", false, []string{"JWKS_FETCH_TIMEOUT=10s"},
			"JWKS_FETCH_TIMEOUT (keys.fetch_timeout, from the environment) 10s is not below HTTP_WRITE_TIMEOUT (http.write_timeout) 10s"},
		// Dev mode names DEV_TENANT_ADDR for the tenant's faults, but a
		// leeway is still the leeway's.
		{"leeway past 5m in dev mode", true, []string{"AUTH0_LEEWAY=6m"}, "AUTH0_LEEWAY (auth0.leeway, from the environment) 6m0s is outside 1ns..5m0s"},
		{"admin port one past the range", false, []string{"ADMIN_ADDR=:65536"}, `ADMIN_ADDR (admin.addr, from the environment) ":65536" is not host:port`},
		{"admin port -1", false, []string{"ADMIN_ADDR=:-1"}, `ADMIN_ADDR (admin.addr, from the environment) ":-1" is not host:port`},
		{"admin port 65535", false, []string{"ADMIN_ADDR=127.0.0.1:65535"}, ""},
		// Taken, each would fail only at start, as a name that does not resolve.
		{"host a CIDR", false, []string{"HOST=10.0.0.1/24"}, `HOST (http.host, from the environment) "10.0.0.1/24" is not a host name or IP address`},
		{"host with user information", false, []string{"HOST=user@api.internal"}, `HOST (http.host, from the environment) "user@api.internal" is not a host name or IP address`},
		{"host with a query", false, []string{"HOST=api.internal?x"}, `HOST (http.host, from the environment) "api.internal?x" is not a host name or IP address`},
		{"host with a fragment", false, []string{"HOST=api.internal#x"}, `HOST (http.host, from the environment) "api.internal#x" is not a host name or IP address`},
		{"host a list", false, []string{"HOST=a.internal,b.internal"}, `HOST (http.host, from the environment) "a.internal,b.internal" is not a host name or IP address`},
		{"host not ASCII", false, []string{"HOST=äpi.internal"}, `is not a host name or IP address`},
		{"host with hyphen and underscore", false, []string{"HOST=api-1.svc_x.internal"}, ""},
		{"host an IPv6 address with its zone", false, []string{"HOST=fe80::1%eth0"}, ""},
		// The dev tenant's listeners exist only with -dev.
		{"API on the dev tenant's port without -dev", false, []string{"PORT=3011"}, ""},
		// Set empty, it would move a file's tenant to the default port.
		{"dev tenant address empty", true, []string{"DEV_TENANT_ADDR="}, "DEV_TENANT_ADDR (dev_tenant.addr, from the environment) is empty: give a value or leave the variable unset"},
		{"dev tenant address empty without -dev: not read", false, []string{"DEV_TENANT_ADDR="}, ""},
		{"API on ::, admin on 127.0.0.1, one port", false, []string{"HOST=::", "PORT=9090"}, "are the same port"},
		{"API and admin on one name in two cases, one port", false, []string{"HOST=API.internal", "PORT=9090", "ADMIN_ADDR=api.internal:9090"}, "are the same port"},
		// docker's --env-file keeps quotes: around a whole list, or around
		// nothing (an audience of two quote marks matches no token).
		{"audience list in quotes as a whole", false, []string{`AUTH0_AUDIENCE="https://a.example.com,https://b.example.com"`},
			"AUTH0_AUDIENCE (auth0.audiences, from the environment) is wrapped in quotes"},
		{"audience of two quote marks", false, []string{`AUTH0_AUDIENCE=""`}, "AUTH0_AUDIENCE (auth0.audiences, from the environment) is wrapped in quotes"},
	}
	checkEnvCases(t, tests)
}

// envCase is a Load from the environment alone: with base laid under it
// unless dev, and want a fragment of the error ("" = no error).
type envCase struct {
	name    string
	dev     bool
	environ []string
	want    string
}

func checkEnvCases(t *testing.T, tests []envCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			environ := tt.environ
			if !tt.dev {
				environ = append(slices.Clone(base), environ...)
			}
			_, err := config.Load(tt.dev, "", environ)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
