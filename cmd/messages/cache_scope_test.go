package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/example/messages-api/internal/adapters/devtenant"
)

// TestTokenCacheScopeSpelling: runs asking for the same scopes, spelt in
// another order or with one repeated, share the cached token (each new
// token is billed); other scopes do not.
func TestTokenCacheScopeSpelling(t *testing.T) {
	f := newFixtureWith(t, func(c *devtenant.Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == devClientID {
				c.Clients[i].Scopes = append(slices.Clone(c.Clients[i].Scopes), "write:messages")
			}
		}
	})
	tests := []struct {
		name       string
		second     string // the second run's -scope; the first asks for "read:messages write:messages"
		wantTokens int64
	}{
		{"the same", "read:messages write:messages", 0},
		{"another order", "write:messages read:messages", 0},
		{"one repeated", "read:messages write:messages read:messages", 0},
		{"extra spaces", "  read:messages   write:messages ", 0},
		{"fewer scopes", "read:messages", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "token.json")
			if r := runCmd(t, nil, f.devArgs("-token-cache", file, "-scope", "read:messages write:messages", "/api/private")...); r.code != 0 {
				t.Fatalf("first run: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			before := f.tokenRequests.Load()
			if r := runCmd(t, nil, f.devArgs("-token-cache", file, "-scope", tt.second, "/api/private")...); r.code != 0 {
				t.Errorf("second run: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			if got := f.tokenRequests.Load() - before; got != tt.wantTokens {
				t.Errorf("second run: got %d token requests, want %d", got, tt.wantTokens)
			}
		})
	}
}
