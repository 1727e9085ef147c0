package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// authServer is an authorization server for -login's tests: it hands out
// codes for the requests its approve method sees, checks PKCE, the
// redirect URI and the client at the token endpoint, and rotates refresh
// tokens. All on 127.0.0.1, closed when the test ends.
type authServer struct {
	url string

	mu           sync.Mutex
	codes        map[string]authRequest // issued, not yet redeemed
	refresh      string                 // the one live refresh token
	failExchange bool                   // answer every code with invalid_grant
	fixedAccess  string                 // when set, every access token issued is this one
	exchanges    int
	refreshes    int
	issued       int
}

type authRequest struct {
	clientID, redirectURI, challenge string
}

func newAuthServer(t *testing.T) *authServer {
	t.Helper()
	as := &authServer{codes: map[string]authRequest{}}
	srv := httptest.NewServer(http.HandlerFunc(as.token))
	t.Cleanup(srv.Close)
	as.url = srv.URL
	return as
}

func (as *authServer) token(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/oauth/token" || r.Method != http.MethodPost || r.ParseForm() != nil {
		http.NotFound(w, r)
		return
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	refuse := func(desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": desc})
	}
	if r.PostForm.Has("client_secret") {
		refuse("a public client sent a secret")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		as.exchanges++
		req, ok := as.codes[r.PostForm.Get("code")]
		delete(as.codes, r.PostForm.Get("code")) // single use
		switch {
		case as.failExchange:
			refuse("Invalid authorization code")
			return
		case !ok:
			refuse("unknown code")
			return
		case oauth2.S256ChallengeFromVerifier(r.PostForm.Get("code_verifier")) != req.challenge:
			refuse("Failed to verify code verifier")
			return
		case r.PostForm.Get("redirect_uri") != req.redirectURI:
			refuse("redirect_uri mismatch")
			return
		case r.PostForm.Get("client_id") != req.clientID:
			refuse("client mismatch")
			return
		}
	case "refresh_token":
		as.refreshes++
		if rt := r.PostForm.Get("refresh_token"); rt == "" || rt != as.refresh {
			refuse("Unknown or invalid refresh token.")
			return
		}
	default:
		refuse("unexpected grant")
		return
	}
	as.issued++
	as.refresh = fmt.Sprintf("rt-%d", as.issued) // rotation: the old one is spent
	access := cmp.Or(as.fixedAccess, fmt.Sprintf("at-%d", as.issued))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": 3600,
		"refresh_token": as.refresh, "scope": "read:messages offline_access",
	})
}

