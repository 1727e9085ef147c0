package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestRunsStartedTogetherBuyOneToken: a run that needs a token while
// another is buying one for the same cache waits for the other's lock,
// then takes the token it saved: one token billed, not one per run (cron
// jobs or CI steps starting at once, or all renewing at the same expiry).
func TestRunsStartedTogetherBuyOneToken(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir() + "/token.json"
	arrived := make(chan struct{}, 4)
	release := make(chan struct{})
	open := sync.OnceFunc(func() { close(release) })
	defer open()
	hook := func() { arrived <- struct{}{}; <-release }
	f.onToken.Store(&hook)
	busy := make(chan struct{}, 1)
	lockBusy = func() { busy <- struct{}{} }
	defer func() { lockBusy = nil }()

	results := make(chan result, 2)
	start := func() {
		go func() { results <- runCmd(t, nil, f.devArgs("-token-cache", cache, "/api/private")...) }()
	}
	start()
	<-arrived // the first run is buying its token, holding the lock
	start()   // the second finds no token in the cache
	select {
	case <-busy:
	case <-arrived:
		t.Fatal("got a second token request while the first was in flight, want the second run to wait for the first's lock")
	}
	open()
	for range 2 {
		if r := <-results; r.code != 0 || !slices.Equal(statusLines(r.stdout), []string{"HTTP/1.1 200 OK"}) {
			t.Errorf("got exit code %d and %q, want 0 and one 200\nstderr: %s", r.code, statusLines(r.stdout), r.stderr)
		}
	}
	if n := f.tokenRequests.Load(); n != 1 {
		t.Errorf("got %d token requests, want 1", n)
	}
	if _, tokens := f.seen(); len(tokens) != 1 {
		t.Errorf("got %d distinct tokens at the API, want 1", len(tokens))
	}
}

// TestReplacement: under the lock, a run takes the cached token only when
// it is another run's (not the one it is replacing), for its configuration
// and not due for renewal.
func TestReplacement(t *testing.T) {
	o := options{issuer: "https://tenant.example/", audience: "https://api.example", clientID: "client"}
	hour := time.Now().Add(time.Hour)
	tests := []struct {
		name   string
		saved  *oauth2.Token
		other  bool   // saved for another audience
		have   string // the token the run replaces
		wantOK bool
	}{
		{name: "another run's token", saved: &oauth2.Token{AccessToken: "theirs", TokenType: "Bearer", Expiry: hour}, have: "mine", wantOK: true},
		{name: "the token being replaced", saved: &oauth2.Token{AccessToken: "mine", TokenType: "Bearer", Expiry: hour}, have: "mine"},
		{name: "expired", saved: &oauth2.Token{AccessToken: "theirs", TokenType: "Bearer", Expiry: time.Now().Add(-time.Minute)}, have: "mine"},
		{name: "for another audience", saved: &oauth2.Token{AccessToken: "theirs", TokenType: "Bearer", Expiry: hour}, other: true, have: "mine"},
		{name: "no cache file", have: "mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/token.json"
			if tt.saved != nil {
				so := o
				if tt.other {
					so.audience = "https://other.example"
				}
				if err := newTokenCache(path, &so).save(tt.saved); err != nil {
					t.Fatal(err)
				}
			}
			got := newTokenCache(path, &o).replacement(tt.have)
			if (got != nil) != tt.wantOK {
				t.Errorf("got %v, want a token: %v", got, tt.wantOK)
			}
		})
	}
}

// TestTokenRefusedWhenNewIsNotRenewedEachRun: a 401 for a cached token buys
// one new token and repeats the call; when the API refuses that new token
// too, the refusal is not the token's age (an API of another tenant or
// audience, a proxy answering 401), and later runs do not buy another for
// each 401 (a job running every minute would buy 1,440 a day), until a call
// with it succeeds.
func TestTokenRefusedWhenNewIsNotRenewedEachRun(t *testing.T) {
	f := newFixture(t)
	var refuse atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			w.Header().Set("WWW-Authenticate", `Bearer realm="other", error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"message":"ok"}`)
	}))
	t.Cleanup(api.Close)
	cache := t.TempDir() + "/token.json"
	args := []string{"-dev", "-domain", f.tenantURL, "-api", api.URL, "-token-cache", cache, "/api/private"}
	for i, step := range []struct {
		refuse     bool
		wantCode   int
		wantTokens int64 // bought so far
		wantStderr string
	}{
		{true, 1, 1, "got a new access token"},                              // no cache yet: nothing to retry
		{true, 1, 2, "the API refused the new token too"},                   // the cached token refused: one retry
		{true, 1, 2, "as it refused it when it was new"},                    // refused though new: no retry
		{false, 0, 2, "using the cached token"},                             // accepted: a later 401 may be its age
		{true, 1, 3, "the API refused the cached token; getting a new one"}, // so it is retried again
	} {
		refuse.Store(step.refuse)
		r := runCmd(t, nil, args...)
		checkRun(t, f, i+1, r, step.wantCode, step.wantTokens, step.wantStderr)
	}
}

