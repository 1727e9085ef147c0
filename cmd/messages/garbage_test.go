package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// careless is a tenant that answers every request with one fixed response,
// and an API that records the Authorization headers it gets.
type careless struct {
	tenantURL, apiURL string
	tokenRequests     atomic.Int64
	mu                sync.Mutex
	auth              []string
}

func newCareless(t *testing.T, contentType, body string) *careless {
	t.Helper()
	c := &careless{}
	tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			c.tokenRequests.Add(1)
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(tenant.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.auth = append(c.auth, r.Header.Get("Authorization"))
		c.mu.Unlock()
		_, _ = w.Write([]byte("{}\n"))
	}))
	t.Cleanup(api.Close)
	c.tenantURL, c.apiURL = tenant.URL, api.URL
	return c
}

func (c *careless) apiAuth() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.auth...)
}

// TestCarelessTenant: a token response the command cannot use is refused
// with exit 1 and a reason, is never printed, sent or cached, and is not
// fetched again for every call.
func TestCarelessTenant(t *testing.T) {
	const jsonCT = "application/json"
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStderr  string
		secret      string // must appear nowhere in the output
	}{
		{"access token with a terminal escape", jsonCT,
			`{"access_token":"eyJ.x\u001b]0;owned\u0007.y","token_type":"Bearer","expires_in":3600}`,
			"its access_token is not a bearer token (RFC 6750 §2.1", "owned"},
		{"access token with a space", jsonCT,
			`{"access_token":"eyJ.x y.z","token_type":"Bearer","expires_in":3600}`,
			"its access_token is not a bearer token", "eyJ.x y.z"},
		{"access token with a newline", jsonCT,
			`{"access_token":"eyJ.x\nSet-Cookie: a=b","token_type":"Bearer","expires_in":3600}`,
			"its access_token is not a bearer token", "Set-Cookie"},
		{"token_type MAC", jsonCT,
			`{"access_token":"eyJ.secret-mac.z","token_type":"MAC","expires_in":3600}`,
			`its token_type "MAC" is not Bearer`, "secret-mac"},
		{"token_type with a control character", jsonCT,
			`{"access_token":"eyJ.secret-ctl.z","token_type":"Bearer\u001b[2J","expires_in":3600}`,
			`is not Bearer`, "secret-ctl"},
		{"expired on arrival", jsonCT,
			`{"access_token":"eyJ.secret-exp.z","token_type":"Bearer","expires_in":-5}`,
			"it has already expired (expires_in -5", "secret-exp"},
		{"an HTML page", "text/html", `<html><body>Sign in</body></html>`,
			"oauth2: cannot parse json", "Sign in"},
		{"a form without access_token", "application/x-www-form-urlencoded", `token_type=bearer`,
			"missing access_token", "bearer"},
		{"200 with an OAuth error", jsonCT, `{"error":"invalid_client","error_description":"nope"}`,
			"the tenant refused the client credentials", ""},
		{"an OAuth error with a terminal escape", jsonCT, `{"error":"invalid_request\u001b[2J","error_description":"bad\u001b]0;owned\u0007 request"}`,
			"the tenant refused the token request with 200 OK (invalid_request[2J: bad]0;owned request)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCareless(t, tt.contentType, tt.body)
			cache := filepath.Join(t.TempDir(), "token.json")
			r := runCmd(t, nil, "-dev", "-domain", c.tenantURL, "-api", c.apiURL, "-n", "3", "-print-token", "-token-cache", cache, "/api/private")
			if r.code != 1 {
				t.Errorf("got exit code %d, want 1", r.code)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if r.stdout != "" {
				t.Errorf("got stdout %q, want nothing printed", r.stdout)
			}
			if tt.secret != "" && strings.Contains(r.stderr, tt.secret) {
				t.Errorf("got stderr %q, want %q nowhere in it", r.stderr, tt.secret)
			}
			if strings.ContainsAny(r.stderr, "\x1b\x07") {
				t.Errorf("got stderr %q, want no control characters", r.stderr)
			}
			if got := c.apiAuth(); len(got) != 0 {
				t.Errorf("got %d API calls, want none", len(got))
			}
			if n := c.tokenRequests.Load(); n != 1 {
				t.Errorf("got %d token requests, want 1", n)
			}
			if _, err := os.Stat(cache); !os.IsNotExist(err) {
				t.Errorf("got cache file (stat error %v), want none written", err)
			}
		})
	}
}

