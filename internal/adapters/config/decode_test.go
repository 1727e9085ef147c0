package config_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestLoadStatesEachBadValue: a value the decoder cannot take is refused
// with the whole error being one line per fault, each naming the setting,
// where it was set and the value as given; no decoder preamble, no Go
// parser text, and no number read in another base (0x0BC2 as port 3010).
func TestLoadStatesEachBadValue(t *testing.T) {
	env := func(kv ...string) []string { return append(slices.Clone(base), kv...) }
	tests := []struct {
		name    string
		file    string
		environ []string
		want    string // the whole error; FILE is the file's path
	}{
		{"empty port", "", env("PORT="),
			"PORT (http.port, from the environment) is empty: give a value or leave the variable unset"},
		{"port a word", "", env("PORT=abc"),
			`PORT (http.port, from the environment) "abc" is not a whole number`},
		{"port in hex", "", env("PORT=0x0BC2"),
			`PORT (http.port, from the environment) "0x0BC2" is not a whole number`},
		{"size in octal", "", env("AUTH0_TOKEN_CACHE_SIZE=0o7"),
			`AUTH0_TOKEN_CACHE_SIZE (auth0.cache_size, from the environment) "0o7" is not a whole number`},
		{"size with underscores", "", env("AUTH0_TOKEN_CACHE_SIZE=1_000"),
			`AUTH0_TOKEN_CACHE_SIZE (auth0.cache_size, from the environment) "1_000" is not a whole number`},
		{"size beyond 64 bits", "", env("AUTH0_TOKEN_CACHE_SIZE=99999999999999999999"),
			`AUTH0_TOKEN_CACHE_SIZE (auth0.cache_size, from the environment) "99999999999999999999" is out of range`},
		{"bool a word", "", env("AUTH0_PERMISSIONS=yes"),
			`AUTH0_PERMISSIONS (auth0.permissions, from the environment) "yes" is not true or false`},
		{"duration with an unknown unit", "", env("HTTP_READ_TIMEOUT=10x"),
			`HTTP_READ_TIMEOUT (http.read_timeout, from the environment) "10x" is not a duration, such as 10s, 500ms or 5m`},
		{"port a word in a file", "http:\n  port: abc\n", base,
			`http.port (in file FILE) "abc" is not a whole number`},
		{"duration a word in a file", "http:\n  read_timeout: ten\n", base,
			`http.read_timeout (in file FILE) "ten" is not a duration, such as 10s, 500ms or 5m`},
		{"bool a word in a file", "auth0:\n  permissions: maybe\n", base,
			`auth0.permissions (in file FILE) "maybe" is not true or false`},
		{"one fault in a file", "http:\n  read_timeout: 10\n", base,
			"http.read_timeout (in file FILE) 10 needs a unit, such as 10s, 500ms or 5m"},
		// The file's YAML numbers: one beyond the setting's range is refused,
		// not wrapped round (2^64-1 as -1 would disable the caches).
		{"size of 2^64-1 in a file", "auth0:\n  cache_size: 18446744073709551615\n", base,
			"auth0.cache_size (in file FILE) 18446744073709551615 is out of range"},
		{"port beyond 64 bits in a file", "http:\n  port: 99999999999999999999\n", base,
			"http.port (in file FILE) 1e+20 is out of range"},
		// 2^63 is exact in a float64, one past the largest int64.
		{"size of 2^63 in a file", "keys:\n  max_body_bytes: 9.223372036854775808e+18\n", base,
			"keys.max_body_bytes (in file FILE) 9.223372036854776e+18 is out of range"},
		{"size infinite in a file", "keys:\n  max_body_bytes: .inf\n", base,
			"keys.max_body_bytes (in file FILE) +Inf is out of range"},
		{"size below int64 in a file", "auth0:\n  reject_cache_size: -1e19\n", base,
			"auth0.reject_cache_size (in file FILE) -1e+19 is out of range"},
		// YAML reads 010 as 8, and 0x, 0o, 0b and _ as Go does: a file's
		// number is read in base 10 only, as the environment's is.
		{"port with a leading zero in a file", "http:\n  port: 010\n", base,
			"http.port (in file FILE) 010 is not a whole number in base 10 (YAML reads it as 8)"},
		{"port in hex in a file", "http:\n  port: 0x0BC2\n", base,
			"http.port (in file FILE) 0x0BC2 is not a whole number in base 10 (YAML reads it as 3010)"},
		{"size with underscores in a file", "auth0:\n  cache_size: 1_000\n", base,
			"auth0.cache_size (in file FILE) 1_000 is not a whole number in base 10 (YAML reads it as 1000)"},
		{"negative octal in a file", "auth0:\n  reject_cache_size: -0o1\n", base,
			"auth0.reject_cache_size (in file FILE) -0o1 is not a whole number in base 10 (YAML reads it as -1)"},
		{"a word in binary in a file", "http:\n  handler:\n    realm: 0b11\n", base,
			"http.handler.realm (in file FILE) 0b11 is not a whole number in base 10 (YAML reads it as 3)"},
		{"two in a file, one a line", "http:\n  port: 010\nauth0:\n  cache_size: 0x10\n", base,
			"http.port (in file FILE) 010 is not a whole number in base 10 (YAML reads it as 8)\n" +
				"auth0.cache_size (in file FILE) 0x10 is not a whole number in base 10 (YAML reads it as 16)"},
		// A setting left empty in a file is refused as an empty variable is,
		// not read as 0 (port 0 would listen on a random port) or false.
		{"port left empty in a file", "http:\n  port:\n", base,
			"http.port (in file FILE) is empty: give a value or remove the key to take the default"},
		{"boolean null in a file", "auth0:\n  permissions: null\n", base,
			"auth0.permissions (in file FILE) is empty: give a value or remove the key to take the default"},
		{"duration ~ in a file", "http:\n  read_timeout: ~\n", base,
			"http.read_timeout (in file FILE) is empty: give a value or remove the key to take the default"},
		{"setting without a variable left empty in a file", "dev_tenant:\n  token_ttl:\n", base,
			"dev_tenant.token_ttl (in file FILE) is empty: give a value or remove the key to take the default"},
		{"trusted proxy not an address", "", env("HTTP_TRUSTED_PROXIES=10.0.0.0/8,proxy.internal"),
			`HTTP_TRUSTED_PROXIES (http.handler.trusted_proxies, from the environment) "proxy.internal" is not a CIDR such as 10.0.0.0/8 or an IP address`},
		{"trusted proxy not an address in a file", "http:\n  handler:\n    trusted_proxies: [bogus]\n", base,
			`http.handler.trusted_proxies (in file FILE) "bogus" is not a CIDR such as 10.0.0.0/8 or an IP address`},
		{"empty variable over a file's value", "http:\n  port: 3010\n", env("PORT="),
			"PORT (http.port, from the environment) is empty: give a value or leave the variable unset"},
		// A setting without a variable is named with the file that set it.
		{"dev tenant duration in a file", "dev_tenant:\n  token_ttl: 10\n", base,
			"dev_tenant.token_ttl (in file FILE) 10 needs a unit, such as 10s, 500ms or 5m"},
		{"dev tenant boolean in a file", "dev_tenant:\n  rbac: nope\n", base,
			`dev_tenant.rbac (in file FILE) "nope" is not true or false`},
		{"a client's secret a list in a file", "dev_tenant:\n  clients:\n    - id: x\n      secret: [hunter2]\n", base,
			"dev_tenant.clients[0].secret (in file FILE) is a list, where the setting takes one value"},
		{"a level a list in a file", "log:\n  level: [debug]\n", base, "log.level (in file FILE) is a list, where the setting takes one value"},
		{"a realm an empty mapping in a file", "http:\n  handler:\n    realm: {}\n", base, "http.handler.realm (in file FILE) is a mapping, where the setting takes one value"},
		// Only a number lacks a unit; anything else is no duration at all.
		{"duration a boolean in a file", "http:\n  read_timeout: true\n", base,
			"http.read_timeout (in file FILE) true is not a duration, such as 10s, 500ms or 5m"},
		{"duration a list in a file", "http:\n  read_timeout: [10s]\n", base,
			"http.read_timeout (in file FILE) is a list, where the setting takes one value"},
		{"a port a list in a file", "http:\n  port: [4710]\n", base, "http.port (in file FILE) is a list, where the setting takes one value"},
		{"a boolean a list in a file", "auth0:\n  require_at_jwt: [true]\n", base, "auth0.require_at_jwt (in file FILE) is a list, where the setting takes one value"},
		// A string setting takes text: YAML's true, 1e3 and 1.50 would be
		// "1", "1000" and "1.5", not what was written.
		{"a realm that YAML reads as a boolean", "http:\n  handler:\n    realm: true\n", base, "http.handler.realm (in file FILE) is not text (YAML reads it as a number, a boolean or null): quote it"},
		{"a realm that YAML reads as a number", "http:\n  handler:\n    realm: 1.50\n", base, "http.handler.realm (in file FILE) is not text (YAML reads it as a number, a boolean or null): quote it"},
		{"a realm that YAML reads as a date", "http:\n  handler:\n    realm: 2001-01-01\n", base, "http.handler.realm (in file FILE) is read by YAML as a date or time: quote it"},
		// Never quoted back: a dev password or secret may be all digits.
		{"a dev user's password that YAML reads as a number", "dev_tenant:\n  users:\n    - username: alice\n      password: 20250417\n", base,
			"dev_tenant.users[0].password (in file FILE) is not text (YAML reads it as a number, a boolean or null): quote it"},
		{"a dev client's secret in hex", "dev_tenant:\n  clients:\n    - id: x\n      secret: 0x1F\n", base,
			"dev_tenant.clients[0].secret (in file FILE) is not text (YAML reads it as a number, a boolean or null): quote it"},
		{"a list entry that YAML reads as a number", "http:\n  handler:\n    cors:\n      allowed_origins: [123]\n", base, "http.handler.cors.allowed_origins[0] (in file FILE) is not text (YAML reads it as a number, a boolean or null): quote it"},
		{"duration not a number in a file", "http:\n  read_timeout: .nan\n", base,
			"http.read_timeout (in file FILE) NaN is not a duration, such as 10s, 500ms or 5m"},
		{"duration NaN", "", env("HTTP_READ_TIMEOUT=NaN"),
			`HTTP_READ_TIMEOUT (http.read_timeout, from the environment) "NaN" is not a duration, such as 10s, 500ms or 5m`},
		{"duration infinite", "", env("HTTP_READ_TIMEOUT=inf"),
			`HTTP_READ_TIMEOUT (http.read_timeout, from the environment) "inf" is not a duration, such as 10s, 500ms or 5m`},
		// Go calls a duration beyond what it holds "invalid", as it does "10x".
		{"duration beyond 292 years", "", env("HTTP_IDLE_TIMEOUT=2562048h"),
			`HTTP_IDLE_TIMEOUT (http.idle_timeout, from the environment) "2562048h" is out of range: a duration is at most 2562047h (about 292 years) either way`},
		{"duration beyond 292 years in a file", "http:\n  shutdown_timeout: -99999999999999999999ns\n", base,
			`http.shutdown_timeout (in file FILE) "-99999999999999999999ns" is out of range: a duration is at most 2562047h (about 292 years) either way`},
		{"duration of a unit alone", "", env("HTTP_IDLE_TIMEOUT=.s"),
			`HTTP_IDLE_TIMEOUT (http.idle_timeout, from the environment) ".s" is not a duration, such as 10s, 500ms or 5m`},
		// A file's list is taken as written: an empty entry failed only at
		// start (exit 1), a padded one matched no token.
		{"an audience null in a file", "auth0:\n  audiences: [https://api.example.com, ~]\n", base[:1],
			"auth0.audiences (in file FILE) entry 2 is empty: remove it"},
		{"an audience with spaces in a file", "auth0:\n  audiences: [\" https://api.example.com\"]\n", base[:1],
			`auth0.audiences (in file FILE) " https://api.example.com" has spaces around it or a control character, which no token's aud matches`},
		{"an audience with a NUL in a file", "auth0:\n  audiences: [\"https://api\\0.example.com\"]\n", base[:1],
			`auth0.audiences (in file FILE) "https://api\x00.example.com" has spaces around it or a control character, which no token's aud matches`},
		{"an audience with a newline in the environment", "", []string{"AUTH0_DOMAIN=example.eu.auth0.com", "AUTH0_AUDIENCE=https://a.example.com\nx"},
			`AUTH0_AUDIENCE (auth0.audiences, from the environment) "https://a.example.com\nx" has spaces around it or a control character, which no token's aud matches`},
		// The handler dropped what the quoted realm cannot carry, and took
		// an empty one as its default.
		{"realm with a quote", "", env(`HTTP_REALM=my "api"`),
			`HTTP_REALM (http.handler.realm, from the environment) "my \"api\"" is not up to 200 printable ASCII characters without " or \, which the WWW-Authenticate realm carries`},
		{"realm not ASCII", "http:\n  handler:\n    realm: café\n", base,
			`http.handler.realm (in file FILE) "café" is not up to 200 printable ASCII characters without " or \, which the WWW-Authenticate realm carries`},
		{"realm empty", "", env("HTTP_REALM= "),
			"HTTP_REALM (http.handler.realm, from the environment) is empty: give a value or leave the variable unset"},
		{"realm left empty in a file", "http:\n  handler:\n    realm:\n", base,
			"http.handler.realm (in file FILE) is empty: give a value or remove the key to take the default"},
		// Empty is the default, but HOST= would override the file's
		// loopback host with every interface.
		{"HOST empty over a file's host", "http:\n  host: 127.0.0.1\n", env("HOST="),
			"HOST (http.host, from the environment) is empty: give a value or leave the variable unset"},
		{"HOST blank", "", env("HOST= "),
			"HOST (http.host, from the environment) is empty: give a value or leave the variable unset"},
		// An _ADDR's host is checked as HOST is: " 127.0.0.1" failed only at
		// start, as a name that does not resolve.
		{"admin host with a space in a file", "admin:\n  addr: \" 127.0.0.1:9090\"\n", base,
			`admin.addr (in file FILE) " 127.0.0.1:9090" is not host:port with a port of 0 to 65535 (e.g. 127.0.0.1:9090 or :9090)`},
		// A setting at 0 is said once, as not positive: not again by the
		// checks that compare it with others or with a floor.
		{"write timeout of 0s, said once", "", env("HTTP_WRITE_TIMEOUT=0s"),
			"HTTP_WRITE_TIMEOUT (http.write_timeout, from the environment) 0s must be positive"},
		{"header cap of 0, said once", "", env("HTTP_MAX_HEADER_BYTES=0"),
			"HTTP_MAX_HEADER_BYTES (http.max_header_bytes, from the environment) 0 must be positive"},
		{"refresh interval of 0s, said once", "", env("JWKS_REFRESH_INTERVAL=0s"),
			"JWKS_REFRESH_INTERVAL (keys.refresh_interval, from the environment) 0s must be positive"},
		{"max stale age of 0s, said once", "", env("JWKS_MAX_STALE_AGE=0s"),
			"JWKS_MAX_STALE_AGE (keys.max_stale_age, from the environment) 0s must be positive"},
		{"retry interval of 0s, said once", "", env("JWKS_RETRY_INTERVAL=0s"),
			"JWKS_RETRY_INTERVAL (keys.retry_interval, from the environment) 0s must be positive"},
		{"read header timeout of 0s, said once", "", env("HTTP_READ_HEADER_TIMEOUT=0s"),
			"HTTP_READ_HEADER_TIMEOUT (http.read_header_timeout, from the environment) 0s must be positive"},
		{"key fetch timeout of 0s, said once", "", env("JWKS_FETCH_TIMEOUT=0s"),
			"JWKS_FETCH_TIMEOUT (keys.fetch_timeout, from the environment) 0s must be positive"},
		// A refused address is compared with no other: this one's port is PORT's.
		{"admin address refused, said once", "admin:\n  addr: \" 127.0.0.1:3010\"\n", base,
			`admin.addr (in file FILE) " 127.0.0.1:3010" is not host:port with a port of 0 to 65535 (e.g. 127.0.0.1:9090 or :9090)`},
		{"duration infinite in a file", "http:\n  read_timeout: .inf\n", base,
			"http.read_timeout (in file FILE) +Inf is not a duration, such as 10s, 500ms or 5m"},
		// -2^63 is exact in a float64 and fits an int64: read, then refused as the value it is.
		{"size of -2^63 in a file", "keys:\n  max_body_bytes: -9.223372036854775808e+18\n", base,
			"keys.max_body_bytes (in file FILE) -9223372036854775808 must be positive"},
		{"port of spaces in a file", "http:\n  port: \"  \"\n", base,
			"http.port (in file FILE) is empty: give a value or remove the key to take the default"},
		// A list's entries are no settings of their own: the decoder is
		// what refuses a misspelt field, which would otherwise be dropped.
		{"a client's misspelt field in a file", "dev_tenant:\n  clients:\n    - id: x\n      secret: s\n      scope: [read:messages]\n", base,
			"dev_tenant.clients[0] (in file FILE) has invalid keys: scope"},
		{"two faults, one a line", "", env("PORT=abc", "HTTP_READ_TIMEOUT=10"),
			`PORT (http.port, from the environment) "abc" is not a whole number` + "\n" +
				"HTTP_READ_TIMEOUT (http.read_timeout, from the environment) 10 needs a unit, such as 10s, 500ms or 5m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, path, err := loadWithFile(t, tt.file, tt.environ)
			w := strings.ReplaceAll(tt.want, "FILE", path)
			if err == nil || err.Error() != w {
				t.Errorf("got error %v, want exactly %q", err, w)
			}
		})
	}
}

