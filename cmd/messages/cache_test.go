package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
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
	// No file yet is the normal first run, not a cache to complain about.
	if strings.Contains(r.stderr, "ignoring") {
		t.Errorf("got stderr %q, want no note about a cache that does not exist yet", r.stderr)
	}
	// The directory made for it is the user's alone: others cannot list it.
	if fi, err := os.Stat(filepath.Dir(file)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("got the new cache directory with mode %v (%v), want 0700", fi.Mode().Perm(), err)
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
		// Bought before the client was granted the scope asked for.
		{"a scope its token lacks", func(e *cacheEntry) { e.Covers = "write:messages" }, []string{"-scope", "read:messages"}, "HTTP/1.1 200 OK", "dev-reader", "it does not record read:messages among its token's scopes; asking the tenant"},
		{"about to expire", func(e *cacheEntry) { e.Expiry = time.Now().Add(30 * time.Second) }, nil, "HTTP/1.1 200 OK", "dev-reader", "expired or is about to"},
		{"refused by the API", func(e *cacheEntry) { e.AccessToken = e.AccessToken[:len(e.AccessToken)-4] + "AAAA" }, nil, "HTTP/1.1 200 OK", "dev-reader", "the API refused the cached token"},
		{"empty", func(*cacheEntry) {}, nil, "HTTP/1.1 200 OK", "dev-reader", "is empty"},
		{"another version", func(e *cacheEntry) { e.Version = cacheVersion + 1 }, nil, "HTTP/1.1 200 OK", "dev-reader", "not a token cache of this version"},
		{"no access token", func(e *cacheEntry) { e.AccessToken = "" }, nil, "HTTP/1.1 200 OK", "dev-reader", "not a token cache of this version"},
	}
	for _, tt := range ignored {
		t.Run("ignores "+tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			var data []byte // empty
			if tt.name != "empty" {
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

	// Caches that must be refused: readable by others, not a plain file, or
	// not a token cache (a mistyped path must not cost the file it names).
	genuineData, _ := json.Marshal(genuine)
	refused := []struct {
		name  string
		setup func(t *testing.T, file string)
		want  string
	}{
		{"mode 0644", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o644) }, "has mode 0644"},
		{"mode 0604", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o604) }, "has mode 0604"},
		{"mode 0660", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o660) }, "has mode 0660"},
		// Any bit for group or others, execute included: the file was made
		// or changed by someone who did not mean it to be private.
		{"mode 0610", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o610) }, "has mode 0610"},
		{"mode 0601", func(t *testing.T, file string) { writeMode(t, file, genuineData, 0o601) }, "has mode 0601"},
		{"symlink", func(t *testing.T, file string) {
			target := file + ".target"
			writeMode(t, target, genuineData, 0o600)
			if err := os.Symlink(target, file); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
		{"a private key", func(t *testing.T, file string) {
			writeMode(t, file, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600)
		}, "is not a token cache"},
		{"another tool's JSON", func(t *testing.T, file string) { writeMode(t, file, []byte(`{"theme":"dark"}`), 0o600) }, "is not a token cache"},
		{"a JSON array", func(t *testing.T, file string) { writeMode(t, file, []byte(`[1,2]`), 0o600) }, "is not a token cache"},
		{"a version that is no number", func(t *testing.T, file string) { writeMode(t, file, []byte(`{"version":"1"}`), 0o600) }, "is not a token cache"},
		// A version alone is no token cache: Terraform's state has one.
		{"a Terraform state", func(t *testing.T, file string) {
			writeMode(t, file, []byte(`{"version": 4, "terraform_version": "1.9.0", "resources": []}`), 0o600)
		}, "is not a token cache"},
		{"a version and a name", func(t *testing.T, file string) {
			writeMode(t, file, []byte(`{"version":1,"name":"my bookmarks"}`), 0o600)
		}, "is not a token cache"},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			tt.setup(t, file)
			content, _ := os.ReadFile(file)
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
			if got, _ := os.ReadFile(file); !bytes.Equal(got, content) {
				t.Errorf("got the refused file rewritten, want it left as it was")
			}
		})
	}
}

// TestTokenCacheSize: a cache file is read up to 64 KiB, never whole; a
// larger one is no cache of ours, so it is refused (exit 2) and kept.
func TestTokenCacheSize(t *testing.T) {
	f := newFixture(t)
	file := filepath.Join(t.TempDir(), "token.json")
	args := f.devArgs("-token-cache", file, "/api/private")
	if r := runCmd(t, nil, args...); r.code != 0 {
		t.Fatalf("first run: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
	}
	genuine, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		size       int // the genuine entry padded with spaces to this many bytes
		wantCode   int
		wantTokens int64
		wantNote   string
	}{
		{"exactly 64 KiB", maxCacheBytes, 0, 0, "using the cached token"},
		{"one byte more", maxCacheBytes + 1, 2, 0, "is larger than 65536 bytes, so not a token cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			padded := append(bytes.Clone(genuine), bytes.Repeat([]byte(" "), tt.size-len(genuine))...)
			writeMode(t, file, padded, 0o600)
			before := f.tokenRequests.Load()
			r := runCmd(t, nil, args...)
			if r.code != tt.wantCode {
				t.Errorf("got exit code %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if got := f.tokenRequests.Load() - before; got != tt.wantTokens {
				t.Errorf("got %d token requests, want %d", got, tt.wantTokens)
			}
			if !strings.Contains(r.stderr, tt.wantNote) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.wantNote)
			}
		})
	}
}

// TestTokenCacheUnwritable: a cache whose directory cannot be made is
// refused before any token is bought (every run would buy one and none
// could keep it); a save that fails costs a warning, not the run, and
// leaves no temporary file behind.
func TestTokenCacheUnwritable(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "not-a-directory")
	writeMode(t, notDir, []byte("x"), 0o600)
	// A directory where the file would go, not empty so that no rename can replace it.
	taken := filepath.Join(dir, "taken.json")
	if err := os.MkdirAll(filepath.Join(taken, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}

	t.Run("refused before a token is bought", func(t *testing.T) {
		r := runCmd(t, nil, f.devArgs("-token-cache", filepath.Join(notDir, "token.json"), "/api/private")...)
		if r.code != 2 || r.stdout != "" {
			t.Errorf("got exit code %d and %q, want 2 and nothing\nstderr: %s", r.code, r.stdout, r.stderr)
		}
		if n := f.tokenRequests.Load(); n != 0 {
			t.Errorf("got %d token requests, want none", n)
		}
		if want := "cannot keep the token cache"; !strings.Contains(r.stderr, want) {
			t.Errorf("got stderr %q, want it to contain %q", r.stderr, want)
		}
	})
	t.Run("no temporary file left", func(t *testing.T) {
		o := options{issuer: "https://tenant.example/", audience: "a", clientID: "c"}
		err := newTokenCache(taken, &o).save(&oauth2.Token{AccessToken: "a", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
		if err == nil {
			t.Errorf("got no error saving over a directory, want one")
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(left) > 0 {
			t.Errorf("got temporary files %q left, want none", left)
		}
	})
}