// TestUsableTokenShapes: every access token RFC 6750 §2.1 allows, and a
// token_type of Bearer in any case or left out (oauth2 then sends Bearer),
// is used; what the tenant says it granted is printed without control
// characters.
func TestUsableTokenShapes(t *testing.T) {
	tests := []struct {
		name, body, wantAuth string
	}{
		{"every b64token character and padding", `{"access_token":"aZ09-._~+/==","token_type":"Bearer","expires_in":3600}`, "Bearer aZ09-._~+/=="},
		{"token_type in lower case", `{"access_token":"eyJ.a.b","token_type":"bearer","expires_in":3600}`, "Bearer eyJ.a.b"},
		{"no token_type", `{"access_token":"eyJ.a.b","expires_in":3600}`, "Bearer eyJ.a.b"},
		{"a scope with a terminal escape", `{"access_token":"eyJ.a.b","token_type":"Bearer","expires_in":3600,"scope":"read:messages\u001b]0;owned\u0007"}`, "Bearer eyJ.a.b"},
		{"a scope of 1000 characters", `{"access_token":"eyJ.a.b","token_type":"Bearer","expires_in":3600,"scope":"` + strings.Repeat("s", 1000) + `"}`, "Bearer eyJ.a.b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCareless(t, "application/json", tt.body)
			r := runCmd(t, nil, "-dev", "-domain", c.tenantURL, "-api", c.apiURL, "-print-token", "/api/private")
			_, tok, _ := strings.Cut(tt.wantAuth, " ")
			if r.code != 0 || !strings.HasPrefix(r.stdout, tok+"\n") {
				t.Errorf("got exit code %d and stdout %q, want 0 and the token first\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if got := c.apiAuth(); len(got) != 1 || got[0] != tt.wantAuth {
				t.Errorf("got Authorization %q, want [%q]", got, tt.wantAuth)
			}
			if strings.ContainsAny(r.stderr, "\x1b\x07") {
				t.Errorf("got stderr %q, want no control characters", r.stderr)
			}
			if strings.Contains(r.stderr, strings.Repeat("s", 301)) {
				t.Errorf("got stderr %q, want what the tenant says cut at 300 characters", r.stderr)
			}
		})
	}
}

// TestTokenWithoutExpiry: a token response without expires_in is used for
// this run, one token for every call, and the run says it is not cached
// rather than fetching a new one silently next time.
func TestTokenWithoutExpiry(t *testing.T) {
	for _, body := range []string{
		`{"access_token":"eyJ.noexp.z","token_type":"Bearer"}`,
		`{"access_token":"eyJ.noexp.z","token_type":"Bearer","expires_in":0}`,
	} {
		t.Run(body, func(t *testing.T) {
			c := newCareless(t, "application/json", body)
			cache := filepath.Join(t.TempDir(), "token.json")
			r := runCmd(t, nil, "-dev", "-domain", c.tenantURL, "-api", c.apiURL, "-n", "3", "-token-cache", cache, "/api/private")
			if r.code != 0 || c.tokenRequests.Load() != 1 || len(c.apiAuth()) != 3 {
				t.Errorf("got exit code %d, %d token requests, %d API calls; want 0, 1, 3\nstderr: %s", r.code, c.tokenRequests.Load(), len(c.apiAuth()), r.stderr)
			}
			if got := strings.Count(r.stderr, "the tenant sent no expires_in"); got != 1 {
				t.Errorf("got stderr %q with %d notes that the token is not cached, want 1 (one token)", r.stderr, got)
			}
			if _, err := os.Stat(cache); !os.IsNotExist(err) {
				t.Errorf("got a cache file (stat error %v), want none: nothing says when the token goes stale", err)
			}
		})
	}
}

