package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestDevFollowsTheServiceSettings: -dev finds the tenant and the API where
// "api -dev" listens under the same environment (DEV_TENANT_ADDR, PORT,
// HOST), read by the service's own config loader; flags and API_URL still win.
func TestDevFollowsTheServiceSettings(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		env          map[string]string
		wantTokenURL string
		wantTarget   string
	}{
		{"defaults", nil, nil,
			"http://127.0.0.1:3011/oauth/token", "http://127.0.0.1:3010/api/private"},
		{"PORT", nil, map[string]string{"PORT": "4000"},
			"http://127.0.0.1:3011/oauth/token", "http://127.0.0.1:4000/api/private"},
		{"DEV_TENANT_ADDR", nil, map[string]string{"DEV_TENANT_ADDR": "127.0.0.1:4001"},
			"http://127.0.0.1:4001/oauth/token", "http://127.0.0.1:3010/api/private"},
		{"DEV_TENANT_ADDR on localhost is the issuer's 127.0.0.1", nil, map[string]string{"DEV_TENANT_ADDR": "localhost:4001"},
			"http://127.0.0.1:4001/oauth/token", "http://127.0.0.1:3010/api/private"},
		{"DEV_TENANT_ADDR on ::1", nil, map[string]string{"DEV_TENANT_ADDR": "[::1]:4001"},
			"http://[::1]:4001/oauth/token", "http://127.0.0.1:3010/api/private"},
		{"HOST and PORT", nil, map[string]string{"HOST": "::1", "PORT": "4000"},
			"http://127.0.0.1:3011/oauth/token", "http://[::1]:4000/api/private"},
		{"HOST localhost", nil, map[string]string{"HOST": "localhost"},
			"http://127.0.0.1:3011/oauth/token", "http://localhost:3010/api/private"},
		{"PORT on the SPA's default port, the SPA moved", nil, map[string]string{"PORT": "3000", "DEV_TENANT_SPA_ADDR": "localhost:3001"},
			"http://127.0.0.1:3011/oauth/token", "http://127.0.0.1:3000/api/private"},
		{"PORT on the admin port, admin moved", nil, map[string]string{"PORT": "9090", "ADMIN_ADDR": "127.0.0.1:9091"},
			"http://127.0.0.1:3011/oauth/token", "http://127.0.0.1:9090/api/private"},
		{"surrounding spaces, trimmed as the service does", nil, map[string]string{"PORT": " 4000 "},
			"http://127.0.0.1:3011/oauth/token", "http://127.0.0.1:4000/api/private"},
		{"flags win over the environment", []string{"-domain", "http://127.0.0.1:5001", "-api", "http://127.0.0.1:5000"},
			map[string]string{"PORT": "4000", "DEV_TENANT_ADDR": "127.0.0.1:4001"},
			"http://127.0.0.1:5001/oauth/token", "http://127.0.0.1:5000/api/private"},
		{"API_URL wins over PORT", nil, map[string]string{"PORT": "4000", "API_URL": "http://127.0.0.1:5000"},
			"http://127.0.0.1:3011/oauth/token", "http://127.0.0.1:5000/api/private"},
		{"AUTH0_DOMAIN does not move the dev tenant", nil, map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "DEV_TENANT_ADDR": "127.0.0.1:4001"},
			"http://127.0.0.1:4001/oauth/token", "http://127.0.0.1:3010/api/private"},
		{"-login too", []string{"-login"}, map[string]string{"PORT": "4000", "DEV_TENANT_ADDR": "127.0.0.1:4001"},
			"http://127.0.0.1:4001/oauth/token", "http://127.0.0.1:4000/api/private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"-dev"}, tt.args...), "/api/private")
			o, err := parseOptions(args, func(k string) string { return tt.env[k] }, &bytes.Buffer{})
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got := o.tokenURL; got != tt.wantTokenURL {
				t.Errorf("token URL: got %q, want %q", got, tt.wantTokenURL)
			}
			if got := o.api.String() + o.path; got != tt.wantTarget {
				t.Errorf("target: got %q, want %q", got, tt.wantTarget)
			}
		})
	}
	t.Run("without -dev, PORT and DEV_TENANT_ADDR are not read", func(t *testing.T) {
		env := map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "a", "AUTH0_CLIENT_ID": "c",
			"AUTH0_CLIENT_SECRET": "s", "PORT": "4000", "DEV_TENANT_ADDR": "127.0.0.1:4001"}
		o, err := parseOptions([]string{"/p"}, func(k string) string { return env[k] }, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := o.api.String()+" "+o.tokenURL, defaultAPI+" https://example.eu.auth0.com/oauth/token"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// TestDevWithTheServiceEnvironment: with the environment a service was
// started with, -dev alone reaches its tenant and its API.
func TestDevWithTheServiceEnvironment(t *testing.T) {
	f := newFixture(t)
	env := map[string]string{
		"DEV_TENANT_ADDR": strings.TrimPrefix(f.tenantURL, "http://"),
		"PORT":            f.apiURL[strings.LastIndex(f.apiURL, ":")+1:],
	}
	r := runCmd(t, env, "-dev", "/api/private-scoped")
	if r.code != 0 || !slices.Equal(statusLines(r.stdout), []string{"HTTP/1.1 200 OK"}) {
		t.Errorf("got exit code %d and %q, want 0 and one 200\nstderr: %s", r.code, statusLines(r.stdout), r.stderr)
	}
	if n := f.tokenRequests.Load(); n != 1 {
		t.Errorf("got %d token requests at the tenant, want 1", n)
	}
}

// TestDevSettingsErrors: a setting "api -dev" would refuse is refused the
// same way, named as the service names it, with exit code 2.
func TestDevSettingsErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"PORT not a number", map[string]string{"PORT": "abc"}, `PORT (http.port, from the environment) "abc" is not a whole number`},
		{"PORT out of range", map[string]string{"PORT": "70000"}, "PORT (http.port, from the environment) 70000 is not a TCP port"},
		{"DEV_TENANT_ADDR without a port", map[string]string{"DEV_TENANT_ADDR": "127.0.0.1"}, `DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "127.0.0.1" is not host:port`},
		{"DEV_TENANT_ADDR on port 0", map[string]string{"DEV_TENANT_ADDR": "127.0.0.1:0"}, "port 0 would leave the issuer"},
		{"PORT on the tenant's port", map[string]string{"PORT": "3011"}, "are the same port"},
		{"HOST not loopback", map[string]string{"HOST": "192.0.2.1"}, "dev mode binds loopback only"},
		{"DEV_TENANT_ADDR in quotes", map[string]string{"DEV_TENANT_ADDR": `"127.0.0.1:4001"`}, "DEV_TENANT_ADDR (dev_tenant.addr, from the environment) is wrapped in quotes"},
	}
	t.Run("DEV_TENANT_ADDR not loopback", func(t *testing.T) {
		env := map[string]string{"DEV_TENANT_ADDR": "192.0.2.1:3011"}
		_, err := parseOptions([]string{"-dev", "/api/private"}, func(k string) string { return env[k] }, &bytes.Buffer{})
		if want := `DEV_TENANT_ADDR (dev_tenant.addr, from the environment) "192.0.2.1:3011": dev mode binds loopback only`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got error %v, want one containing %q", err, want)
		}
	})
	// The flags point at a closed port: a setting let through must not
	// reach a service that happens to run on this machine.
	closed := "http://" + closedAddr(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, "-dev", "-domain", closed, "-api", closed, "/api/private")
			if r.code != 2 {
				t.Errorf("got exit code %d, want 2", r.code)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.want)
			}
		})
	}
}

