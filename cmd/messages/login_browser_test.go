package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/example/messages-api/internal/app/browsertest"
)

// chromiumUser is the user at the system browser, played by headless
// Chromium: it opens the login URL and logs in on the dev tenant's page,
// then, as a browser does while the command exchanges the code, waits in
// the background for the command's landing page (landing).
type chromiumUser struct {
	tab                context.Context
	username, password string
	landed             chan error // the landing page's error text, once it has shown
}

func newChromiumUser(tab context.Context, username, password string) *chromiumUser {
	return &chromiumUser{tab: tab, username: username, password: password, landed: make(chan error, 1)}
}

func (u *chromiumUser) Open(_ context.Context, url string) error {
	err := chromedp.Do(u.tab, chromedp.Navigate(url))
	if err == nil {
		err = browsertest.LogIn(u.tab, u.username, u.password)
	}
	if err != nil {
		u.landed <- err // no landing page will come
		return err
	}
	go func() {
		if err := chromedp.Do(u.tab, chromedp.WaitVisible(chromedp.CSS("#done, #error"))); err != nil {
			u.landed <- fmt.Errorf("wait for the landing page: %w", err)
			return
		}
		msg, err := chromedp.Run(u.tab, chromedp.Evaluate[string](`(document.querySelector("#error") || {}).textContent || ""`))
		if err == nil && msg != "" {
			err = fmt.Errorf("the landing page says: %s", msg)
		}
		u.landed <- err
	}()
	return nil
}

// landing is the landing page's error, nil when it said the user is logged in.
func (u *chromiumUser) landing() error { return <-u.landed }

// -login end to end: the whole app in dev mode, the dev tenant's login
// page in Chromium, the loopback redirect, the code exchanged, the API
// called; then the cached token renewed with its refresh token, no browser.
func TestLoginInBrowser(t *testing.T) {
	dev := browsertest.StartDev(t)
	b := browsertest.Start(t)
	tests := []struct {
		user, password string
		wantCode       int
		wantStdout     string
	}{
		{"reader", "reader-password", 0, "200 OK"},
		{"nobody", "nobody-password", 1, `403 Forbidden
WWW-Authenticate: Bearer realm="messages-api", error="insufficient_scope"`},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "login.json")
			args := []string{"-dev", "-login", "-domain", dev.Issuer, "-api", dev.API, "-token-cache", cache, "/api/private-scoped"}
			user := newChromiumUser(b.Tab(t), tt.user, tt.password)
			r := runWith(t, user, args...)
			if err := user.landing(); err != nil {
				t.Fatal(err)
			}
			if r.code != tt.wantCode || !strings.Contains(r.stdout, tt.wantStdout) {
				t.Fatalf("got exit code %d and stdout %q, want %d and %q (stderr %s)", r.code, r.stdout, tt.wantCode, tt.wantStdout, r.stderr)
			}
			e := readEntry(t, cache)
			if e.RefreshToken == "" || e.ClientID != devLoginClientID {
				t.Fatalf("got cache for client %q with refresh token %v, want %s with one", e.ClientID, e.RefreshToken != "", devLoginClientID)
			}

			// Expire the cached access token: the next run renews it with
			// the refresh token, and never opens a browser.
			o := options{login: true, issuer: e.Domain, audience: e.Audience, clientID: e.ClientID, scopes: strings.Fields(e.Scope)}
			expired := &oauth2.Token{AccessToken: e.AccessToken, TokenType: e.TokenType, Expiry: time.Now().Add(-time.Minute), RefreshToken: e.RefreshToken}
			if err := newTokenCache(cache, &o).save(expired); err != nil {
				t.Fatal(err)
			}
			r = runWith(t, unusedBrowser{t: t}, args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, "renewed the access token with the refresh token") {
				t.Errorf("renewal: got exit code %d and stderr %q, want %d and a renewal", r.code, r.stderr, tt.wantCode)
			}
			if got := readEntry(t, cache).RefreshToken; got == e.RefreshToken || got == "" {
				t.Errorf("got the same refresh token after a renewal, want a rotated one")
			}
		})
	}
}