// TestOversizedTokenResponse: a token response too large for a cache file
// serves its run and is not cached, with a warning: written, the file would
// stop every later run as not a token cache.
func TestOversizedTokenResponse(t *testing.T) {
	scopes := make([]string, 5000)
	for i := range scopes {
		scopes[i] = fmt.Sprintf("read:item-%d", i)
	}
	for _, tt := range []struct{ name, body string }{
		{"a long scope", `{"access_token":"eyJ.big.z","token_type":"Bearer","expires_in":3600,"scope":"` + strings.Join(scopes, " ") + `"}`},
		{"a long access token", `{"access_token":"eyJ.` + strings.Repeat("A", 70_000) + `.z","token_type":"Bearer","expires_in":3600}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCareless(t, "application/json", tt.body)
			cache := filepath.Join(t.TempDir(), "token.json")
			for run := 1; run <= 2; run++ {
				r := runCmd(t, nil, "-dev", "-domain", c.tenantURL, "-api", c.apiURL, "-token-cache", cache, "/api/private")
				if r.code != 0 || !strings.Contains(r.stderr, "not cached") {
					t.Errorf("run %d: got exit code %d and stderr %q, want 0 and a warning that the token is not cached", run, r.code, r.stderr)
				}
			}
			if got := c.tokenRequests.Load(); got != 2 {
				t.Errorf("got %d token requests, want 2 (one a run)", got)
			}
			if _, err := os.Stat(cache); !os.IsNotExist(err) {
				t.Errorf("got a cache file (stat error %v), want none", err)
			}
		})
	}
}

// TestHandEditedCache: a cache file whose token could not be sent as it is
// is ignored (and a new token fetched), never printed or sent.
func TestHandEditedCache(t *testing.T) {
	f := newFixture(t)
	file := filepath.Join(t.TempDir(), "token.json")
	args := f.devArgs("-token-cache", file, "-print-token", "/api/private")
	if r := runCmd(t, nil, args...); r.code != 0 {
		t.Fatalf("first run: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
	}
	genuine := readEntry(t, file)
	tests := []struct {
		name    string
		edit    func(*cacheEntry)
		planted string
	}{
		{"access token with a terminal escape", func(e *cacheEntry) { e.AccessToken += "\x1b]0;owned\x07" }, "owned"},
		{"access token with a newline", func(e *cacheEntry) { e.AccessToken += "\nX-Evil: 1" }, "X-Evil"},
		{"token_type not Bearer", func(e *cacheEntry) { e.TokenType = "Basic" }, "Basic " + genuine.AccessToken},
		{"token_type with a newline", func(e *cacheEntry) { e.TokenType = "Bearer\nX-Evil: 1" }, "\nX-Evil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := genuine
			tt.edit(&e)
			data, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			writeMode(t, file, data, 0o600)
			before := f.tokenRequests.Load()
			r := runCmd(t, nil, args...)
			if r.code != 0 {
				t.Errorf("got exit code %d, want 0 with a new token\nstderr: %s", r.code, r.stderr)
			}
			if want := "ignoring the token cache"; !strings.Contains(r.stderr, want) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, want)
			}
			if got := f.tokenRequests.Load() - before; got != 1 {
				t.Errorf("got %d token requests, want 1", got)
			}
			if strings.Contains(r.stdout+r.stderr, tt.planted) || bytes.ContainsAny([]byte(r.stdout+r.stderr), "\x1b\x07") {
				t.Errorf("got output %q, want the planted value nowhere in it", r.stdout+r.stderr)
			}
			if got := readEntry(t, file); got.AccessToken == e.AccessToken && got.TokenType == e.TokenType {
				t.Errorf("got the edited entry kept, want it replaced by the new token")
			}
		})
	}
}

// TestCarelessTenantLogin: -login's tokens, from a refresh or a login, pass
// the same checks.
func TestCarelessTenantLogin(t *testing.T) {
	c := newCareless(t, "application/json", `{"access_token":"eyJ.x\u001b]0;owned\u0007.y","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}`)
	file := filepath.Join(t.TempDir(), "login.json")
	args := []string{"-dev", "-login", "-domain", c.tenantURL, "-api", c.apiURL, "-token-cache", file, "-print-token", "/api/private"}
	o, err := parseOptions(args, func(string) string { return "" }, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	// An expired cached token with its refresh token: the run renews it.
	e := newTokenCache(file, &o).key
	e.AccessToken, e.TokenType, e.Expiry, e.RefreshToken = "eyJ.old.z", "Bearer", time.Now().Add(-time.Hour).UTC(), "rt-1"
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	writeMode(t, file, data, 0o600)
	r := runCmd(t, nil, args...)
	if r.code != 1 || r.stdout != "" || strings.Contains(r.stderr, "owned") {
		t.Errorf("got exit code %d, stdout %q, stderr %q; want 1, nothing printed and the token nowhere", r.code, r.stdout, r.stderr)
	}
	if want := "its access_token is not a bearer token"; !strings.Contains(r.stderr, want) {
		t.Errorf("got stderr %q, want it to contain %q", r.stderr, want)
	}
	if got := readEntry(t, file); got.AccessToken != e.AccessToken || got.RefreshToken != e.RefreshToken {
		t.Errorf("got the cache file rewritten, want it kept")
	}
}

// TestHangingTenant: a tenant that accepts the connection and never
// answers costs -timeout, then exit 1 with the reason, for both grants.
func TestHangingTenant(t *testing.T) {
	stop := make(chan struct{})
	tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-stop }))
	t.Cleanup(tenant.Close)
	t.Cleanup(func() { close(stop) }) // runs first: the handlers return, then Close
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"client credentials", nil, "cannot get a token from " + tenant.URL + "/oauth/token"},
		{"-login", []string{"-login", "-no-browser"}, "cannot log in: the tenant at " + tenant.URL + "/ does not answer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-dev", "-domain", tenant.URL, "-api", "http://" + closedAddr(t), "-timeout", "200ms", "-print-token"}, tt.args...)
			r := runCmd(t, nil, append(args, "/api/private")...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("got exit code %d and stdout %q, want 1 and nothing", r.code, r.stdout)
			}
			for _, want := range []string{tt.want, "Client.Timeout exceeded"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("got stderr %q, want it to contain %q", r.stderr, want)
				}
			}
		})
	}
}

