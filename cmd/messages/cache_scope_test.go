package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/devtenant"
	"golang.org/x/oauth2"
)

// TestTokenCacheScopeSpelling: a client's cached token serves every run
// asking for some of the scopes it was granted, however spelt, or for
// none: the tenant would issue the same scopes again (Auth0 gives a client
// all it was granted), and each new token is billed. A scope the client
// was not granted goes to the tenant, which refuses it, and the cached
// token stays.
func TestTokenCacheScopeSpelling(t *testing.T) {
	f := newFixtureWith(t, func(c *devtenant.Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == devClientID {
				c.Clients[i].Scopes = append(slices.Clone(c.Clients[i].Scopes), "write:messages")
			}
		}
	})
	both := "read:messages write:messages"
	tests := []struct {
		name          string
		first, second string // each run's -scope; "" = none given
		wantCode      int
		wantTokens    int64 // the second run's token requests
	}{
		{"the same", both, both, 0, 0},
		{"another order", both, "write:messages read:messages", 0, 0},
		{"one repeated", both, "read:messages write:messages read:messages", 0, 0},
		{"extra spaces", both, "  read:messages   write:messages ", 0, 0},
		{"fewer scopes", both, "read:messages", 0, 0},
		{"no -scope after scopes", both, "", 0, 0},
		{"a scope after no -scope", "", "write:messages", 0, 0},
		{"a scope not granted", both, "read:messages delete:messages", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "token.json")
			args := func(scope string) []string {
				a := []string{"-token-cache", file}
				if scope != "" {
					a = append(a, "-scope", scope)
				}
				return f.devArgs(append(a, "/api/private")...)
			}
			if r := runCmd(t, nil, args(tt.first)...); r.code != 0 {
				t.Fatalf("first run: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			cached := readEntry(t, file)
			before := f.tokenRequests.Load()
			r := runCmd(t, nil, args(tt.second)...)
			if r.code != tt.wantCode {
				t.Errorf("second run: got exit code %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if got := f.tokenRequests.Load() - before; got != tt.wantTokens {
				t.Errorf("second run: got %d token requests, want %d\nstderr: %s", got, tt.wantTokens, r.stderr)
			}
			if got := readEntry(t, file); got.AccessToken != cached.AccessToken || got.Covers != both {
				t.Errorf("after the second run: got a cache covering %q (token kept: %t), want the first run's token, covering %q",
					got.Covers, got.AccessToken == cached.AccessToken, both)
			}
		})
	}
}

// TestTokenCacheCoveredScopes pins which saved client token a run reuses:
// one covering every scope it asks for, granted as the token response said
// or asked for when it was bought (RFC 6749 section 5.1: a response without
// scope granted them; a tenant that left one out would leave it out again);
// a file of an earlier version, without covers, by its requested scopes. A
// user's token (-login) only for the same requested scopes.
func TestTokenCacheCoveredScopes(t *testing.T) {
	tests := []struct {
		name      string
		login     bool
		requested string // the saving run's scopes
		response  string // the token response's scope; "-" = none sent
		oldFile   bool   // written without covers
		asked     string // the loading run's scopes
		wantReuse bool
	}{
		{"granted more than asked, asks for another granted", false, "a", "b a", false, "b", true},
		{"granted, asks for none", false, "a", "a b", false, "", true},
		{"asks for one not granted", false, "a", "a b", false, "a c", false},
		{"no scope in the response: as asked", false, "a b", "-", false, "b", true},
		{"no scope in the response, asks for more", false, "a", "-", false, "a b", false},
		{"empty scope in the response: as asked", false, "a", " ", false, "a", true},
		{"a scope asked for left out of the response", false, "a c", "a", false, "c", true},
		{"left out, asks for another", false, "a c", "a", false, "d", false},
		{"earlier file: its requested scopes", false, "a b", "a b c", true, "a", true},
		{"earlier file, asks for more", false, "a b", "a b c", true, "c", false},
		{"login, the same scopes", true, "openid a", "openid a", false, "a openid", true},
		{"login, fewer scopes", true, "openid a", "openid a", false, "openid", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "token.json")
			o := options{issuer: "https://tenant.example/", audience: "a", clientID: "c", login: tt.login, scopes: strings.Fields(tt.requested)}
			tok := &oauth2.Token{AccessToken: "tok", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
			if tt.response != "-" {
				tok = tok.WithExtra(map[string]any{"scope": tt.response})
			}
			if err := newTokenCache(file, &o).save(tok); err != nil {
				t.Fatal(err)
			}
			if tt.oldFile {
				e := readEntry(t, file)
				e.Covers = ""
				data, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				writeMode(t, file, data, 0o600)
			}
			o.scopes = strings.Fields(tt.asked)
			var log strings.Builder
			got, _, err := newTokenCache(file, &o).load(&log)
			if err != nil {
				t.Fatal(err)
			}
			if reused := got != nil; reused != tt.wantReuse {
				t.Errorf("got reuse %t, want %t (note %q)", reused, tt.wantReuse, log.String())
			}
		})
	}
}