var loopbackRedirect = regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*/callback$`)

// approve checks the /authorize URL the command built and registers a
// code for it, as a tenant does once the user has logged in.
func (as *authServer) approve(t *testing.T, authURL string) (code string, q url.Values) {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("got an unparsable login URL %q", authURL)
	}
	q = u.Query()
	if got, want := u.Scheme+"://"+u.Host+u.Path, as.url+"/authorize"; got != want {
		t.Errorf("got authorize endpoint %s, want %s", got, want)
	}
	for param, want := range map[string]string{
		"response_type": "code", "client_id": "native-app", "code_challenge_method": "S256",
		"audience": "https://messages-api.test", "scope": "read:messages offline_access",
	} {
		if got := q.Get(param); got != want {
			t.Errorf("got %s=%q, want %q", param, got, want)
		}
	}
	if got := q.Get("redirect_uri"); !loopbackRedirect.MatchString(got) {
		t.Errorf("got redirect_uri %q, want http://127.0.0.1:PORT/callback (RFC 8252 §7.3)", got)
	}
	if got := q.Get("code_challenge"); len(got) != 43 {
		t.Errorf("got code_challenge %q, want a base64url SHA-256 (43 characters)", got)
	}
	if len(q.Get("state")) < 32 {
		t.Errorf("got state %q, want at least 32 random characters", q.Get("state"))
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	code = fmt.Sprintf("code-%d", len(as.codes)+as.exchanges)
	as.codes[code] = authRequest{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge")}
	return code, q
}

func (as *authServer) counts() (exchanges, refreshes int) {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.exchanges, as.refreshes
}

// redirectingBrowser plays the user's browser: it takes the login URL,
// has the tenant approve it, then follows the redirect back to the
// command with the parameters back(code, state) chooses.
type redirectingBrowser struct {
	t            *testing.T
	as           *authServer
	back         func(code, state string) url.Values
	forged       url.Values // when set, sent before back: a redirect from someone else
	opened       int
	status       int // of the command's landing page
	forgedStatus int
}

func (b *redirectingBrowser) Open(ctx context.Context, authURL string) error {
	b.opened++
	code, q := b.as.approve(b.t, authURL)
	if b.forged != nil {
		status, err := visit(ctx, q.Get("redirect_uri")+"?"+b.forged.Encode())
		if err != nil {
			return err
		}
		b.forgedStatus = status
	}
	status, err := visit(ctx, q.Get("redirect_uri")+"?"+b.back(code, q.Get("state")).Encode())
	b.status = status
	return err
}

func visit(ctx context.Context, u string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// unusedBrowser fails the test when a login is started.
type unusedBrowser struct{ t *testing.T }

func (b unusedBrowser) Open(context.Context, string) error {
	b.t.Error("got a browser login, want none")
	return fmt.Errorf("no browser here")
}

func loginArgs(as *authServer, extra ...string) []string {
	return append([]string{"-login", "-domain", as.url, "-audience", "https://messages-api.test", "-client-id", "native-app", "-print-token"}, extra...)
}

func runWith(t *testing.T, b browser, args ...string) result {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(t.Context(), args, func(string) string { return "" }, &stdout, &stderr, b)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestLoginRedirect(t *testing.T) {
	approved := func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }
	tests := []struct {
		name          string
		back          func(code, state string) url.Values
		failExchange  bool
		wantCode      int
		wantStdout    string
		wantStderr    string
		wantExchanges int
		wantLanding   int
	}{
		{"approved", approved, false, 0, "at-1\n", "logged in as client \"native-app\"", 1, 200},
		{"error redirect", func(_, state string) url.Values {
			return url.Values{"error": {"invalid_scope"}, "error_description": {"Unknown scope"}, "state": {state}}
		}, false, 1, "", "the tenant refused the login (invalid_scope: Unknown scope)", 0, 400},
		{"denied", func(_, state string) url.Values {
			return url.Values{"error": {"access_denied"}, "error_description": {"Wrong email or password."}, "state": {state}}
		}, false, 1, "", "the login was denied (access_denied: Wrong email or password.)", 0, 400},
		{"neither code nor error", func(_, state string) url.Values { return url.Values{"state": {state}} },
			false, 1, "", "neither a code nor an error", 0, 400},
		{"another issuer (RFC 9207)", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state}, "iss": {"https://attacker.example/"}}
		}, false, 1, "", `came from issuer "https://attacker.example/"`, 0, 400},
		{"code exchange failure", approved, true, 1, "", "refused the authorization code or refresh token (invalid_grant: Invalid authorization code)", 1, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			as.failExchange = tt.failExchange
			b := &redirectingBrowser{t: t, as: as, back: tt.back}
			r := runWith(t, b, loginArgs(as)...)
			if r.code != tt.wantCode {
				t.Errorf("got exit code %d, want %d (stderr %s)", r.code, tt.wantCode, r.stderr)
			}
			if r.stdout != tt.wantStdout {
				t.Errorf("got stdout %q, want %q", r.stdout, tt.wantStdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if exchanges, _ := as.counts(); exchanges != tt.wantExchanges {
				t.Errorf("got %d code exchanges, want %d", exchanges, tt.wantExchanges)
			}
			if b.opened != 1 || b.status != tt.wantLanding {
				t.Errorf("got %d browser opens and landing status %d, want 1 and %d", b.opened, b.status, tt.wantLanding)
			}
		})
	}
}

// A redirect without this login's state, from any page or process that
// found the port, is refused and ignored: the login waits for its own
// (RFC 6749 §10.12), so such a redirect cannot end it.
func TestLoginIgnoresForeignRedirects(t *testing.T) {
	for _, tt := range []struct {
		name   string
		forged url.Values
	}{
		{"state mismatch", url.Values{"code": {"forged-code"}, "state": {"forged"}}},
		{"state missing", url.Values{"code": {"forged-code"}}},
		{"empty state", url.Values{"code": {"forged-code"}, "state": {""}}},
		{"error with a forged state", url.Values{"error": {"access_denied"}, "state": {"forged"}}},
		{"error without state", url.Values{"error": {"access_denied"}}},
		{"nothing", url.Values{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			b := &redirectingBrowser{t: t, as: as, forged: tt.forged, back: func(code, state string) url.Values {
				return url.Values{"code": {code}, "state": {state}}
			}}
			r := runWith(t, b, loginArgs(as)...)
			if r.code != 0 || r.stdout != "at-1\n" {
				t.Errorf("got exit code %d and stdout %q, want 0 and at-1 (stderr %s)", r.code, r.stdout, r.stderr)
			}
			if b.forgedStatus != http.StatusBadRequest || b.status != http.StatusOK {
				t.Errorf("got landing status %d for the forged redirect and %d for the real one, want 400 and 200", b.forgedStatus, b.status)
			}
			if exchanges, _ := as.counts(); exchanges != 1 {
				t.Errorf("got %d code exchanges, want 1 (the real code only)", exchanges)
			}
		})
	}
}

// A second redirect to the same listener (a reload, or a page racing the
// real one) never changes the outcome of the first.
func TestLoginCallbackOnce(t *testing.T) {
	cb := &callback{state: "s", issuer: "https://tenant.example/", done: make(chan callbackResult, 1)}
	for i, want := range []int{http.StatusOK, http.StatusBadRequest} {
		w := httptest.NewRecorder()
		cb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/callback?code=c&state=s", nil))
		if w.Code != want {
			t.Errorf("redirect %d: got status %d, want %d", i+1, w.Code, want)
		}
		if got := w.Header().Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("redirect %d: got Referrer-Policy %q, want no-referrer (the URL holds the code)", i+1, got)
		}
	}
	if res := <-cb.done; res.code != "c" || res.err != nil {
		t.Errorf("got result %+v, want code c", res)
	}
	w := httptest.NewRecorder()
	cb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/favicon.ico", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("got status %d for another path, want 404", w.Code)
	}
}

// The cached login: reused while valid, renewed with its (rotated) refresh
// token once expired, and a login again when the tenant refuses that.
func TestLoginCache(t *testing.T) {
	approved := func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }
	tests := []struct {
		name           string
		expiry         time.Duration // of the cached access token, from now
		refresh        string        // the cached refresh token
		live           string        // the tenant's live refresh token
		fixedAccess    string        // the tenant reissues this access token
		wantLogin      bool
		wantRefreshes  int
		wantToken      string
		wantNewRefresh string
		wantStderr     string
	}{
		{"valid token reused", time.Hour, "rt-cached", "rt-cached", "", false, 0, "at-cached", "rt-cached", "using the cached token"},
		{"expired token renewed with the refresh token", -time.Minute, "rt-cached", "rt-cached", "", false, 1, "at-1", "rt-1", "renewed the access token with the refresh token"},
		{"about to expire renewed too", 30 * time.Second, "rt-cached", "rt-cached", "", false, 1, "at-1", "rt-1", "renewing it with its refresh token"},
		// A JWT reissued within the same second can be byte-identical;
		// the rotated refresh token must still be saved.
		{"same access token reissued: rotated refresh token saved", -time.Minute, "rt-cached", "rt-cached", "at-cached", false, 1, "at-cached", "rt-1", "renewed the access token"},
		{"refresh token refused: log in again", -time.Minute, "rt-spent", "rt-other", "", true, 1, "at-1", "rt-1", "the tenant refused the refresh token (Unknown or invalid refresh token.); logging in again"},
		{"no refresh token: log in again", -time.Minute, "", "", "", true, 0, "at-1", "rt-1", "has expired or is about to; getting a new one"},
		// A hand-edited file without an expiry: renewed as it says, not
		// reused (oauth2 takes a token without an expiry for ever valid).
		{"no expiry renewed with the refresh token", 0, "rt-cached", "rt-cached", "", false, 1, "at-1", "rt-1", "renewing it with its refresh token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			as.refresh, as.fixedAccess = tt.live, tt.fixedAccess
			file := filepath.Join(t.TempDir(), "login.json")
			o := options{login: true, issuer: as.url + "/", audience: "https://messages-api.test", clientID: "native-app", scopes: loginScopes("")}
			seed := newTokenCache(file, &o)
			// A token without an expiry is never saved: it is written with one, removed below.
			if err := seed.save(&oauth2.Token{AccessToken: "at-cached", TokenType: "Bearer", Expiry: time.Now().Add(cmp.Or(tt.expiry, time.Hour)), RefreshToken: tt.refresh}); err != nil {
				t.Fatal(err)
			}
			// The cached token was a long-lived one, now near its end: save
			// alone would take a 30 s token for a short-lived one, reused for half its life.
			e := readEntry(t, file)
			e.RenewAt = e.Expiry.Add(-earlyExpiry)
			if tt.expiry == 0 {
				e.Expiry, e.RenewAt = time.Time{}, time.Time{}
			}
			seeded, _ := json.Marshal(e)
			writeMode(t, file, seeded, 0o600)

			var b browser = unusedBrowser{t}
			rb := &redirectingBrowser{t: t, as: as, back: approved}
			if tt.wantLogin {
				b = rb
			}
			r := runWith(t, b, loginArgs(as, "-token-cache", file)...)
			if r.code != 0 || r.stdout != tt.wantToken+"\n" {
				t.Errorf("got exit code %d and stdout %q, want 0 and %q (stderr %s)", r.code, r.stdout, tt.wantToken+"\n", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if _, refreshes := as.counts(); refreshes != tt.wantRefreshes {
				t.Errorf("got %d refresh requests, want %d", refreshes, tt.wantRefreshes)
			}
			if tt.wantLogin && rb.opened != 1 {
				t.Errorf("got %d logins, want 1", rb.opened)
			}
			e = readEntry(t, file)
			checkMode(t, file)
			if e.AccessToken != tt.wantToken || e.RefreshToken != tt.wantNewRefresh || e.Grant != grantLogin {
				t.Errorf("got cache {%s %s %s}, want {%s %s %s}", e.AccessToken, e.RefreshToken, e.Grant, tt.wantToken, tt.wantNewRefresh, grantLogin)
			}
		})
	}
}

// A client-credentials cache is never taken for a login's, nor the reverse.
func TestLoginCacheKeptApart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token.json")
	o := options{issuer: "https://tenant.example/", audience: "a", clientID: "c"}
	if err := newTokenCache(file, &o).save(&oauth2.Token{AccessToken: "m2m", Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	o.login = true
	var log strings.Builder
	if got, _, err := newTokenCache(file, &o).load(&log); got != nil || err != nil {
		t.Errorf("got token %v and error %v for -login from a client-credentials cache, want none", got, err)
	}
	if !strings.Contains(log.String(), "another tenant, audience, client or scope") {
		t.Errorf("got note %q, want one saying the cache is for another client", log.String())
	}
}

// urlWatcher is the user of -no-browser: it reads the printed login URL
// from stderr and visits it.
type urlWatcher struct {
	strings.Builder
	visit func(string)
	seen  bool
}

var printedURL = regexp.MustCompile(`(?m)^  (http://\S+/authorize\?\S+)$`)

func (w *urlWatcher) Write(p []byte) (int, error) {
	n, err := w.Builder.Write(p)
	if m := printedURL.FindStringSubmatch(w.String()); m != nil && !w.seen {
		w.seen = true
		w.visit(m[1])
	}
	return n, err
}

func TestLoginNoBrowser(t *testing.T) {
	as := newAuthServer(t)
	b := &redirectingBrowser{t: t, as: as, back: func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }}
	stderr := &urlWatcher{visit: func(u string) {
		if err := b.Open(t.Context(), u); err != nil {
			t.Error(err)
		}
	}}
	var stdout strings.Builder
	code := run(t.Context(), loginArgs(as, "-no-browser"), func(string) string { return "" }, &stdout, stderr, unusedBrowser{t})
	if code != 0 || stdout.String() != "at-1\n" {
		t.Errorf("got exit code %d and stdout %q, want 0 and at-1 (stderr %s)", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "open this URL in a browser") {
		t.Errorf("got stderr %q, want the URL to open", stderr.String())
	}
}

func TestLoginOptions(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantErr    string
		wantClient string
		wantScopes string
	}{
		{"dev defaults", []string{"-dev", "-login", "-print-token"}, "", "dev-cli", "read:messages offline_access"},
		{"given scopes", []string{"-dev", "-login", "-scope", "openid read:messages", "/api/private"}, "", "dev-cli", "openid read:messages offline_access"},
		{"offline_access not doubled", []string{"-dev", "-login", "-scope", "offline_access", "/api/private"}, "", "dev-cli", "offline_access"},
		{"no secret for a public client", []string{"-dev", "-login", "-client-secret", "s", "/api/private"}, "takes no client secret", "", ""},
		{"-no-browser alone", []string{"-dev", "-no-browser", "/api/private"}, "-no-browser and -redirect-port go with -login", "", ""},
		{"-redirect-port alone", []string{"-dev", "-redirect-port", "8484", "/api/private"}, "-no-browser and -redirect-port go with -login", "", ""},
		{"-redirect-port out of range", []string{"-dev", "-login", "-redirect-port", "70000", "/api/private"}, "want a port from 1 to 65535", "", ""},
		{"no client id", []string{"-login", "-domain", "t.example", "-audience", "a", "/api/private"}, "your Native application's client id", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, func(string) string { return "" }, &strings.Builder{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if o.clientID != tt.wantClient || strings.Join(o.scopes, " ") != tt.wantScopes || o.clientSecret != "" {
				t.Errorf("got client %q, scopes %q, secret set %v; want %q, %q, none", o.clientID, strings.Join(o.scopes, " "), o.clientSecret != "", tt.wantClient, tt.wantScopes)
			}
		})
	}
}

// TestLoginTenantDown: a tenant that does not answer ends -login at once,
// saying so and what to change, instead of sending the user to a page that
// cannot load and waiting minutes for a redirect.
func TestLoginTenantDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	tests := []struct {
		name  string
		extra []string
	}{
		{"with a browser", nil},
		{"without one", []string{"-no-browser"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-login", "-domain", closed, "-audience", "https://messages-api.test", "-client-id", "native-app", "-print-token"}, tt.extra...)
			r := runWith(t, unusedBrowser{t}, args...)
			if r.code != 1 || !strings.Contains(r.stderr, "does not answer") || !strings.Contains(r.stderr, "pass -domain") {
				t.Errorf("got exit %d, stderr %q, want 1 and a message that the tenant does not answer, with the fix", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "open this URL") || strings.Contains(r.stderr, "opening the login page") {
				t.Errorf("got stderr %q, want no login page offered", r.stderr)
			}
		})
	}
}