// checkRun checks run n of a sequence: its exit code, the tokens the
// fixture's tenant has sold so far and a line of its stderr.
func checkRun(t *testing.T, f *fixture, n int, r result, wantCode int, wantTokens int64, wantStderr string) {
	t.Helper()
	if r.code != wantCode {
		t.Errorf("run %d: got exit code %d, want %d\nstderr: %s", n, r.code, wantCode, r.stderr)
	}
	if got := f.tokenRequests.Load(); got != wantTokens {
		t.Errorf("run %d: got %d tokens bought so far, want %d\nstderr: %s", n, got, wantTokens, r.stderr)
	}
	if !strings.Contains(r.stderr, wantStderr) {
		t.Errorf("run %d: got stderr %q, want it to contain %q", n, r.stderr, wantStderr)
	}
}

// TestLaterRefusalOfTheNewTokenIsItsAge: only the new token's first call
// tells whether the API refuses tokens however new; a 401 for it on a later
// call of the same run (a key rotation mid-run) does not stop later runs
// from renewing the cached token on a 401.
func TestLaterRefusalOfTheNewTokenIsItsAge(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var answers []int // the API's statuses, in call order; 200 when used up
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		status := http.StatusOK
		if len(answers) > 0 {
			status, answers = answers[0], answers[1:]
		}
		mu.Unlock()
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"message":"ok"}`)
	}))
	t.Cleanup(api.Close)
	cache := t.TempDir() + "/token.json"
	args := []string{"-dev", "-domain", f.tenantURL, "-api", api.URL, "-token-cache", cache}
	for i, step := range []struct {
		calls      string
		answers    []int
		wantCode   int
		wantTokens int64 // bought so far
		wantStderr string
	}{
		{"1", nil, 0, 1, "got a new access token"},
		// The cached token refused, the new one accepted, then refused.
		{"3", []int{401, 200, 401}, 1, 2, "the API refused the cached token; getting a new one"},
		// That last 401 was the token's age: this one is renewed.
		{"1", []int{401}, 0, 3, "the API refused the cached token; getting a new one"},
	} {
		mu.Lock()
		answers = step.answers
		mu.Unlock()
		r := runCmd(t, nil, append(args, "-n", step.calls, "/api/private")...)
		checkRun(t, f, i+1, r, step.wantCode, step.wantTokens, step.wantStderr)
		if strings.Contains(r.stderr, "refused the new token too") {
			t.Errorf("run %d: got stderr %q, want no refused-when-new mark", i+1, r.stderr)
		}
	}
}

// savedLoginCache is a -login run's options and token cache, in a temporary
// directory, holding tok, with the cache's lock file open (not locked).
func savedLoginCache(t *testing.T, tok *oauth2.Token) (*options, *tokenCache, *os.File) {
	t.Helper()
	o := &options{issuer: "https://tenant.example/", audience: "https://api.example", clientID: "client", login: true}
	c := newTokenCache(t.TempDir()+"/token.json", o)
	if err := c.save(tok); err != nil {
		t.Fatal(err)
	}
	lock, err := c.openLock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	return o, c, lock
}

// TestLoginTakesTheReplacementsRefreshToken: a -login run that takes the
// token another run renewed takes that run's refresh token with it, since
// the renewal spent the one this run held (presenting a spent refresh
// token makes the tenant revoke the whole family).
func TestLoginTakesTheReplacementsRefreshToken(t *testing.T) {
	saved := &oauth2.Token{AccessToken: "theirs", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour), RefreshToken: "refresh-2"}
	o, c, lock := savedLoginCache(t, saved)
	l := &loginSource{o: o, log: io.Discard, refresh: "refresh-1"}
	s := &lockedSource{ctx: t.Context(), next: l, cache: c, lock: lock, log: io.Discard, wait: time.Second, have: "mine"}
	got, err := s.Token()
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != "theirs" {
		t.Errorf("got access token %q, want the other run's %q", got.AccessToken, "theirs")
	}
	if l.refresh != "refresh-2" {
		t.Errorf("got refresh token in hand %q, want the other run's %q", l.refresh, "refresh-2")
	}
}
