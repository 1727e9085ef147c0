package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
)

// fixture is a dev tenant (behind a server that counts token requests) and
// the real API handler with the real auth0 verifier pointed at the tenant,
// all on 127.0.0.1 and all stopped when the test ends.
type fixture struct {
	tenantURL string // the counting front of the tenant: what the command uses as its domain
	apiURL    string
	audience  string

	tokenRequests atomic.Int64 // POST /oauth/token seen by the tenant

	mu       sync.Mutex
	apiCalls int
	tokens   []string // distinct bearer tokens the API saw, in order
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith is newFixture with the tenant's config changed by mutate.
func newFixtureWith(t *testing.T, mutate func(*devtenant.Config)) *fixture {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	cfg, err := config.Load(true, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	dt := cfg.DevTenant // the clients of configs/dev.yaml
	dt.Addr = "127.0.0.1:0"
	dt.KeyFile = filepath.Join(t.TempDir(), "key.pem") // never the user's cache
	if mutate != nil {
		mutate(&dt)
	}
	tenant, err := devtenant.New(dt, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := tenant.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tenant.Stop(ctx); err != nil {
			t.Errorf("stop tenant: %v", err)
		}
	})

	f := &fixture{audience: dt.Audience}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/oauth/token" {
			f.tokenRequests.Add(1)
		}
		tenant.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	f.tenantURL = front.URL

	tn, err := auth0.NewTenant(tenant.Issuer(), true, 0)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth0.NewKeySource(tn, auth0.KeySourceConfig{}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	keys.Start()
	t.Cleanup(keys.Stop)
	verifier, err := auth0.New(tn, auth0.Config{Audiences: []string{dt.Audience}}, keys)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, verifier, log)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.apiCalls++
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && !slices.Contains(f.tokens, tok) {
			f.tokens = append(f.tokens, tok)
		}
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	f.apiURL = api.URL
	return f
}

// devArgs are the flags that point -dev at this fixture.
func (f *fixture) devArgs(extra ...string) []string {
	return append([]string{"-dev", "-domain", f.tenantURL, "-api", f.apiURL}, extra...)
}

func (f *fixture) seen() (calls int, tokens []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.apiCalls, append([]string(nil), f.tokens...)
}

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, func(k string) string { return env[k] }, &stdout, &stderr, nil)
	return result{code, stdout.String(), stderr.String()}
}

// statusLines returns the HTTP status lines the command printed.
func statusLines(stdout string) []string {
	var out []string
	for line := range strings.SplitSeq(stdout, "\n") {
		if strings.HasPrefix(line, "HTTP/") {
			out = append(out, line)
		}
	}
	return out
}