// TestDevClientOfTheWrongType: with -dev the command knows each dev
// client's type, so a grant the client cannot use is a usage error at
// once, not a refusal from the tenant (client credentials) or a login page
// that shows an error and never comes back (-login).
func TestDevClientOfTheWrongType(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"spa client without -login", []string{"-client-id", "dev-spa"},
			`the dev client "dev-spa" is a spa client: it has no secret and gets tokens by a user's login, not client credentials; use -client-id dev-nobody or dev-reader`},
		{"native client without -login", []string{"-client-id", "dev-cli"},
			`the dev client "dev-cli" is a native client: it has no secret and gets tokens by a user's login: add -login`},
		{"-login with an m2m client", []string{"-login", "-client-id", "dev-reader"},
			`-login needs a native client (loopback redirects, RFC 8252); the dev client "dev-reader" is an m2m client: use -client-id dev-cli, or drop -login`},
		{"-login with the spa client", []string{"-login", "-client-id", "dev-spa"},
			`-login needs a native client (loopback redirects, RFC 8252); the dev client "dev-spa" is a spa client: use -client-id dev-cli, or drop -login`},
		// Let through (a service's -config may add it), but named as unknown.
		{"a client the dev configuration does not know", []string{"-client-id", "dev-raeder"},
			`the client secret is not set: set AUTH0_CLIENT_SECRET; "dev-raeder" is not a client of the embedded dev configuration, whose secrets -dev knows (its m2m clients: dev-nobody or dev-reader)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"-dev"}, tt.args...), "/api/private")
			_, err := parseOptions(args, func(string) string { return "" }, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("a client the service adds with -config is let through", func(t *testing.T) {
		env := map[string]string{"AUTH0_CLIENT_SECRET": "s"}
		o, err := parseOptions([]string{"-dev", "-client-id", "my-m2m", "/api/private"}, func(k string) string { return env[k] }, &bytes.Buffer{})
		if err != nil || o.clientID != "my-m2m" || o.clientSecret != "s" {
			t.Errorf("got %q %q, %v; want my-m2m with the secret from the environment", o.clientID, o.clientSecret, err)
		}
	})
}
