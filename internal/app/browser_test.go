package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/messages-api/internal/app/browsertest"
)

// TestBrowser runs the pages of dev mode in headless Chromium against the
// whole app, one app and one browser for all, a fresh tab (no cookies, no
// storage) for each case.
func TestBrowser(t *testing.T) {
	dev := browsertest.StartDev(t)
	b := browsertest.Start(t)
	t.Run("spa", func(t *testing.T) { testSPA(t, dev, b) })
	t.Run("wrong password", func(t *testing.T) { testWrongPassword(t, dev, b) })
	t.Run("test tab", func(t *testing.T) { testTestTab(t, dev, b) })
}

// The example SPA: each user logs in on the tenant's login page, and the
// page shows what each endpoint answered; logged out, the private endpoint
// is refused.
func testSPA(t *testing.T, dev *browsertest.Dev, b *browsertest.Browser) {
	tests := []struct {
		user, password string
		wantScope      bool   // read:messages in the token's scope
		wantStatus     [3]int // public, private, private-scoped
		wantChallenge  string // in the scoped result, from WWW-Authenticate
	}{
		{"reader", "reader-password", true, [3]int{200, 200, 200}, ""},
		{"nobody", "nobody-password", false, [3]int{200, 200, 403}, `error="insufficient_scope"`},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			ctx := b.Tab(t)
			openSPA(t, ctx, dev)
			if err := browsertest.LogIn(ctx, tt.user, tt.password); err != nil {
				t.Fatal(err)
			}
			user, err := browsertest.WaitText(ctx, "#user")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(user, tt.user) {
				t.Errorf("got #user %q, want the name %s", user, tt.user)
			}
			checkClaims(t, ctx, "auth0|"+tt.user, tt.wantScope)

			for i, endpoint := range []string{"public", "private", "private-scoped"} {
				r, err := browsertest.Call(ctx, "#call-"+endpoint, "#result-"+endpoint)
				if err != nil {
					t.Fatal(err)
				}
				if want := strconv.Itoa(tt.wantStatus[i]); r.Status != want {
					t.Errorf("%s: got status %q, want %s (page shows %q)", endpoint, r.Status, want, r.Text)
				}
				if endpoint == "private-scoped" && tt.wantChallenge != "" && !strings.Contains(r.Text, tt.wantChallenge) {
					t.Errorf("%s: got %q, want the WWW-Authenticate challenge with %s", endpoint, r.Text, tt.wantChallenge)
				}
			}
			browsertest.Screenshot(t, ctx, "logged-in")

			// Back from the tenant's logout: the new page, rendered logged
			// out (the old one had #login disabled).
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.Until(ctx, "body", `e.dataset.ready === "true" && !document.querySelector("#login").disabled`); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.WaitEmpty(ctx, "#user"); err != nil {
				t.Fatal(err)
			}
			r, err := browsertest.Call(ctx, "#call-private", "#result-private")
			if err != nil {
				t.Fatal(err)
			}
			checkLoggedOut(t, r)
		})
	}
}

// openSPA loads the SPA, waits until its script is ready (body
// data-ready), and clicks #login.
func openSPA(t *testing.T, ctx context.Context, dev *browsertest.Dev) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(dev.SPA)); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Until(ctx, "body", `e.dataset.ready === "true"`); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#login"))); err != nil {
		t.Fatal(err)
	}
}

// checkClaims reads the access token's claims the page shows.
func checkClaims(t *testing.T, ctx context.Context, wantSub string, wantScope bool) {
	t.Helper()
	text, err := browsertest.WaitText(ctx, "#claims")
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Sub   string `json:"sub"`
		Scope string `json:"scope"`
	}
	if err := json.Unmarshal([]byte(text), &claims); err != nil {
		t.Fatalf("got #claims %q, want the token's claims as JSON: %v", text, err)
	}
	if claims.Sub != wantSub {
		t.Errorf("got sub %q, want %q", claims.Sub, wantSub)
	}
	if got := slices.Contains(strings.Fields(claims.Scope), "read:messages"); got != wantScope {
		t.Errorf("got scope %q: read:messages in it %v, want %v", claims.Scope, got, wantScope)
	}
}