// TestUnansweringAPI: a call that gets no HTTP answer (refused, or no
// answer within -timeout) ends the run: the next calls would wait the same
// way, -n times over.
func TestUnansweringAPI(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int64
	stop := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		<-stop
	}))
	t.Cleanup(hanging.Close)
	t.Cleanup(func() { close(stop) })
	closed := "http://" + closedAddr(t)
	tests := []struct {
		name string
		api  string
		want []string
	}{
		{"hanging", hanging.URL, []string{"Client.Timeout exceeded"}},
		{"refusing", closed, []string{"connection refused", "messages: is the API running at " + closed + "?"}},
	}
	// The token comes from a cache filled beforehand with the default
	// timeout: the short -timeout below is meant for the API call, and a
	// loaded machine can take longer than that to have the tenant sign one.
	cache := filepath.Join(t.TempDir(), "token.json")
	if r := runCmd(t, nil, "-dev", "-domain", f.tenantURL, "-token-cache", cache, "-print-token"); r.code != 0 {
		t.Fatalf("filling the token cache: got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			r := runCmd(t, nil, "-dev", "-domain", f.tenantURL, "-token-cache", cache, "-api", tt.api, "-timeout", "300ms", "-n", "50", "/api/private")
			if r.code != 1 {
				t.Errorf("got exit code %d, want 1", r.code)
			}
			if got := strings.Count(r.stderr, "messages: GET "); got != 1 {
				t.Errorf("got %d failed calls reported, want 1 (the run stops)\nstderr: %s", got, r.stderr)
			}
			for _, want := range append(tt.want, "stopping: the other 49 call(s) are not made") {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("got stderr %q, want it to contain %q", r.stderr, want)
				}
			}
			// At most: the one call may time out before its request reaches
			// the handler; the single "GET" line above says it was made.
			if got := calls.Load(); tt.api == hanging.URL && got > 1 {
				t.Errorf("got %d calls to the hanging API, want at most 1", got)
			}
		})
	}
}
