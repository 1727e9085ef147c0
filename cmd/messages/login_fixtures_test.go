package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

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
	failExchange bool                   // answer every code with errorCode
	errorCode    string                 // of every refusal; "" = invalid_grant
	fixedAccess  string                 // when set, every access token issued is this one
	noRefresh    bool                   // issue no refresh tokens (no offline_access)
	noRotate     bool                   // a refresh keeps the refresh token: none in the answer
	exchanges    int
	refreshes    int
	issued       int
	states       []string // of every /authorize URL approved
	challenges   []string
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
		_ = json.NewEncoder(w).Encode(map[string]string{"error": cmp.Or(as.errorCode, "invalid_grant"), "error_description": desc})
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
	answer := map[string]any{
		"access_token": cmp.Or(as.fixedAccess, fmt.Sprintf("at-%d", as.issued)), "token_type": "Bearer", "expires_in": 3600,
		"scope": "read:messages offline_access",
	}
	switch {
	case as.noRefresh:
		as.refresh = ""
	case as.noRotate && r.PostForm.Get("grant_type") == "refresh_token":
	default:
		as.refresh = fmt.Sprintf("rt-%d", as.issued) // rotation: the old one is spent
		answer["refresh_token"] = as.refresh
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
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
	// The verifier never travels through the browser (RFC 7636 §1).
	if oauth2.S256ChallengeFromVerifier(q.Get("state")) == q.Get("code_challenge") {
		t.Errorf("got the code verifier as the state, want a state of its own")
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	as.states = append(as.states, q.Get("state"))
	as.challenges = append(as.challenges, q.Get("code_challenge"))
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
// command with the parameters back(code, state) chooses. As a real
// browser, it follows the redirect in the background: Open returns first,
// and the command answers the redirect only once it has exchanged the code.
type redirectingBrowser struct {
	t            *testing.T
	as           *authServer
	back         func(code, state string) url.Values
	forged       url.Values // when set, sent before back: a redirect from someone else
	opened       int
	forgedStatus int

	landed   chan struct{} // closed once the redirect back has been answered (or failed)
	status   int           // of the command's landing page; read after landed
	visitErr error
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
	back := q.Get("redirect_uri") + "?" + b.back(code, q.Get("state")).Encode()
	b.landed = make(chan struct{})
	go func() {
		defer close(b.landed)
		b.status, b.visitErr = visit(b.t.Context(), back)
	}()
	b.t.Cleanup(func() { <-b.landed })
	return nil
}

// landing is the status of the command's answer to the redirect back, once
// it has come (0 when it never came: the visit's error is the test's).
func (b *redirectingBrowser) landing() int {
	if b.landed == nil {
		return 0
	}
	<-b.landed
	if b.visitErr != nil {
		b.t.Errorf("following the redirect back: %v", b.visitErr)
	}
	return b.status
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

// unusedBrowser fails the test when a login is started and, under
// runWith, ends the run: the login would otherwise wait loginTimeout for
// the URL to be opened by hand.
type unusedBrowser struct {
	t      *testing.T
	cancel context.CancelFunc // set by runWithContext
}

func (b unusedBrowser) Open(context.Context, string) error {
	b.t.Error("got a browser login, want none")
	if b.cancel != nil {
		b.cancel()
	}
	return fmt.Errorf("no browser here")
}

func loginArgs(as *authServer, extra ...string) []string {
	return append([]string{"-login", "-domain", as.url, "-audience", "https://messages-api.test", "-client-id", "native-app", "-print-token"}, extra...)
}

func runWith(t *testing.T, b browser, args ...string) result {
	t.Helper()
	return runWithContext(t.Context(), b, args...)
}

// runWithContext is runWith for a run that ctx may interrupt.
func runWithContext(ctx context.Context, b browser, args ...string) result {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if u, ok := b.(unusedBrowser); ok {
		u.cancel = cancel
		b = u
	}
	var stdout, stderr strings.Builder
	code := run(ctx, args, func(string) string { return "" }, &stdout, &stderr, b)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}