// checkLoggedOut accepts the API's 401 with its bare challenge, or the
// page saying it has no login to call with.
func checkLoggedOut(t *testing.T, r browsertest.Result) {
	t.Helper()
	switch {
	case r.Status == "401":
		if !strings.Contains(r.Text, `Bearer realm="messages-api"`) {
			t.Errorf("got %q, want the 401's WWW-Authenticate challenge", r.Text)
		}
	case r.Status == "" && strings.Contains(strings.ToLower(r.Text), "log"):
	default:
		t.Errorf("logged out: got status %q and %q, want 401 or the page's not-logged-in state", r.Status, r.Text)
	}
}

// A wrong password stays on the login page with an error, and never
// reaches the SPA.
func testWrongPassword(t *testing.T, dev *browsertest.Dev, b *browsertest.Browser) {
	ctx := b.Tab(t)
	openSPA(t, ctx, dev)
	if err := browsertest.LogIn(ctx, "reader", "not-the-password"); err != nil {
		t.Fatal(err)
	}
	if msg, err := browsertest.WaitText(ctx, "#error"); err != nil {
		t.Fatal(err)
	} else if strings.Contains(msg, "not-the-password") {
		t.Errorf("got error %q, want one that does not echo the password", msg)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`input[name=password]`))); err != nil {
		t.Errorf("got no password field after a wrong password, want the login page again: %v", err)
	}
}

var (
	curlURL    = regexp.MustCompile(`https?://[^\s'"]+`)
	curlBearer = regexp.MustCompile(`Authorization: Bearer ([A-Za-z0-9._-]+)`)
)

// The Test tab: pick a machine-to-machine client, get a token, see its
// claims, and each ready curl works as the page says.
func testTestTab(t *testing.T, dev *browsertest.Dev, b *browsertest.Browser) {
	ctx := b.Tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(dev.Issuer+"test"), chromedp.WaitVisible(chromedp.CSS("select#client"))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		client     string
		wantScope  bool
		wantStatus [3]int // public, private, private-scoped
	}{
		{"dev-reader", true, [3]int{200, 200, 200}},
		{"dev-nobody", false, [3]int{200, 200, 403}},
	}
	previous := ""
	for _, tt := range tests {
		t.Run(tt.client, func(t *testing.T) {
			if err := chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("select#client"), tt.client),
				chromedp.Evaluate[chromedp.Void](`document.querySelector("select#client").dispatchEvent(new Event("change", {bubbles: true}))`),
				chromedp.Click(chromedp.CSS("button#get-token")),
			); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.Until(ctx, "#token", `e.textContent.trim() !== "" && e.textContent.trim() !== `+strconv.Quote(previous)); err != nil {
				t.Fatalf("wait for a new #token: %v", err)
			}
			token, err := browsertest.WaitText(ctx, "#token")
			if err != nil {
				t.Fatal(err)
			}
			token = strings.TrimSpace(token)
			previous = token
			checkClaims(t, ctx, tt.client+"@clients", tt.wantScope)
			browsertest.Screenshot(t, ctx, "token")

			for i, endpoint := range []string{"public", "private", "private-scoped"} {
				curl, err := browsertest.WaitText(ctx, "#curl-"+endpoint)
				if err != nil {
					t.Fatal(err)
				}
				checkCurl(t, curl, dev.API+"/api/"+endpoint, token, tt.wantStatus[i])
			}
		})
	}
}

// checkCurl runs what the curl command says, with net/http, and checks
// its status.
func checkCurl(t *testing.T, curl, wantURL, token string, wantStatus int) {
	t.Helper()
	if !strings.HasPrefix(strings.TrimSpace(curl), "curl ") {
		t.Errorf("got %q, want a curl command", curl)
	}
	u := curlURL.FindString(curl)
	if u != wantURL {
		t.Errorf("got URL %q in %q, want %s", u, curl, wantURL)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if m := curlBearer.FindStringSubmatch(curl); m != nil {
		if m[1] != token {
			t.Errorf("got a curl with another token than #token's")
		}
		req.Header.Set("Authorization", "Bearer "+m[1])
	} else if !strings.HasSuffix(wantURL, "/public") {
		t.Errorf("got %q, want an Authorization header", curl)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != wantStatus {
		t.Errorf("%s: got status %d, want %d", u, resp.StatusCode, wantStatus)
	}
}
