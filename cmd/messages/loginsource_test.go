package main

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

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
			file := seedLoginCache(t, as.url, tt.expiry, tt.refresh)

			var b browser = unusedBrowser{t: t}
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
			e := readEntry(t, file)
			checkMode(t, file)
			if e.AccessToken != tt.wantToken || e.RefreshToken != tt.wantNewRefresh || e.Grant != grantLogin {
				t.Errorf("got cache {%s %s %s}, want {%s %s %s}", e.AccessToken, e.RefreshToken, e.Grant, tt.wantToken, tt.wantNewRefresh, grantLogin)
			}
		})
	}
}

// seedLoginCache writes the cache file of loginArgs' -login run against
// the tenant at tenantURL: access token at-cached, expiring in expiry from
// now (0: no expiry, as a hand-edited file), with the refresh token given.
func seedLoginCache(t *testing.T, tenantURL string, expiry time.Duration, refresh string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "login.json")
	o := options{login: true, issuer: tenantURL + "/", audience: "https://messages-api.test", clientID: "native-app", scopes: loginScopes("")}
	// A token without an expiry is never saved: it is written with one, removed below.
	if err := newTokenCache(file, &o).save(&oauth2.Token{AccessToken: "at-cached", TokenType: "Bearer", Expiry: time.Now().Add(cmp.Or(expiry, time.Hour)), RefreshToken: refresh}); err != nil {
		t.Fatal(err)
	}
	// The cached token was a long-lived one, now near its end: save
	// alone would take a 30 s token for a short-lived one, reused for half its life.
	e := readEntry(t, file)
	e.RenewAt = e.Expiry.Add(-earlyExpiry)
	if expiry == 0 {
		e.Expiry, e.RenewAt = time.Time{}, time.Time{}
	}
	seeded, _ := json.Marshal(e)
	writeMode(t, file, seeded, 0o600)
	return file
}

// TestLoginRefreshRefused: what a refused or answered refresh leaves in
// the cache, and when it leads to a new login.
func TestLoginRefreshRefused(t *testing.T) {
	approved := func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }
	tests := []struct {
		name             string
		live             string // the tenant's live refresh token; the cache holds rt-cached
		errorCode        string // of the tenant's refusals; "" = invalid_grant
		noRefresh        bool   // the tenant issues no refresh token
		noRotate         bool   // the tenant keeps the refresh token on a refresh
		wantLogin        bool
		wantCode         int
		wantCacheRefresh string
		wantStderr       string
	}{
		// The spent refresh token is dropped: the next run logs in rather
		// than present it again (a reused one revokes its family).
		{"spent: a new login that issues none, the spent one not kept", "rt-other", "", true, false, true, 0, "",
			"no refresh token: ask for scope offline_access"},
		{"a tenant that does not rotate: the refresh token kept", "rt-cached", "", false, true, false, 0, "rt-cached",
			"renewed the access token with the refresh token"},
		// Only invalid_grant says the refresh token is spent; a refused
		// client would refuse the login too.
		{"the client refused: no new login", "rt-other", "unauthorized_client", false, false, false, 1, "rt-cached",
			`the tenant refused the client "native-app" for a user login (unauthorized_client`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			as.refresh, as.errorCode, as.noRefresh, as.noRotate = tt.live, tt.errorCode, tt.noRefresh, tt.noRotate
			file := seedLoginCache(t, as.url, -time.Minute, "rt-cached")
			var b browser = unusedBrowser{t: t}
			rb := &redirectingBrowser{t: t, as: as, back: approved}
			if tt.wantLogin {
				b = rb
			}
			r := runWith(t, b, loginArgs(as, "-token-cache", file)...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("got exit code %d and stderr %q, want %d and %q", r.code, r.stderr, tt.wantCode, tt.wantStderr)
			}
			if _, refreshes := as.counts(); refreshes != 1 {
				t.Errorf("got %d refresh requests, want 1", refreshes)
			}
			if tt.wantLogin && rb.opened != 1 {
				t.Errorf("got %d logins, want 1", rb.opened)
			}
			if got := readEntry(t, file).RefreshToken; got != tt.wantCacheRefresh {
				t.Errorf("got cached refresh token %q, want %q", got, tt.wantCacheRefresh)
			}
		})
	}
	t.Run("the tenant down", func(t *testing.T) {
		closed := "http://" + closedAddr(t)
		file := seedLoginCache(t, closed, -time.Minute, "rt-cached")
		args := []string{"-login", "-domain", closed, "-audience", "https://messages-api.test", "-client-id", "native-app", "-print-token", "-token-cache", file}
		r := runWith(t, unusedBrowser{t: t}, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "cannot log in: ") || !strings.Contains(r.stderr, "connection refused") {
			t.Errorf("got exit code %d and stderr %q, want 1 and the refused connection", r.code, r.stderr)
		}
	})
}

// TestLoginTokenRefusedByTheAPI: a cached token the API refuses (401) is
// renewed once, with its refresh token; a token just renewed is not
// renewed again, so a misconfigured API costs one renewal, not one per call
// or an endless loop.
func TestLoginTokenRefusedByTheAPI(t *testing.T) {
	tests := []struct {
		name          string
		expiry        time.Duration // of the cached at-cached
		fixedAccess   string        // the tenant reissues this access token
		refuse        func(auth string) bool
		wantCode      int
		wantCalls     int64
		wantRefreshes int
	}{
		{"the cached token refused: renewed, no login", time.Hour, "",
			func(auth string) bool { return auth == "Bearer at-cached" }, 0, 2, 1},
		{"a renewed token refused: not renewed again", -time.Minute, "",
			func(string) bool { return true }, 1, 1, 1},
		{"the same token reissued and refused: one retry", time.Hour, "at-cached",
			func(string) bool { return true }, 1, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			as.refresh, as.fixedAccess = "rt-cached", tt.fixedAccess
			file := seedLoginCache(t, as.url, tt.expiry, "rt-cached")
			// Past a few calls the run is a loop: stop it there.
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var calls atomic.Int64
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) >= 5 {
					cancel()
				}
				if tt.refuse(r.Header.Get("Authorization")) {
					w.WriteHeader(http.StatusUnauthorized)
				}
			}))
			t.Cleanup(api.Close)
			args := loginArgs(as, "-token-cache", file, "-api", api.URL, "/api/private")
			r := runWithContext(ctx, unusedBrowser{t: t}, args...)
			if r.code != tt.wantCode {
				t.Errorf("got exit code %d, want %d (stderr %s)", r.code, tt.wantCode, r.stderr)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("got %d API calls, want %d (stderr %s)", got, tt.wantCalls, r.stderr)
			}
			if _, refreshes := as.counts(); refreshes != tt.wantRefreshes {
				t.Errorf("got %d refresh requests, want %d", refreshes, tt.wantRefreshes)
			}
		})
	}
}