func TestRepeatedCallsReuseOneToken(t *testing.T) {
	tests := []struct {
		n          string
		ttl        time.Duration // the tenant's token lifetime; 0 = its default
		wantCalls  int
		wantTokens int64
	}{
		{"1", 0, 1, 1},
		{"5", 0, 5, 1},
		// Shorter than twice the early renewal: still reused, for half its life.
		{"5", 30 * time.Second, 5, 1},
		{"5", 2 * earlyExpiry, 5, 1},
	}
	for _, tt := range tests {
		t.Run("n="+tt.n+"/ttl="+tt.ttl.String(), func(t *testing.T) {
			f := newFixtureWith(t, func(c *devtenant.Config) {
				if tt.ttl != 0 {
					c.TokenTTL = tt.ttl
				}
			})
			r := runCmd(t, nil, f.devArgs("-n", tt.n, "/api/private-scoped")...)
			if r.code != 0 {
				t.Fatalf("got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			if got := f.tokenRequests.Load(); got != tt.wantTokens {
				t.Errorf("got %d token requests, want %d", got, tt.wantTokens)
			}
			calls, tokens := f.seen()
			if calls != tt.wantCalls || len(tokens) != 1 {
				t.Errorf("got %d API calls with %d distinct tokens, want %d with 1", calls, len(tokens), tt.wantCalls)
			}
			lines := statusLines(r.stdout)
			if len(lines) != tt.wantCalls {
				t.Errorf("got %d status lines, want %d\nstdout: %s", len(lines), tt.wantCalls, r.stdout)
			}
			for _, l := range lines {
				if l != "HTTP/1.1 200 OK" {
					t.Errorf("got status line %q, want %q", l, "HTTP/1.1 200 OK")
				}
			}
			if want := "have a scope of read:messages"; !strings.Contains(r.stdout, want) {
				t.Errorf("got stdout %q, want it to contain %q", r.stdout, want)
			}
			if got := strings.Count(r.stderr, "got a new access token"); got != 1 {
				t.Errorf("got %d 'new access token' notes, want 1\nstderr: %s", got, r.stderr)
			}
			out := r.stdout + r.stderr
			for _, secret := range append(tokens, "dev-reader-secret") {
				if strings.Contains(out, secret) {
					t.Errorf("got the token or secret %.20q... in the output, want it never printed", secret)
				}
			}
		})
	}
}

func TestScopes(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		args       []string
		wantStatus string
		wantCode   int
	}{
		{"reader reads the scoped message", []string{"/api/private-scoped"}, "HTTP/1.1 200 OK", 0},
		{"reader asking for the scope", []string{"-scope", "read:messages", "/api/private-scoped"}, "HTTP/1.1 200 OK", 0},
		{"nobody reads the private message", []string{"-client-id", "dev-nobody", "/api/private"}, "HTTP/1.1 200 OK", 0},
		{"nobody lacks the scope", []string{"-client-id", "dev-nobody", "/api/private-scoped"}, "HTTP/1.1 403 Forbidden", 1},
		{"unknown path", []string{"api/nothing"}, "HTTP/1.1 404 Not Found", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, nil, f.devArgs(tt.args...)...)
			if r.code != tt.wantCode {
				t.Errorf("got exit code %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if lines := statusLines(r.stdout); len(lines) != 1 || lines[0] != tt.wantStatus {
				t.Errorf("got status lines %q, want [%q]", lines, tt.wantStatus)
			}
		})
	}
	t.Run("403 shows the challenge", func(t *testing.T) {
		r := runCmd(t, nil, f.devArgs("-client-id", "dev-nobody", "/api/private-scoped")...)
		if want := `error="insufficient_scope"`; !strings.Contains(r.stdout, want) {
			t.Errorf("got stdout %q, want it to contain %q", r.stdout, want)
		}
	})
}

func TestTokenErrors(t *testing.T) {
	f := newFixture(t)
	closed := closedAddr(t)
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		want   []string
		secret string
	}{
		{
			name: "wrong secret",
			env: map[string]string{"AUTH0_DOMAIN": f.tenantURL, "AUTH0_AUDIENCE": f.audience,
				"AUTH0_CLIENT_ID": "dev-reader", "AUTH0_CLIENT_SECRET": "not-the-secret"},
			args:   []string{"-api", f.apiURL, "/api/private"},
			want:   []string{"access_denied: Unauthorized", `the client id "dev-reader" or its client secret is wrong`},
			secret: "not-the-secret",
		},
		{
			name:   "unknown audience",
			args:   f.devArgs("-audience", "https://unknown.example", "/api/private"),
			want:   []string{`the audience "https://unknown.example" is not an API of the tenant`, "Service not enabled within domain"},
			secret: "dev-reader-secret",
		},
		{
			name:   "scope not granted",
			args:   f.devArgs("-client-id", "dev-nobody", "-scope", "read:messages", "/api/private-scoped"),
			want:   []string{`the client "dev-nobody" has not been granted the scope(s) read:messages`, "Client has not been granted scopes"},
			secret: "dev-nobody-secret",
		},
		{
			name:   "tenant unreachable",
			args:   []string{"-dev", "-domain", "http://" + closed, "-api", f.apiURL, "/api/private"},
			want:   []string{"cannot get a token from http://" + closed + "/oauth/token", "connection refused"},
			secret: "dev-reader-secret",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, tt.args...)
			if r.code != 1 {
				t.Errorf("got exit code %d, want 1", r.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("got stderr %q, want it to contain %q", r.stderr, w)
				}
			}
			if strings.Contains(r.stdout+r.stderr, tt.secret) {
				t.Errorf("got the client secret in the output, want it never printed")
			}
		})
	}
	if calls, _ := f.seen(); calls != 0 {
		t.Errorf("got %d API calls, want 0 when no token was issued", calls)
	}
}

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

