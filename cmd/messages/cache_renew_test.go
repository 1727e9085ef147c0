package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/devtenant"
)

// TestTokenCacheKeepsTheReuseRule: a cached token is reused by the next run
// for as long as the run that fetched it would have reused it: until 60 s
// before it expires, or for half its life when it lives less than 2
// minutes. A file without the renewal moment (written before it was kept)
// falls back to 60 s before expiry.
func TestTokenCacheKeepsTheReuseRule(t *testing.T) {
	tests := []struct {
		name       string
		ttl        time.Duration                      // the tenant's token lifetime
		edit       func(e *cacheEntry, now time.Time) // applied to the first run's file; nil = none
		wantTokens int64                              // token requests of the second run
		wantNote   string
	}{
		{"a day-long token", 24 * time.Hour, nil, 0, "using the cached token"},
		{"a 30 s token", 30 * time.Second, nil, 0, "using the cached token"},
		{"a 90 s token", 90 * time.Second, nil, 0, "using the cached token"},
		{"a 2 min token", 2 * earlyExpiry, nil, 0, "using the cached token"},
		{"past its renewal moment", 30 * time.Second, func(e *cacheEntry, now time.Time) {
			e.Expiry, e.RenewAt = now.Add(10*time.Second), now.Add(-time.Second)
		}, 1, "expired or is about to"},
		{"no renewal moment, an hour left", 24 * time.Hour, func(e *cacheEntry, now time.Time) {
			e.Expiry, e.RenewAt = now.Add(time.Hour), time.Time{}
		}, 0, "using the cached token"},
		{"no renewal moment, 30 s left", 30 * time.Second, func(e *cacheEntry, now time.Time) {
			e.Expiry, e.RenewAt = now.Add(30*time.Second), time.Time{}
		}, 1, "expired or is about to"},
		{"a renewal moment after its expiry", 30 * time.Second, func(e *cacheEntry, now time.Time) {
			e.Expiry, e.RenewAt = now.Add(30*time.Second), now.Add(time.Hour)
		}, 1, "expired or is about to"},
		// Saved by a run that got an already expired token (renewBefore 0).
		{"a renewal moment at its expiry", 30 * time.Second, func(e *cacheEntry, now time.Time) {
			e.Expiry = now.Add(30 * time.Second)
			e.RenewAt = e.Expiry
		}, 0, "using the cached token"},
		// The rule of the run that fetched it, not one recomputed from the
		// life left (which would move it later at every run).
		{"a renewal moment of its own", 24 * time.Hour, func(e *cacheEntry, _ time.Time) {
			e.RenewAt = e.Expiry.Add(-time.Hour)
		}, 0, "using the cached token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, func(c *devtenant.Config) { c.TokenTTL = tt.ttl })
			file := filepath.Join(t.TempDir(), "token.json")
			args := f.devArgs("-token-cache", file, "/api/private")
			if r := runCmd(t, nil, args...); r.code != 0 {
				t.Fatalf("first run: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			if tt.edit != nil {
				e := readEntry(t, file)
				tt.edit(&e, time.Now())
				data, _ := json.Marshal(e)
				if err := os.WriteFile(file, data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			saved, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			before := f.tokenRequests.Load()
			r := runCmd(t, nil, args...)
			if r.code != 0 {
				t.Errorf("second run: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			if got := f.tokenRequests.Load() - before; got != tt.wantTokens {
				t.Errorf("second run: got %d token requests, want %d\nstderr: %s", got, tt.wantTokens, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantNote) {
				t.Errorf("second run: got stderr %q, want it to contain %q", r.stderr, tt.wantNote)
			}
			// A run that reuses the cached token leaves its file as it was.
			if got, _ := os.ReadFile(file); tt.wantTokens == 0 && !bytes.Equal(got, saved) {
				t.Errorf("second run: got the cache file rewritten to %s, want it left as it was (%s)", got, saved)
			}
		})
	}
}