// TestLoadTakesDecimalStrings: a number or boolean written as a string (a
// quoted YAML value, the environment's " 3010 ") is still read.
func TestLoadTakesDecimalStrings(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		environ []string
		port    int
	}{
		{"quoted port in a file", "http:\n  port: \"8080\"\n", base, 8080},
		{"port with spaces", "", append(slices.Clone(base), "PORT= 8081 "), 8081},
		{"port with a plus", "", append(slices.Clone(base), "PORT=+8082"), 8082},
		{"port with a plus in a file", "http:\n  port: +8083\n", base, 8083},
		{"port 0 in a file", "http:\n  port: 0\n", base, 0},
		{"port 0 in a file", "http:\n  port: -0\n", base, 0},
		{"port a whole float in a file", "http:\n  port: 8084.0\n", base, 8084},
		{"port with a leading zero quoted in a file", "http:\n  port: \"08085\"\n", base, 8085},
		{"port with a leading zero in the environment", "", append(slices.Clone(base), "PORT=08086"), 8086},
		{"host, lists and clients left empty in a file", "http:\n  host:\n  handler:\n    cors:\n      allowed_origins:\nauth0:\n  audiences:\ndev_tenant:\n  clients:\n", base, 3010},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := loadWithFile(t, tt.file, tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			want(t, "port", c.HTTP.Port, tt.port)
		})
	}
}

// TestLoadTrimsFileStrings: a file's quoted boolean or duration is trimmed,
// as its numbers and the environment's values are, not refused with Go's
// parser text.
func TestLoadTrimsFileStrings(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		permissions bool
		readTimeout time.Duration
	}{
		{"boolean", "auth0:\n  permissions: \" true \"\n", true, 10 * time.Second},
		{"duration", "http:\n  read_timeout: \" 12s \"\n", false, 12 * time.Second},
		{"duration with a tab", "http:\n  read_timeout: \"\\t13s\"\n", false, 13 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := loadWithFile(t, tt.file, base)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			want(t, "permissions", c.Auth0.Permissions, tt.permissions)
			want(t, "read timeout", c.HTTP.ReadTimeout, tt.readTimeout)
		})
	}
}

// loadWithFile loads environ over file, when not empty, written to a
// temporary path, which it returns.
func loadWithFile(t *testing.T, file string, environ []string) (config.Config, string, error) {
	t.Helper()
	path := ""
	if file != "" {
		path = writeFile(t, file)
	}
	c, err := config.Load(false, path, environ)
	return c, path, err
}