func readEntry(t *testing.T, file string) cacheEntry {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("cache file %s: %v", file, err)
	}
	return e
}

func checkMode(t *testing.T, file string) {
	t.Helper()
	fi, err := os.Lstat(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode(); got != 0o600 {
		t.Errorf("got cache file mode %v, want %v", got, os.FileMode(0o600))
	}
	// No temporary file is left behind next to it.
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*.tmp-*"))
	if len(left) > 0 {
		t.Errorf("got temporary files %q left, want none", left)
	}
}

func writeMode(t *testing.T, file string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(file, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func TestPrintToken(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		args      []string
		wantCalls int
	}{
		{"token only", []string{"-print-token"}, 0},
		{"token and call", []string{"-print-token", "/api/private"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			callsBefore, _ := f.seen()
			r := runCmd(t, nil, f.devArgs(tt.args...)...)
			if r.code != 0 {
				t.Fatalf("got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			first, _, _ := strings.Cut(r.stdout, "\n")
			if parts := strings.Split(first, "."); len(parts) != 3 || len(first) < 100 {
				t.Errorf("got first stdout line %q, want a compact JWS", first)
			}
			calls, tokens := f.seen()
			if got := calls - callsBefore; got != tt.wantCalls {
				t.Errorf("got %d API calls, want %d", got, tt.wantCalls)
			}
			if tt.wantCalls > 0 && tokens[len(tokens)-1] != first {
				t.Errorf("got a printed token that differs from the one sent, want the same")
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	full := map[string]string{
		"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://messages-api.example.com",
		"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": "s3cret-value",
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no PATH", full, nil, "PATH is missing"},
		{"two PATHs", full, []string{"/a", "/b"}, "want one PATH, got 2"},
		{"nothing set", nil, []string{"/api/private"}, "set AUTH0_DOMAIN"},
		{"no audience", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com"}, []string{"/api/private"}, "set AUTH0_AUDIENCE"},
		{"no secret", map[string]string{"AUTH0_DOMAIN": "x.auth0.com", "AUTH0_AUDIENCE": "a", "AUTH0_CLIENT_ID": "c"}, []string{"/api/private"}, "set AUTH0_CLIENT_SECRET"},
		{"http tenant not on loopback", full, []string{"-domain", "http://example.eu.auth0.com", "/api/private"}, "must use https"},
		{"tenant with a path", full, []string{"-domain", "example.eu.auth0.com/oauth", "/api/private"}, "is not a tenant domain"},
		{"http API not on loopback", full, []string{"-api", "http://api.example.com", "/api/private"}, "would travel unencrypted"},
		{"API with a query", full, []string{"-api", "https://api.example.com/?x=1", "/api/private"}, "must not have user info, a query or a fragment"},
		{"URL as PATH", full, []string{"https://evil.example/api/private"}, "not a URL"},
		{"scheme-relative PATH", full, []string{"//evil.example/api/private"}, "not a URL"},
		{"zero calls", full, []string{"-n", "0", "/api/private"}, "-n 0: want 1 to 1000 calls"},
		{"too many calls", full, []string{"-n", "1001", "/api/private"}, "-n 1001"},
		{"zero timeout", full, []string{"-timeout", "0s", "/api/private"}, "-timeout 0s must be positive"},
		{"unknown flag", full, []string{"-prod", "/api/private"}, "flag provided but not defined: -prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, tt.args...)
			if r.code != 2 {
				t.Errorf("got exit code %d, want 2", r.code)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.want)
			}
			if strings.Contains(r.stdout+r.stderr, "s3cret-value") {
				t.Errorf("got the client secret in the output, want it never printed")
			}
		})
	}
	t.Run("-h", func(t *testing.T) {
		r := runCmd(t, nil, "-h")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: messages") {
			t.Errorf("got exit code %d and stdout %.40q, want 0 and the usage", r.code, r.stdout)
		}
	})
}

func TestOptions(t *testing.T) {
	env := map[string]string{
		"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://env.example",
		"AUTH0_CLIENT_ID": "env-client", "AUTH0_CLIENT_SECRET": "env-secret", "API_URL": "https://api.example.com/",
	}
	tests := []struct {
		name         string
		args         []string
		env          map[string]string
		wantTokenURL string
		wantAudience string
		wantClient   string
		wantSecret   string
		wantTarget   string
		wantCalls    int
	}{
		{"environment", []string{"/api/private"}, env,
			"https://example.eu.auth0.com/oauth/token", "https://env.example", "env-client", "env-secret", "https://api.example.com/api/private", 1},
		{"domain with scheme, slash and capitals", []string{"-domain", "HTTPS://Example.EU.auth0.com/", "api/public"}, env,
			"https://example.eu.auth0.com/oauth/token", "https://env.example", "env-client", "env-secret", "https://api.example.com/api/public", 1},
		{"flags win over the environment", []string{"-api", "https://other.example/base/", "-audience", "a", "-client-id", "c", "/x?y=1"}, env,
			"https://example.eu.auth0.com/oauth/token", "a", "c", "env-secret", "https://other.example/base/x?y=1", 1},
		{"-dev wins over the environment", []string{"-dev", "/api/private"}, env,
			"http://127.0.0.1:3011/oauth/token", "https://messages-api.dev", "dev-reader", "dev-reader-secret", "https://api.example.com/api/private", 1},
		{"-dev knows the dev clients' secrets", []string{"-dev", "-client-id", "dev-nobody", "/api/private"}, nil,
			"http://127.0.0.1:3011/oauth/token", "https://messages-api.dev", "dev-nobody", "dev-nobody-secret", "http://127.0.0.1:3010/api/private", 1},
		{"flags win over -dev", []string{"-dev", "-domain", "localhost:1234", "/api/private", "-n", "3"}, nil,
			"https://localhost:1234/oauth/token", "https://messages-api.dev", "dev-reader", "dev-reader-secret", "http://127.0.0.1:3010/api/private", 3},
		{"http loopback tenant", []string{"-domain", "http://[::1]:3011/", "/p"}, env,
			"http://[::1]:3011/oauth/token", "https://env.example", "env-client", "env-secret", "https://api.example.com/p", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warn bytes.Buffer
			o, err := parseOptions(tt.args, func(k string) string { return tt.env[k] }, &warn)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			got := []any{o.tokenURL, o.audience, o.clientID, o.clientSecret, o.api.String() + o.path, o.calls}
			want := []any{tt.wantTokenURL, tt.wantAudience, tt.wantClient, tt.wantSecret, tt.wantTarget, tt.wantCalls}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("got %v, want %v", got, want)
					break
				}
			}
		})
	}
	t.Run("secret flag warns", func(t *testing.T) {
		var warn bytes.Buffer
		if _, err := parseOptions([]string{"-client-secret", "flag-secret", "/p"}, func(k string) string { return env[k] }, &warn); err != nil {
			t.Fatal(err)
		}
		if want := "prefer AUTH0_CLIENT_SECRET"; !strings.Contains(warn.String(), want) || strings.Contains(warn.String(), "flag-secret") {
			t.Errorf("got warning %q, want it to contain %q and not the secret", warn.String(), want)
		}
	})
}
