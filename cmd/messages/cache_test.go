package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTokenCache(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "new-dir", "token.json")
	cacheArgs := func(file string, extra ...string) []string {
		return f.devArgs(append([]string{"-token-cache", file}, extra...)...)
	}

	// First run: fetches one token and writes it.
	r := runCmd(t, nil, cacheArgs(file, "-n", "2", "/api/private")...)
	if r.code != 0 || f.tokenRequests.Load() != 1 {
		t.Fatalf("got exit code %d and %d token requests, want 0 and 1\nstderr: %s", r.code, f.tokenRequests.Load(), r.stderr)
	}
	genuine := readEntry(t, file)
	_, tokens := f.seen()
	want := cacheEntry{Version: 1, Domain: f.tenantURL + "/", Audience: f.audience, ClientID: "dev-reader", AccessToken: tokens[0], TokenType: "Bearer"}
	if got := genuine; got.Version != want.Version || got.Domain != want.Domain || got.Audience != want.Audience ||
		got.ClientID != want.ClientID || got.AccessToken != want.AccessToken || got.TokenType != want.TokenType {
		t.Errorf("got cache entry %+v, want %+v", got, want)
	}
	if d := time.Until(genuine.Expiry); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("got cached expiry in %s, want about 24h", d)
	}
	raw, _ := os.ReadFile(file)
	if strings.Contains(string(raw), "dev-reader-secret") {
		t.Errorf("got the client secret in the cache file, want it never stored")
	}

	// Second run: uses the cached token, fetches none.
	t.Run("second run reuses the cached token", func(t *testing.T) {
		before := f.tokenRequests.Load()
		r := runCmd(t, nil, cacheArgs(file, "/api/private")...)
		if r.code != 0 {
			t.Errorf("got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
		}
		if got := f.tokenRequests.Load() - before; got != 0 {
			t.Errorf("got %d token requests, want 0", got)
		}
		if want := "using the cached token"; !strings.Contains(r.stderr, want) {
			t.Errorf("got stderr %q, want it to contain %q", r.stderr, want)
		}
		checkMode(t, file)
	})

	// Caches that must be ignored: the run fetches a new token, answers
	// as its own configuration deserves and rewrites the file for itself.
	ignored := []struct {
		name       string
		edit       func(*cacheEntry) // nil: write "junk"
		args       []string
		wantStatus string
		wantClient string
		wantNote   string
	}{
		{"another audience", func(e *cacheEntry) { e.Audience = "https://other.example" }, nil, "HTTP/1.1 200 OK", "dev-reader", "another tenant, audience, client or scope"},
		{"another tenant", func(e *cacheEntry) { e.Domain = "https://other.eu.auth0.com/" }, nil, "HTTP/1.1 200 OK", "dev-reader", "another tenant, audience, client or scope"},
		// The reader's token would be let through; dev-nobody's is not.
		{"another client", func(*cacheEntry) {}, []string{"-client-id", "dev-nobody"}, "HTTP/1.1 403 Forbidden", "dev-nobody", "another tenant, audience, client or scope"},
		{"other scopes", func(*cacheEntry) {}, []string{"-scope", "read:messages"}, "HTTP/1.1 200 OK", "dev-reader", "another tenant, audience, client or scope"},
		{"about to expire", func(e *cacheEntry) { e.Expiry = time.Now().Add(30 * time.Second) }, nil, "HTTP/1.1 200 OK", "dev-reader", "expired or is about to"},
		{"refused by the API", func(e *cacheEntry) { e.AccessToken = e.AccessToken[:len(e.AccessToken)-4] + "AAAA" }, nil, "HTTP/1.1 200 OK", "dev-reader", "the API refused the cached token"},
		{"not a cache", nil, nil, "HTTP/1.1 200 OK", "dev-reader", "is not a token cache"},
	}
	for _, tt := range ignored {
		t.Run("ignores "+tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			data := []byte("junk")
			if tt.edit != nil {
				e := genuine
				tt.edit(&e)
				data, _ = json.Marshal(e)
			}
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			before := f.tokenRequests.Load()
			r := runCmd(t, nil, cacheArgs(file, append(tt.args, "/api/private-scoped")...)...)
			if got := f.tokenRequests.Load() - before; got != 1 {
				t.Errorf("got %d token requests, want 1", got)
			}
			if lines := statusLines(r.stdout); len(lines) != 1 || lines[0] != tt.wantStatus {
				t.Errorf("got status lines %q, want [%q]\nstderr: %s", lines, tt.wantStatus, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantNote) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.wantNote)
			}
			// (The dev tenant signs deterministically: a token for the same
			// client in the same second is the same string, so compare what
			// the entry is for, not the token.)
			got := readEntry(t, file)
			if got.Domain != genuine.Domain || got.Audience != f.audience || got.ClientID != tt.wantClient ||
				time.Until(got.Expiry) < 23*time.Hour {
				t.Errorf("got a rewritten cache for %s %s %q expiring in %s, want one for %s %s %q expiring in 24h",
					got.Domain, got.Audience, got.ClientID, time.Until(got.Expiry).Round(time.Second), genuine.Domain, f.audience, tt.wantClient)
			}
			checkMode(t, file)
		})
	}

	// Caches that must be refused: readable by others, or not a plain file.
	genuineData, _ := json.Marshal(genuine)
	refused := []struct {
		name  string
		setup func(t *testing.T, file string)
		want  string
	}{
		{"mode 0644", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o644) }, "has mode 0644"},
		{"mode 0604", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o604) }, "has mode 0604"},
		{"mode 0660", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o660) }, "has mode 0660"},
		{"symlink", func(t *testing.T, file string) {
			target := file + ".target"
			writeMode(t, target, genuineData, 0o600)
			if err := os.Symlink(target, file); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			tt.setup(t, file)
			before := f.tokenRequests.Load()
			r := runCmd(t, nil, cacheArgs(file, "/api/private")...)
			if r.code != 2 {
				t.Errorf("got exit code %d, want 2", r.code)
			}
			if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "refusing to use it") {
				t.Errorf("got stderr %q, want it to contain %q and %q", r.stderr, tt.want, "refusing to use it")
			}
			if got := f.tokenRequests.Load() - before; got != 0 {
				t.Errorf("got %d token requests, want 0", got)
			}
			if got, _ := os.ReadFile(file); !bytes.Equal(got, genuineData) {
				t.Errorf("got the refused file rewritten, want it left as it was")
			}
		})
	}
}
