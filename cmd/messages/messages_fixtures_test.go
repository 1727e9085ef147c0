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

	tokenRequests atomic.Int64           // POST /oauth/token seen by the tenant
	onToken       atomic.Pointer[func()] // when set, runs before the tenant answers a token request

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
			if hook := f.onToken.Load(); hook != nil {
				(*hook)()
			}
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
