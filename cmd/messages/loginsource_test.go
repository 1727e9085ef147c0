package main

import (
	"cmp"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
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
