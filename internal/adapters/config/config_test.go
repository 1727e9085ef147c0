package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/config"
)

var base = []string{"AUTH0_DOMAIN=example.eu.auth0.com", "AUTH0_AUDIENCE=https://api.example.com"}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		dev     bool
		file    string // YAML laid over the defaults
		environ []string
		check   func(t *testing.T, c config.Config)
	}{
		{name: "embedded defaults", environ: base, check: func(t *testing.T, c config.Config) {
			want(t, "port", c.HTTP.Port, 3010)
			want(t, "issuer", c.Tenant.Issuer(), "https://example.eu.auth0.com/")
			want(t, "leeway", c.Auth0.Leeway, 30*time.Second)
			want(t, "fetch timeout", c.Keys.FetchTimeout, 5*time.Second)
			want(t, "max stale age", c.Keys.MaxStaleAge, 24*time.Hour)
			want(t, "max token bytes", c.Auth0.MaxTokenBytes, 16384)
			want(t, "log format", c.Log.Format, "json")
			want(t, "http host", c.HTTP.Host, "")
			want(t, "insecure loopback", c.Auth0.AllowInsecureLoopback, false)
			want(t, "trusted proxies", len(c.HTTP.Handler.TrustedProxies), 0)
			want(t, "log every rejection", c.HTTP.Handler.LogEveryRejection, false)
			want(t, "trace export", c.Tracing.Export, false)
		}},
		{name: "trusted proxies and OTLP from env", environ: append(slices.Clone(base), "HTTP_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.7",
			"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318"), check: func(t *testing.T, c config.Config) {
			want(t, "trusted proxies", strings.Join(c.HTTP.Handler.TrustedProxies, " "), "10.0.0.0/8 192.168.1.7")
			want(t, "trace export", c.Tracing.Export, true)
		}},
		{name: "every rejection logged, from env", environ: append(slices.Clone(base), "HTTP_LOG_EVERY_REJECTION=true"),
			check: func(t *testing.T, c config.Config) {
				want(t, "log every rejection", c.HTTP.Handler.LogEveryRejection, true)
			}},
		{name: "env overrides", environ: append(slices.Clone(base), "PORT=8080", "AUTH0_LEEWAY=5s", "LOG_LEVEL=debug",
			"AUTH0_AUDIENCE=https://a.example.com, https://b.example.com", "AUTH0_PERMISSIONS=true", "UNRELATED=1"),
			check: func(t *testing.T, c config.Config) {
				want(t, "port", c.HTTP.Port, 8080)
				want(t, "leeway", c.Auth0.Leeway, 5*time.Second)
				want(t, "level", c.Log.Level, "debug")
				want(t, "audiences", strings.Join(c.Auth0.Audiences, "|"), "https://a.example.com|https://b.example.com")
				want(t, "permissions", c.Auth0.Permissions, true)
			}},
		// A port-0 SPA's origin is known only once it listens: none is
		// added to the API's CORS origins, however the 0 is written.
		{name: "SPA on port 0", dev: true, environ: []string{"DEV_TENANT_SPA_ADDR=127.0.0.1:0"}, check: func(t *testing.T, c config.Config) {
			want(t, "CORS origins", strings.Join(c.HTTP.Handler.CORS.AllowedOrigins, " "), "http://localhost:3000") // dev.yaml's own
		}},
		{name: "SPA on port 00", dev: true, environ: []string{"DEV_TENANT_SPA_ADDR=127.0.0.1:00"}, check: func(t *testing.T, c config.Config) {
			want(t, "CORS origins", strings.Join(c.HTTP.Handler.CORS.AllowedOrigins, " "), "http://localhost:3000") // dev.yaml's own
		}},
		{name: "IPv6 host in brackets", environ: append(slices.Clone(base), "HOST=[::1]"), check: func(t *testing.T, c config.Config) {
			want(t, "http host", c.HTTP.Host, "::1")
		}},
		{name: "domain with scheme and slash", environ: []string{"AUTH0_DOMAIN=https://Example.eu.auth0.com/", "AUTH0_AUDIENCE=x"},
			check: func(t *testing.T, c config.Config) {
				want(t, "issuer", c.Tenant.Issuer(), "https://example.eu.auth0.com/")
			}},
		{name: "a file's bare 0 as a duration", file: "http:\n  drain_delay: 0\n", environ: base,
			check: func(t *testing.T, c config.Config) {
				want(t, "drain delay", c.HTTP.DrainDelay, time.Duration(0))
			}},
		{name: "a file's bare 0.0 as a duration", file: "http:\n  drain_delay: 0.0\n", environ: base,
			check: func(t *testing.T, c config.Config) {
				want(t, "drain delay", c.HTTP.DrainDelay, time.Duration(0))
			}},
		{name: "file then env", file: "http:\n  port: 9000\nkeys:\n  fetch_timeout: 2s\n", environ: append(slices.Clone(base), "JWKS_FETCH_TIMEOUT=3s"),
			check: func(t *testing.T, c config.Config) {
				want(t, "port", c.HTTP.Port, 9000)
				want(t, "fetch timeout", c.Keys.FetchTimeout, 3*time.Second)
			}},
		{name: "dev mode", dev: true, environ: []string{"AUTH0_DOMAIN=ignored.auth0.com"}, check: func(t *testing.T, c config.Config) {
			want(t, "issuer", c.Tenant.Issuer(), "http://127.0.0.1:3011/")
			want(t, "audience", strings.Join(c.Auth0.Audiences, "|"), "https://messages-api.dev")
			want(t, "http host", c.HTTP.Host, "127.0.0.1")
			want(t, "log format", c.Log.Format, "console")
			want(t, "clients", len(c.DevTenant.Clients), 4)
			want(t, "users", len(c.DevTenant.Users), 2)
			want(t, "CORS origins", strings.Join(c.HTTP.Handler.CORS.AllowedOrigins, " "), "http://localhost:3000 http://127.0.0.1:3000")
			want(t, "insecure loopback", c.Tenant.InsecureLoopback(), true)
			want(t, "dev tenant's verifier", c.Auth0.DevTenant, true) // an unknown kid then says the tenant's key may have changed
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(tt.dev, writeFile(t, tt.file), tt.environ)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		environ []string
		want    string // a fragment of the error, naming the setting
	}{
		{"no domain", "", []string{"AUTH0_AUDIENCE=x"}, "AUTH0_DOMAIN is not set"},
		{"no audience", "", []string{"AUTH0_DOMAIN=a.auth0.com"}, "AUTH0_AUDIENCE is not set"},
		// docker compose's AUTH0_DOMAIN=${AUTH0_DOMAIN} with the variable unset
		// on the host: the empty value overrides the file's.
		{"domain empty in the environment over a file", "auth0:\n  domain: a.auth0.com\n", []string{"AUTH0_DOMAIN=", "AUTH0_AUDIENCE=x"},
			"AUTH0_DOMAIN is set but empty in the environment, which overrides the defaults and the -config file: unset it, or set it to your Auth0 tenant domain"},
		// docker run --env-file keeps quotes: the audience would never match a token.
		{"audience in quotes", "", []string{"AUTH0_DOMAIN=a.auth0.com", `AUTH0_AUDIENCE="https://api.example.com"`},
			"AUTH0_AUDIENCE (auth0.audiences, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{"one of the audiences in quotes", "", []string{"AUTH0_DOMAIN=a.auth0.com", `AUTH0_AUDIENCE=https://a.example.com, 'https://b.example.com'`}, "AUTH0_AUDIENCE"},
		{"domain in quotes", "", []string{`AUTH0_DOMAIN='a.auth0.com'`, "AUTH0_AUDIENCE=x"}, "AUTH0_DOMAIN (auth0.domain, from the environment) is wrapped in quotes"},
		{"audience empty in the environment over a file", "auth0:\n  audiences: [x]\n", []string{"AUTH0_DOMAIN=a.auth0.com", "AUTH0_AUDIENCE= , "},
			"AUTH0_AUDIENCE is set but empty in the environment"},
		{"http domain", "", []string{"AUTH0_DOMAIN=http://a.auth0.com", "AUTH0_AUDIENCE=x"}, "must use https"},
		{"domain with path", "", []string{"AUTH0_DOMAIN=a.auth0.com/x", "AUTH0_AUDIENCE=x"},
			`AUTH0_DOMAIN (auth0.domain, from the environment) "a.auth0.com/x" is not a tenant domain`},
		// Named where it was set, not as the variable nobody set.
		{"domain from the file with a port out of range", "auth0:\n  domain: a.auth0.com:99999\n", []string{"AUTH0_AUDIENCE=x"},
			`auth0.domain (in file `},
		{"http domain from the file", "auth0:\n  domain: http://a.auth0.com\n", []string{"AUTH0_AUDIENCE=x"}, `auth0.domain (in file `},
		{"port not a number", "", append(slices.Clone(base), "PORT=http"), "port"},
		{"port out of range", "", append(slices.Clone(base), "PORT=70000"), "PORT"},
		{"port one past the range", "", append(slices.Clone(base), "PORT=65536"), "PORT"},
		{"bad duration", "", append(slices.Clone(base), "JWKS_FETCH_TIMEOUT=soon"), "fetch_timeout"},
		{"duration without a unit in the environment", "", append(slices.Clone(base), "HTTP_READ_TIMEOUT=10"),
			"HTTP_READ_TIMEOUT (http.read_timeout, from the environment) 10 needs a unit, such as 10s, 500ms or 5m"},
		{"zero duration", "", append(slices.Clone(base), "HTTP_READ_HEADER_TIMEOUT=0s"),
			"HTTP_READ_HEADER_TIMEOUT (http.read_header_timeout, from the environment) 0s must be positive"},
		{"negative duration", "", append(slices.Clone(base), "JWKS_FETCH_TIMEOUT=-1.5s"),
			"JWKS_FETCH_TIMEOUT (keys.fetch_timeout, from the environment) -1.5s must be positive"},
		{"negative byte count", "", append(slices.Clone(base), "JWKS_MAX_BODY_BYTES=-1"),
			"JWKS_MAX_BODY_BYTES (keys.max_body_bytes, from the environment) -1 must be positive"},
		{"negative drain delay", "", append(slices.Clone(base), "HTTP_DRAIN_DELAY=-2s"),
			"HTTP_DRAIN_DELAY (http.drain_delay, from the environment) -2s must not be negative"},
		{"negative leeway", "", append(slices.Clone(base), "AUTH0_LEEWAY=-1s"), "AUTH0_LEEWAY"},
		{"zero leeway", "", append(slices.Clone(base), "AUTH0_LEEWAY=0s"), "AUTH0_LEEWAY"},
		{"leeway over 5m", "", append(slices.Clone(base), "AUTH0_LEEWAY=6m"), "AUTH0_LEEWAY"},
		{"tiny token cap", "", append(slices.Clone(base), "AUTH0_MAX_TOKEN_BYTES=100"), "AUTH0_MAX_TOKEN_BYTES"},
		{"min refresh below 1s", "", append(slices.Clone(base), "JWKS_MIN_REFRESH_INTERVAL=1ms"), "JWKS_MIN_REFRESH_INTERVAL"},
		{"min refresh above max", "", append(slices.Clone(base), "JWKS_MIN_REFRESH_INTERVAL=48h"), "JWKS_MIN_REFRESH_INTERVAL"},
		{"cooldown too short", "", append(slices.Clone(base), "JWKS_UNKNOWN_KEY_COOLDOWN=1ms"), "JWKS_UNKNOWN_KEY_COOLDOWN"},
		{"cooldown just below 100ms", "", append(slices.Clone(base), "JWKS_UNKNOWN_KEY_COOLDOWN=99ms"), "99ms is below 100ms"},
		// Each paces requests to the tenant: 1ms made about 700 fetches a second.
		{"max stale age below the min refresh", "", append(slices.Clone(base), "JWKS_MAX_STALE_AGE=1ms"),
			"JWKS_MAX_STALE_AGE (keys.max_stale_age, from the environment) 1ms is below JWKS_MIN_REFRESH_INTERVAL (keys.min_refresh_interval) 1m0s: the keys would be refetched that often"},
		// The backoff's 4 times wrapped negative: the tenant was retried without pause.
		{"retry interval of 292 years", "", append(slices.Clone(base), "JWKS_RETRY_INTERVAL=2562047h"),
			"JWKS_RETRY_INTERVAL (keys.retry_interval, from the environment) 2562047h0m0s is above 1h0m0s: without keys, private calls would answer 503 that long after the tenant is back"},
		{"retry interval past an hour", "keys:\n  retry_interval: 61m\n", base, "keys.retry_interval (in file "},
		// limit+1 wrapped: every key set was read as an empty body.
		{"key set cap at the largest int64", "", append(slices.Clone(base), "JWKS_MAX_BODY_BYTES=9223372036854775807"),
			"JWKS_MAX_BODY_BYTES (keys.max_body_bytes, from the environment) 9223372036854775807 is above 16777216 (16 MiB)"},
		{"key set cap one past 16 MiB", "", append(slices.Clone(base), "JWKS_MAX_BODY_BYTES=16777217"), "16777217 is above 16777216"},
		// Positive, but no request or fetch finishes within them.
		{"key fetch timeout of 5ns", "", append(slices.Clone(base), "JWKS_FETCH_TIMEOUT=5ns"),
			"JWKS_FETCH_TIMEOUT (keys.fetch_timeout, from the environment) 5ns is below 100ms: no fetch of the tenant's keys would finish, and private calls would answer 503"},
		{"read header timeout of 1ms", "", append(slices.Clone(base), "HTTP_READ_HEADER_TIMEOUT=1ms"),
			"HTTP_READ_HEADER_TIMEOUT (http.read_header_timeout, from the environment) 1ms is below 100ms: every request would be cut off unanswered"},
		{"read timeout of 99ms in a file", "http:\n  read_timeout: 99ms\n", base, "http.read_timeout (in file "},
		{"write timeout of 5ns", "", append(slices.Clone(base), "HTTP_WRITE_TIMEOUT=5ns", "JWKS_FETCH_TIMEOUT=1ns"), "HTTP_WRITE_TIMEOUT (http.write_timeout, from the environment) 5ns is below 100ms"},
		{"retry interval too short", "", append(slices.Clone(base), "JWKS_RETRY_INTERVAL=1ms"),
			"JWKS_RETRY_INTERVAL (keys.retry_interval, from the environment) 1ms is below 1s: a tenant that is down would be retried at that pace"},
		{"refresh interval below the min", "", append(slices.Clone(base), "JWKS_REFRESH_INTERVAL=1ms"),
			"JWKS_REFRESH_INTERVAL (keys.refresh_interval, from the environment) 1ms is outside JWKS_MIN_REFRESH_INTERVAL..JWKS_MAX_REFRESH_INTERVAL (1m0s..24h0m0s)"},
		{"refresh interval above the max", "", append(slices.Clone(base), "JWKS_REFRESH_INTERVAL=48h"), "JWKS_REFRESH_INTERVAL"},
		{"token cap above header cap", "", append(slices.Clone(base), "AUTH0_MAX_TOKEN_BYTES=65536"), "65536 is above HTTP_MAX_HEADER_BYTES"},
		{"token cap one byte above header cap", "", append(slices.Clone(base), "AUTH0_MAX_TOKEN_BYTES=16385"), "16385 is above HTTP_MAX_HEADER_BYTES"},
		{"header cap below token cap", "", append(slices.Clone(base), "HTTP_MAX_HEADER_BYTES=8192"), "16384 is above HTTP_MAX_HEADER_BYTES"},
		{"key fetch outlasts the write timeout", "", append(slices.Clone(base), "JWKS_FETCH_TIMEOUT=10s"), "10s is not below HTTP_WRITE_TIMEOUT"},
		{"write timeout shorter than a key fetch", "", append(slices.Clone(base), "HTTP_WRITE_TIMEOUT=2s"), "5s is not below HTTP_WRITE_TIMEOUT"},
		{"trusted proxy not a CIDR", "", append(slices.Clone(base), "HTTP_TRUSTED_PROXIES=10.0.0.0/8,proxy.internal"), "HTTP_TRUSTED_PROXIES"},
		{"trusted proxy prefix too long", "", append(slices.Clone(base), "HTTP_TRUSTED_PROXIES=10.0.0.0/33"), "HTTP_TRUSTED_PROXIES"},
		{"trusted proxy in a file", "http:\n  handler:\n    trusted_proxies: [\"*\"]\n", base, "trusted_proxies"},
		{"unsupported trace exporter", "", append(slices.Clone(base), "OTEL_TRACES_EXPORTER=zipkin"), "OTEL_TRACES_EXPORTER"},
		{"unsupported OTLP protocol", "", append(slices.Clone(base), "OTEL_TRACES_EXPORTER=otlp", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"),
			`OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported: use http/protobuf (the default)`},
		{"unsupported OTLP traces protocol", "", append(slices.Clone(base), "OTEL_TRACES_EXPORTER=otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json"),
			`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL "http/json" is not supported`},
		{"file sets insecure loopback", "auth0:\n  allow_insecure_loopback: true\n", base, "allow_insecure_loopback"},
		{"file sets the issuer", "keys:\n  issuer: http://127.0.0.1/\n", base, "issuer"},
		{"cache size zero", "", append(slices.Clone(base), "AUTH0_TOKEN_CACHE_SIZE=0"),
			"AUTH0_TOKEN_CACHE_SIZE (auth0.cache_size, from the environment) 0 must be positive, or -1 to disable"},
		// Named alone, with where it was set: not as one of a pair.
		{"reject cache size below -1", "auth0:\n  reject_cache_size: -2\n", base,
			"auth0.reject_cache_size (in file "},
		{"reject cache size alone at fault", "", append(slices.Clone(base), "AUTH0_REJECT_CACHE_SIZE=-2"),
			"AUTH0_REJECT_CACHE_SIZE (auth0.reject_cache_size, from the environment) -2 must be positive, or -1 to disable"},
		{"bad level", "", append(slices.Clone(base), "LOG_LEVEL=loud"), "LOG_LEVEL"},
		{"bad format", "", append(slices.Clone(base), "LOG_FORMAT=xml"), "LOG_FORMAT"},
		{"misspelt setting", "http:\n  prot: 1\n", base, "prot"},
		{"bad yaml", "http: [", base, "config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(false, writeFile(t, tt.file), tt.environ)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	file := writeFile(t, "log:\n  level: warn\n")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a stray argument", []string{"-dev", "extra"}, `unexpected argument "extra"`},
		{"an empty -config", []string{"-dev", "-config", ""}, `invalid value "" for flag -config: is empty: give a FILE, or leave the flag out`},
		{"a blank -config", []string{"-dev", "-config= "}, "is empty: give a FILE"},
		{"-config twice", []string{"-dev", "-config", file, "-config", file}, "invalid value " + strconv.Quote(file) + " for flag -config: given twice: give one file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := config.Parse(tt.args, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if c, err := config.Parse([]string{"-dev", "-config", file}, nil); err != nil || c.Log.Level != "warn" {
		t.Errorf("got level %q and error %v, want the file's warn", c.Log.Level, err)
	}
	c, err := config.Parse([]string{"-dev"}, nil)
	if err != nil || !c.Dev {
		t.Errorf("got dev=%v err=%v, want dev mode", c.Dev, err)
	}
}

func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %s %v, want %v", what, got, want)
	}
}

func writeFile(t *testing.T, content string) string {
	if content == "" {
		return ""
	}
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseDevReset(t *testing.T) {
	c, err := config.Parse([]string{"-dev", "-dev-reset"}, nil)
	if err != nil || !c.DevTenant.ResetKey {
		t.Errorf("-dev -dev-reset: got reset %v, error %v; want reset true, no error", c.DevTenant.ResetKey, err)
	}
	if c, err := config.Parse([]string{"-dev"}, nil); err != nil || c.DevTenant.ResetKey {
		t.Errorf("-dev: got reset %v, error %v; want reset false, no error", c.DevTenant.ResetKey, err)
	}
	if _, err := config.Parse([]string{"-dev-reset"}, nil); err == nil || !strings.Contains(err.Error(), "-dev-reset needs -dev") {
		t.Errorf("-dev-reset alone: got error %v, want one saying it needs -dev", err)
	}
}

// TestErrorsNameTheSource: a bad value is named by where it was set, and an
// unknown setting in a file gets the closest known one.
func TestErrorsNameTheSource(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		environ []string
		want    []string // fragments; "FILE" stands for the file's path
	}{
		{"port from the environment", "", append(slices.Clone(base), "PORT=70000"), []string{"PORT (http.port, from the environment) 70000"}},
		{"port from the file", "http:\n  port: 70000\n", base, []string{"http.port (in file FILE) 70000"}},
		{"environment wins over file", "http:\n  port: 8080\n", append(slices.Clone(base), "PORT=70000"), []string{"PORT (http.port, from the environment)"}},
		{"duration from the file", "http:\n  read_timeout: 0s\n", base, []string{"http.read_timeout (in file FILE) 0s must be positive"}},
		{"misspelt key", "http:\n  prot: 1\n", base, []string{`config file FILE: unknown setting "http.prot"; did you mean "http.port"?`}},
		{"misspelt nested key", "keys:\n  fetch_timout: 2s\n", base, []string{`did you mean "keys.fetch_timeout"?`}},
		{"misspelt section", "htp:\n  port: 1\n", base, []string{`unknown setting "htp.port"; did you mean "http.port"?`}},
		{"nothing close", "zzzzzzzz: 1\n", base, []string{`unknown setting "zzzzzzzz"`}},
		// A suggestion is at most a third of the name's length away: 2 of 7.
		{"misspelt at a third of its length", "log:\n  lvl: debug\n", base, []string{`unknown setting "log.lvl"; did you mean "log.level"?`}},
		// The start of a section's name is no section.
		{"a name that starts a section's", "dev: true\n", base, []string{`config file FILE: unknown setting "dev"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file)
			_, err := config.Load(false, path, tt.environ)
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "FILE", path)
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got error %v, want one containing %q", err, w)
				}
			}
			if err != nil && strings.Contains(err.Error(), "did you mean") && tt.name == "nothing close" {
				t.Errorf("got a suggestion in %v, want none for a key nothing resembles", err)
			}
		})
	}
}

// TestLoadRefusesLooseTypes: a value of the wrong type is refused with the
// setting's name, never converted into something else (a bare number as a
// duration would be nanoseconds, true as a port would be 1).
func TestLoadRefusesLooseTypes(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		environ []string
		want    string
	}{
		{"duration without a unit in a file", "http:\n  read_timeout: 10\n", base, "http.read_timeout (in file FILE) 10 needs a unit"},
		{"leeway without a unit in a file", "auth0:\n  leeway: 5\n", base, "auth0.leeway (in file FILE) 5 needs a unit"},
		{"dev token ttl without a unit", "dev_tenant:\n  token_ttl: 3600\n", base, "dev_tenant.token_ttl (in file FILE) 3600 needs a unit"},
		{"fraction without a unit in a file", "http:\n  drain_delay: 0.5\n", base, "http.drain_delay (in file FILE) 0.5 needs a unit"},
		{"fraction as a port", "http:\n  port: 3010.5\n", base, "http.port (in file FILE)"},
		{"bool as a port", "http:\n  port: true\n", base, "http.port (in file FILE)"},
		{"number as a bool", "auth0:\n  permissions: 2\n", base, "auth0.permissions (in file FILE)"},
		{"empty port", "", append(slices.Clone(base), "PORT="), "PORT (http.port, from the environment) is empty"},
		{"empty bool", "", append(slices.Clone(base), "AUTH0_PERMISSIONS="), "AUTH0_PERMISSIONS (auth0.permissions, from the environment) is empty"},
		{"empty duration", "", append(slices.Clone(base), "HTTP_DRAIN_DELAY="), "HTTP_DRAIN_DELAY (http.drain_delay, from the environment) is empty"},
		{"empty size", "", append(slices.Clone(base), "AUTH0_TOKEN_CACHE_SIZE= "), "AUTH0_TOKEN_CACHE_SIZE (auth0.cache_size, from the environment) is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file)
			_, err := config.Load(false, path, tt.environ)
			w := strings.ReplaceAll(tt.want, "FILE", path)
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("got error %v, want one containing %q", err, w)
			}
		})
	}
}

// TestLoadTrimsLists: a list given as one comma-separated string in a file
// is split and trimmed as it is from the environment.
func TestLoadTrimsLists(t *testing.T) {
	c, err := config.Load(false, writeFile(t, "auth0:\n  audiences: \"https://a.example.com, https://b.example.com,\"\n"), []string{"AUTH0_DOMAIN=example.eu.auth0.com"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "audiences", strings.Join(c.Auth0.Audiences, "|"), "https://a.example.com|https://b.example.com")
}

// TestLoadRefusesOutOfRange: every number and name a setting takes is
// checked at startup, not clamped or ignored later.
func TestLoadRefusesOutOfRange(t *testing.T) {
	tests := []envCase{
		{"retry-after zero", false, []string{"HTTP_RETRY_AFTER_SECONDS=0"}, "HTTP_RETRY_AFTER_SECONDS (http.handler.retry_after_seconds, from the environment) 0 must be at least 1 and at most 3600"},
		{"retry-after negative", false, []string{"HTTP_RETRY_AFTER_SECONDS=-5"}, "HTTP_RETRY_AFTER_SECONDS"},
		{"retry-after a day", false, []string{"HTTP_RETRY_AFTER_SECONDS=86400"}, "HTTP_RETRY_AFTER_SECONDS (http.handler.retry_after_seconds, from the environment) 86400 must be at least 1 and at most 3600"},
		{"CORS max age negative", false, []string{"CORS_MAX_AGE_SECONDS=-1"}, "CORS_MAX_AGE_SECONDS (http.handler.cors.max_age_seconds, from the environment) -1 must not be negative"},
		{"CORS max age zero", false, []string{"CORS_MAX_AGE_SECONDS=0"}, ""},
		{"header cap of 2 TB", false, []string{"HTTP_MAX_HEADER_BYTES=2147483648000"}, "HTTP_MAX_HEADER_BYTES (http.max_header_bytes, from the environment) 2147483648000 is above 1048576"},
		{"header cap of 1 MiB", false, []string{"HTTP_MAX_HEADER_BYTES=1048576"}, ""},
		{"token cache of 20 million", false, []string{"AUTH0_TOKEN_CACHE_SIZE=20000000"}, "AUTH0_TOKEN_CACHE_SIZE (auth0.cache_size, from the environment) 20000000 is above 1000000"},
		{"token cache of a million", false, []string{"AUTH0_TOKEN_CACHE_SIZE=1000000"}, ""},
		{"reject cache of 10 million", false, []string{"AUTH0_REJECT_CACHE_SIZE=10000000"}, "AUTH0_REJECT_CACHE_SIZE (auth0.reject_cache_size, from the environment) 10000000 is above 1000000"},
		{"reject cache of a million", false, []string{"AUTH0_REJECT_CACHE_SIZE=1000000"}, ""},
		{"level fatal hides errors", false, []string{"LOG_LEVEL=fatal"}, "LOG_LEVEL (log.level, from the environment) \"fatal\" is not one of debug, info, warn, error"},
		{"level dpanic", false, []string{"LOG_LEVEL=dpanic"}, "LOG_LEVEL"},
		{"level empty", false, []string{"LOG_LEVEL="}, "LOG_LEVEL"},
		{"level in capitals", false, []string{"LOG_LEVEL=WARN"}, ""},
		{"level spelt warning", false, []string{"LOG_LEVEL=warning"}, ""},
		{"admin port out of range", false, []string{"ADMIN_ADDR=:99999"}, "ADMIN_ADDR (admin.addr, from the environment) \":99999\""},
		{"admin port a service name", false, []string{"ADMIN_ADDR=127.0.0.1:http"}, "ADMIN_ADDR"},
		{"admin without port", false, []string{"ADMIN_ADDR=127.0.0.1"}, "ADMIN_ADDR"},
		{"API and admin on one port", false, []string{"PORT=9090"}, "PORT (http.port, from the environment) 9090 and ADMIN_ADDR (admin.addr) 127.0.0.1:9090 are the same port"},
		{"API and admin on one port, both wildcard", false, []string{"PORT=9090", "ADMIN_ADDR=:9090"}, "are the same port"},
		{"API and admin on one port, other hosts", false, []string{"PORT=9090", "HOST=10.0.0.1"}, ""},
		{"both on port 0", false, []string{"PORT=0", "ADMIN_ADDR=127.0.0.1:0"}, ""},
		{"host with a port", false, []string{"HOST=0.0.0.0:3010"}, "HOST (http.host, from the environment) \"0.0.0.0:3010\" is not a host name or IP address (the port is PORT's)"},
		{"host with a space", false, []string{"HOST=a b"}, "HOST (http.host, from the environment)"},
		{"host IPv6 in brackets", false, []string{"HOST=[::1]"}, ""},
		{"host IPv6 with its opening bracket only", false, []string{"HOST=[::1"}, "HOST (http.host, from the environment) \"[::1\" is not a host name or IP address"},
		{"host IPv6 with its closing bracket only", false, []string{"HOST=::1]"}, "HOST (http.host, from the environment)"},
		{"host IPv4 in brackets", false, []string{"HOST=[127.0.0.1]"}, "HOST (http.host, from the environment) \"[127.0.0.1]\" is not a host name or IP address"},
		{"host IPv6", false, []string{"HOST=::"}, ""},
		{"host a name", false, []string{"HOST=api.internal"}, ""},
		{"host IPv6 link-local with its zone", false, []string{"HOST=fe80::1%eth0"}, ""},
		{"host IPv6 with a zone in brackets", false, []string{"HOST=[fe80::1%eth0]"}, ""},
		{"admin IPv6 with a zone", false, []string{"ADMIN_ADDR=[fe80::1%eth0]:9090"}, ""},
		{"API on IPv4 loopback, admin on IPv6 loopback, one port", false, []string{"HOST=127.0.0.1", "PORT=9090", "ADMIN_ADDR=[::1]:9090"}, ""},
		{"API and admin on two loopback addresses, one port", false, []string{"HOST=127.0.0.2", "PORT=9090"}, ""},
		{"API on localhost, admin on 127.0.0.1, one port", false, []string{"HOST=localhost", "PORT=9090"}, "are the same port"},
		{"API on localhost, admin on ::1, one port", false, []string{"HOST=localhost", "PORT=9090", "ADMIN_ADDR=[::1]:9090"}, "are the same port"},
		{"API on IPv4-mapped loopback, admin on 127.0.0.1, one port", false, []string{"HOST=::ffff:127.0.0.1", "PORT=9090"}, "are the same port"},
		{"API on 0.0.0.0, admin on ::1, one port", false, []string{"HOST=0.0.0.0", "PORT=9090", "ADMIN_ADDR=[::1]:9090"}, "are the same port"},
		{"dev tenant on the API's port", true, []string{"DEV_TENANT_ADDR=127.0.0.1:3010"}, "PORT (http.port) 3010 and DEV_TENANT_ADDR (dev_tenant.addr, from the environment) 127.0.0.1:3010 are the same port"},
		{"dev tenant on port 0", true, []string{"DEV_TENANT_ADDR=127.0.0.1:0"}, "DEV_TENANT_ADDR (dev_tenant.addr, from the environment) \"127.0.0.1:0\": port 0 would leave the issuer and the key set's address without the port the tenant gets; pick a free port"},
		{"dev tenant on localhost port 0", true, []string{"DEV_TENANT_ADDR=localhost:0"}, "port 0 would leave the issuer"},
		{"dev tenant on port 00", true, []string{"DEV_TENANT_ADDR=127.0.0.1:00"}, "port 0 would leave the issuer"},
		{"dev tenant on port +0", true, []string{"DEV_TENANT_ADDR=127.0.0.1:+0"}, "port 0 would leave the issuer"},
		{"SPA on port 0", true, []string{"DEV_TENANT_SPA_ADDR=127.0.0.1:0"}, ""},
		{"SPA on the admin port", true, []string{"DEV_TENANT_SPA_ADDR=localhost:9090"}, "ADMIN_ADDR (admin.addr) 127.0.0.1:9090 and DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr, from the environment) localhost:9090 are the same port"},
	}
	checkEnvCases(t, tests)
}
