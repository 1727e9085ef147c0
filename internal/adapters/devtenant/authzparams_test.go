package devtenant

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAudienceDecidesTheAccessToken: only a request naming the API's
// audience gets an access token for it; one naming none gets what Auth0
// issues then, an opaque token for /userinfo that no API accepts, and no
// API scope.
func TestAudienceDecidesTheAccessToken(t *testing.T) {
	tn, logs := startTenant(t, withUsers)
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })
	pub, _ := fetchKey(t, tn)
	const scope = "openid offline_access read:messages"
	for _, tt := range []struct {
		name      string
		audience  string // "" drops the parameter
		wantJWT   bool
		wantScope string
	}{
		{"the API's audience", testAudience, true, scope},
		{"no audience", "", false, "openid offline_access"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			params, verifier := authParams(spaID, spaRedirect, scope)
			if tt.audience == "" {
				params.Del("audience")
			}
			q := redirectQuery(t, postLogin(t, tn, params, "reader", "reader-password"))
			status, body := postForm(t, tn, redeem(spaID, q.Get("code"), spaRedirect, verifier))
			if status != http.StatusOK {
				t.Fatalf("exchange: got %d %v, want 200", status, body)
			}
			// The refreshed tokens keep the request's audience too.
			rStatus, refreshed := postForm(t, tn, refreshForm(spaID, body["refresh_token"].(string)))
			if rStatus != http.StatusOK {
				t.Fatalf("refresh: got %d %v, want 200", rStatus, refreshed)
			}
			for step, b := range map[string]map[string]any{"exchange": body, "refresh": refreshed} {
				at, _ := b["access_token"].(string)
				if isJWT := strings.Count(at, ".") == 2; isJWT != tt.wantJWT {
					t.Errorf("%s: got an access token that is a JWT: %v, want %v", step, isJWT, tt.wantJWT)
				} else if isJWT {
					wantAud := fmt.Sprint([]string{testAudience, tn.Issuer() + "userinfo"}) // with openid, as Auth0's
					if _, claims := verifyToken(t, at, pub); fmt.Sprint(claims["aud"]) != wantAud {
						t.Errorf("%s: got aud %v, want %s", step, claims["aud"], wantAud)
					}
				}
				if b["scope"] != tt.wantScope || b["id_token"] == nil {
					t.Errorf("%s: got scope %v and an ID token %v, want %q and one", step, b["scope"], b["id_token"] != nil, tt.wantScope)
				}
			}
		})
	}
}

// TestMaxAge: a session older than max_age (OIDC Core 3.1.2.1) is not used:
// the user logs in again, or prompt=none gets login_required. Without it
// the SDK rejects the ID token, whose auth_time is too old.
func TestMaxAge(t *testing.T) {
	tn, _, clock := startTenantWithClock(t, withUsers)
	params, _ := authParams(spaID, spaRedirect, "openid")
	cookie := sessionCookieOf(postLogin(t, tn, params, "reader", "reader-password"))
	if cookie == nil {
		t.Fatal("login: got no session cookie")
	}
	clock.advance(2 * time.Minute) // the session is 120 s old
	t.Cleanup(func() { clock.advance(-2 * time.Minute) })

	const (
		code      = "a code"
		loginPage = "the login page"
	)
	for _, tt := range []struct {
		maxAge, prompt string
		want           string // code, loginPage or an error code
	}{
		{"", "", code},
		{"300", "", code},
		{"120", "", code},
		{"119", "", loginPage},
		{"60", "", loginPage},
		{"0", "", loginPage},
		{"60", "none", "login_required"},
		{"300", "none", code},
		{"99999999999999999999999", "", code},
		{"-1", "", "invalid_request"},
		{"+300", "", "invalid_request"},
		{"1.5", "", "invalid_request"},
		{"60s", "", "invalid_request"},
	} {
		t.Run("max_age="+tt.maxAge+" prompt="+tt.prompt, func(t *testing.T) {
			params, _ := authParams(spaID, spaRedirect, "openid")
			if tt.maxAge != "" {
				params.Set("max_age", tt.maxAge)
			}
			if tt.prompt != "" {
				params.Set("prompt", tt.prompt)
			}
			req := newRequest(t, http.MethodGet, tn.Issuer()+"authorize?"+params.Encode(), nil)
			req.AddCookie(cookie)
			res := doNoFollow(t, req)
			got := loginPage
			if res.status != http.StatusOK {
				q := redirectQuery(t, res)
				got = q.Get("error")
				if q.Get("code") != "" {
					got = code
				}
			}
			if got != tt.want {
				t.Errorf("got %s (status %d), want %s", got, res.status, tt.want)
			}
		})
	}
	// OIDC Core section 2: auth_time is when the user logged in, not when
	// the session answered, or max_age could never expire on the SDK's side.
	t.Run("auth_time is the login's", func(t *testing.T) {
		pub, _ := fetchKey(t, tn)
		params, verifier := authParams(spaID, spaRedirect, "openid")
		req := newRequest(t, http.MethodGet, tn.Issuer()+"authorize?"+params.Encode(), nil)
		req.AddCookie(cookie)
		q := redirectQuery(t, doNoFollow(t, req))
		s, b := postForm(t, tn, redeem(spaID, q.Get("code"), spaRedirect, verifier))
		idToken, _ := b["id_token"].(string)
		if s != http.StatusOK || idToken == "" {
			t.Fatalf("exchange: got %d %v, want 200 with an ID token", s, b["error"])
		}
		_, id := verifyToken(t, idToken, pub)
		if id["auth_time"] != float64(fixedNow.Unix()) || id["iat"] != float64(fixedNow.Add(2*time.Minute).Unix()) {
			t.Errorf("got auth_time %v and iat %v, want the login's %d and now's %d", id["auth_time"], id["iat"], fixedNow.Unix(), fixedNow.Add(2*time.Minute).Unix())
		}
	})
	t.Run("the login form keeps max_age", func(t *testing.T) {
		params, _ := authParams(spaID, spaRedirect, "openid")
		params.Set("max_age", "0")
		if q := redirectQuery(t, postLogin(t, tn, params, "reader", "reader-password")); q.Get("code") == "" {
			t.Errorf("got %v, want a code after the login", q)
		}
	})
}
