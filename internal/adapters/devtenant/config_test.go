package devtenant

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

func TestNewRejectsNonLoopbackAddr(t *testing.T) {
	for _, addr := range []string{
		"0.0.0.0:3011",
		":3011",
		"10.0.0.1:1",
		"192.168.1.10:3011",
		"[::]:3011",
		"[2001:db8::1]:3011",
		"[fe80::1%lo]:3011",
		"example.com:3011",
		"foo.localhost:3011",
		"127.0.0.1",
		"127.0.0.1:http",
		"127.0.0.1:70000",
		"127.0.0.1:-1",
	} {
		t.Run(addr, func(t *testing.T) {
			cfg := testConfig()
			cfg.Addr = addr
			tn, err := New(cfg, zap.NewNop())
			if err == nil {
				t.Fatalf("New(Addr=%q): got tenant %v and nil error, want an error", addr, tn)
			}
			if !strings.Contains(err.Error(), strconv.Quote(addr)) {
				t.Errorf("New(Addr=%q): got error %q, want it to name the address", addr, err)
			}
		})
	}
}

func TestNewAcceptsLoopbackAddr(t *testing.T) {
	for _, tc := range []struct {
		addr       string
		wantIssuer string // before Start
	}{
		{"", "http://127.0.0.1:3011/"},
		{"127.0.0.1:3011", "http://127.0.0.1:3011/"},
		{"127.1.2.3:8080", "http://127.1.2.3:8080/"},
		{"localhost:3011", "http://127.0.0.1:3011/"},
		{"LocalHost:3011", "http://127.0.0.1:3011/"},
		{"[::1]:3011", "http://[::1]:3011/"},
		{"[::ffff:127.0.0.1]:3011", "http://127.0.0.1:3011/"},
		{"127.0.0.1:0", ""},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			cfg := testConfig()
			cfg.Addr = tc.addr
			tn, err := New(cfg, zap.NewNop())
			if err != nil {
				t.Fatalf("New(Addr=%q): got error %v, want nil", tc.addr, err)
			}
			if got := tn.Issuer(); got != tc.wantIssuer {
				t.Errorf("Issuer before Start: got %q, want %q", got, tc.wantIssuer)
			}
			if tn.Ready() {
				t.Errorf("Ready before Start: got true, want false")
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"no clients", func(c *Config) { c.Clients = nil }, "at least one client"},
		{"empty id", func(c *Config) { c.Clients[1].ID = "" }, "clients[1]: id must be set"},
		{"duplicate id", func(c *Config) { c.Clients[2].ID = readerID }, "is not unique"},
		{"id with colon", func(c *Config) { c.Clients[0].ID = "a:b" }, "must be printable ASCII"},
		{"id with space", func(c *Config) { c.Clients[0].ID = "a b" }, "must be printable ASCII"},
		{"empty secret", func(c *Config) { c.Clients[0].Secret = "" }, "secret must be set"},
		{"missing audience", func(c *Config) { c.Audience = "" }, "audience must be set"},
		{"audience with spaces", func(c *Config) { c.Audience = " x " }, "audience"},
		{"negative ttl", func(c *Config) { c.TokenTTL = -time.Second }, "token_ttl"},
		{"sub-second ttl", func(c *Config) { c.TokenTTL = time.Millisecond }, "token_ttl"},
		{"fractional ttl", func(c *Config) { c.TokenTTL = 1500 * time.Millisecond }, "whole number of seconds"},
		{"ttl over 30 days", func(c *Config) { c.TokenTTL = 31 * 24 * time.Hour }, "at most"},
		{"scope with space", func(c *Config) { c.Clients[0].Scopes = []string{"read messages"} }, "not a valid scope token"},
		{"empty scope", func(c *Config) { c.Clients[0].Scopes = []string{""} }, "not a valid scope token"},
		{"duplicate scope", func(c *Config) { c.Clients[0].Scopes = []string{"a", "a"} }, "listed twice"},
		{"unknown client type", func(c *Config) { c.Clients[0].Type = "web" }, "must be m2m, spa or native"},
		{"m2m with redirect", func(c *Config) { c.Clients[0].RedirectURIs = []string{"http://localhost/"} }, "no redirect_uris"},
		{"spa with secret", func(c *Config) { withUsers(c); c.Clients[3].Secret = "spa-secret-9x" }, "has no secret"},
		{"spa without redirect", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = nil }, "at least one URL"},
		{"redirect with fragment", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"http://localhost/#x"} }, "fragment"},
		{"relative redirect", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"/cb"} }, "absolute"},
		{"redirect of another scheme", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"ftp://localhost/cb"} }, "absolute http or https"},
		{"redirect with an empty fragment", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"http://localhost/cb#"} }, "fragment"},
		{"redirect with user info", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"http://user@localhost/cb"} }, "user info"},
		// A credential put in a redirect URI is never repeated: such a URI is named by its position.
		{"redirect with a password in its user info", func(c *Config) {
			withUsers(c)
			c.Clients[3].RedirectURIs = []string{"http://localhost/ok", "http://user:S3CRET@localhost/cb"}
		}, `client "test-spa": redirect_uris entry 2 must not have user info`},
		{"redirect with a credential in its fragment", func(c *Config) {
			withUsers(c)
			c.Clients[3].RedirectURIs = []string{"http://localhost/cb#access_token=S3CRET"}
		}, "fragment"},
		{"redirect with a credential in a query naming state", func(c *Config) {
			withUsers(c)
			c.Clients[3].RedirectURIs = []string{"http://localhost/cb?key=S3CRET&state=x"}
		}, "state"},
		{"unparsable redirect with user info", func(c *Config) {
			withUsers(c)
			c.Clients[3].RedirectURIs = []string{"http://user:S3CRET@local host/cb"}
		}, "is not a URL"},
		// Kept as registered, such a query would put a second state (or code) before the response's.
		{"redirect whose query has a state", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"http://localhost/cb?state=x"} }, "state"},
		{"redirect whose query has an escaped code", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"http://localhost/cb?a=1&%63ode"} }, "code"},
		{"redirect whose query has an error", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"http://localhost/cb?error=1"} }, "error"},
		{"user without password", func(c *Config) { withUsers(c); c.Users[0].Password = "" }, "password must be set"},
		{"duplicate user", func(c *Config) { withUsers(c); c.Users[1].Username = "reader" }, "is not unique"},
		{"bad permission", func(c *Config) { withUsers(c); c.Users[0].Permissions = []string{"a b"} }, "not a valid scope token"},
		{"spa_addr not loopback", func(c *Config) { withUsers(c); c.SPAAddr, c.SPAClientID = "0.0.0.0:3000", spaID }, "loopback"},
		{"spa_client_id not spa", func(c *Config) { withUsers(c); c.SPAAddr, c.SPAClientID = "127.0.0.1:0", cliID }, "must name a client of type spa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.mutate(&cfg)
			tn, err := New(cfg, zap.NewNop())
			if err == nil {
				t.Fatalf("New: got tenant %v and nil error, want error containing %q", tn, tc.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantErr) {
				t.Errorf("New: got error %q, want it to contain %q", msg, tc.wantErr)
			}
			for _, c := range cfg.Clients {
				if c.Secret != "" && strings.Contains(msg, c.Secret) {
					t.Errorf("New: got error %q, want it not to contain a client secret", msg)
				}
			}
			if strings.Contains(msg, "S3CRET") {
				t.Errorf("New: got error %q, want it not to repeat a credential", msg)
			}
		})
	}
}
