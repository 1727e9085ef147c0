package devtenant

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const (
	spaID       = "test-spa"
	spaRedirect = "http://localhost:3000/"
	cliID       = "test-cli"
	cliRedirect = "http://127.0.0.1:49152/callback"
)

// withUsers adds the public clients, the dev users and RBAC to a test config.
func withUsers(c *Config) {
	c.RBAC = true
	c.Clients = append(c.Clients,
		Client{ID: spaID, Type: TypeSPA, RedirectURIs: []string{spaRedirect}},
		Client{ID: cliID, Type: TypeNative, RedirectURIs: []string{"http://127.0.0.1/callback", "http://[::1]/callback"}},
	)
	c.Users = []User{
		{Username: "reader", Password: "reader-password", Permissions: []string{"read:messages"}},
		{Username: "nobody", Password: "nobody-password"},
	}
}

// noFollow shows redirects instead of following them.
var noFollow = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func doNoFollow(t *testing.T, req *http.Request) response {
	t.Helper()
	return doWith(t, noFollow, req)
}

// authParams is a valid /authorize request for client and redirect with a
// fresh PKCE pair; it returns the parameters and the verifier.
func authParams(client, redirect, scope string) (url.Values, string) {
	verifier := randomToken()
	return url.Values{
		"response_type": {"code"}, "client_id": {client}, "redirect_uri": {redirect}, "scope": {scope},
		"audience": {testAudience}, "state": {"xyz"}, "nonce": {"n-0S6"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}, verifier
}

func authorizeGET(t *testing.T, tn *Tenant, params url.Values) response {
	t.Helper()
	return doNoFollow(t, newRequest(t, http.MethodGet, tn.Issuer()+"authorize?"+params.Encode(), nil))
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// postLogin posts the login form as a browser would: the hidden inputs of
// the login page for params, plus the credentials.
func postLogin(t *testing.T, tn *Tenant, params url.Values, username, password string) response {
	t.Helper()
	page := authorizeGET(t, tn, params)
	if page.status != http.StatusOK {
		t.Fatalf("login page: got status %d, want 200 (%s)", page.status, page.body)
	}
	form := url.Values{"username": {username}, "password": {password}}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page.body), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	req := newRequest(t, http.MethodPost, tn.Issuer()+"authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return doNoFollow(t, req)
}

// redirectQuery returns the query of a 302 answer's Location.
func redirectQuery(t *testing.T, res response) url.Values {
	t.Helper()
	if res.status != http.StatusFound {
		t.Fatalf("got status %d, want 302 (body %s)", res.status, res.body)
	}
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// codeFor logs username in through client and returns a fresh code and its verifier.
func codeFor(t *testing.T, tn *Tenant, client, redirect, scope, username string) (string, string) {
	t.Helper()
	params, verifier := authParams(client, redirect, scope)
	q := redirectQuery(t, postLogin(t, tn, params, username, username+"-password"))
	if q.Get("code") == "" {
		t.Fatalf("login: got no code (%v)", q)
	}
	return q.Get("code"), verifier
}

func postForm(t *testing.T, tn *Tenant, form url.Values) (int, map[string]any) {
	t.Helper()
	req := newRequest(t, http.MethodPost, tn.Issuer()+"oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := do(t, req)
	return res.status, decodeJSON(t, res.body)
}

func redeem(client, code, redirect, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
}

// refreshTokenFor logs reader in through the spa client and returns the
// refresh token of the exchange.
func refreshTokenFor(t *testing.T, tn *Tenant, scope string) string {
	t.Helper()
	code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
	_, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
	rt, _ := b["refresh_token"].(string)
	return rt
}

func refreshForm(client, token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {token}}
}

// TestAuthorizationCodeSecurity is the security table of the code flow:
// each case must be refused with the RFC's error, never a token.
func TestAuthorizationCodeSecurity(t *testing.T) {
	tn, logs, clock := startTenantWithClock(t, withUsers)
	const scope = "openid offline_access read:messages"
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })

	type result struct {
		status int
		body   map[string]any
	}
	tests := []struct {
		name      string
		run       func(t *testing.T) result
		wantError string
	}{
		{"wrong code_verifier", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, randomToken()))
			return result{s, b}
		}, "invalid_grant"},
		{"reused code", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			if s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier)); s != http.StatusOK {
				t.Fatalf("first redemption: got %d %v, want 200", s, b)
			}
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"code spent by a failed redemption", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			postForm(t, tn, redeem(spaID, code, spaRedirect, randomToken()))
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"expired code", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			clock.advance(codeTTL)
			defer clock.advance(-codeTTL)
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"redirect_uri mismatch at exchange", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, "http://localhost:3000/other", verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"code of one client redeemed by another", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, cliID, cliRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, cliRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"code redeemed by an m2m client", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(readerID, code, spaRedirect, verifier))
			return result{s, b}
		}, "unauthorized_client"},
		{"unknown code", func(t *testing.T) result {
			s, b := postForm(t, tn, redeem(spaID, randomToken(), spaRedirect, randomToken()))
			return result{s, b}
		}, "invalid_grant"},
		{"verifier too short", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, "short"))
			return result{s, b}
		}, "invalid_request"},
		{"missing code_verifier", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			form := redeem(spaID, code, spaRedirect, "")
			form.Del("code_verifier")
			s, b := postForm(t, tn, form)
			return result{s, b}
		}, "invalid_request"},
		{"repeated code_verifier", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			form := redeem(spaID, code, spaRedirect, verifier)
			form.Add("code_verifier", randomToken())
			s, b := postForm(t, tn, form)
			return result{s, b}
		}, "invalid_request"},
		{"code_verifier with a character outside RFC 7636", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, strings.Repeat("a", 42)+"+"))
			return result{s, b}
		}, "invalid_request"},
		{"code_verifier too long", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, strings.Repeat("a", 129)))
			return result{s, b}
		}, "invalid_request"},
		{"the challenge sent as the verifier (plain)", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, oauth2.S256ChallengeFromVerifier(verifier)))
			return result{s, b}
		}, "invalid_grant"},
		{"verifier of another login", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			_, other := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, other))
			return result{s, b}
		}, "invalid_grant"},
		{"refresh token reuse revokes the family", func(t *testing.T) result {
			rt1 := refreshTokenFor(t, tn, scope)
			s, b := postForm(t, tn, refreshForm(spaID, rt1))
			rt2, _ := b["refresh_token"].(string)
			if s != http.StatusOK || rt2 == "" || rt2 == rt1 {
				t.Fatalf("first refresh: got %d and a rotated token %v, want 200 and a new token", s, rt2 != "" && rt2 != rt1)
			}
			if s, b := postForm(t, tn, refreshForm(spaID, rt1)); s != http.StatusBadRequest || b["error"] != "invalid_grant" {
				t.Errorf("reuse of the spent token: got %d %v, want 400 invalid_grant", s, b["error"])
			}
			// The token rotated in before the reuse dies with its family.
			s, b = postForm(t, tn, refreshForm(spaID, rt2))
			return result{s, b}
		}, "invalid_grant"},
		{"refresh token of another client", func(t *testing.T) result {
			s, b := postForm(t, tn, refreshForm(cliID, refreshTokenFor(t, tn, scope)))
			return result{s, b}
		}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.run(t)
			if got.status != http.StatusBadRequest || got.body["error"] != tt.wantError {
				t.Errorf("got %d %v (%v), want 400 %s", got.status, got.body["error"], got.body["error_description"], tt.wantError)
			}
			if _, ok := got.body["access_token"]; ok {
				t.Errorf("got an access token, want none")
			}
		})
	}
}

// TestAuthorizeRefusals covers /authorize: errors before the redirect URI
// is trusted show a page and never redirect; later ones go back to the
// redirect URI with error and the state untouched (RFC 6749 section 4.1.2.1).
func TestAuthorizeRefusals(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	tests := []struct {
		name      string
		mutate    func(url.Values)
		wantPage  bool   // an error page, no redirect
		wantError string // the redirected error
	}{
		{"unregistered redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://evil.example/") }, true, ""},
		{"redirect_uri differing by a slash", func(v url.Values) { v.Set("redirect_uri", "http://localhost:3000") }, true, ""},
		{"redirect_uri of another port", func(v url.Values) { v.Set("redirect_uri", "http://localhost:3001/") }, true, ""},
		{"missing redirect_uri", func(v url.Values) { v.Del("redirect_uri") }, true, ""},
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, true, ""},
		{"m2m client", func(v url.Values) { v.Set("client_id", readerID) }, true, ""},
		{"repeated redirect_uri", func(v url.Values) { v.Add("redirect_uri", "http://evil.example/") }, true, ""},
		{"redirect_uri with a query added", func(v url.Values) { v.Set("redirect_uri", spaRedirect+"?next=//evil.example") }, true, ""},
		{"redirect_uri with a fragment", func(v url.Values) { v.Set("redirect_uri", spaRedirect+"#x") }, true, ""},
		{"redirect_uri with user info", func(v url.Values) { v.Set("redirect_uri", "http://localhost:3000@evil.example/") }, true, ""},
		{"redirect_uri as a longer host", func(v url.Values) { v.Set("redirect_uri", "http://localhost:3000.evil.example/") }, true, ""},
		{"redirect_uri scheme-relative", func(v url.Values) { v.Set("redirect_uri", "//localhost:3000/") }, true, ""},
		{"redirect_uri in capitals", func(v url.Values) { v.Set("redirect_uri", "HTTP://LOCALHOST:3000/") }, true, ""},
		{"repeated state", func(v url.Values) { v.Add("state", "other") }, true, ""},
		{"repeated code_challenge", func(v url.Values) { v.Add("code_challenge", strings.Repeat("A", 43)) }, true, ""},
		{"code_challenge_method in lower case", func(v url.Values) { v.Set("code_challenge_method", "s256") }, false, "invalid_request"},
		{"code_challenge_method S512", func(v url.Values) { v.Set("code_challenge_method", "S512") }, false, "invalid_request"},
		{"code_challenge too long", func(v url.Values) { v.Set("code_challenge", strings.Repeat("A", 44)) }, false, "invalid_request"},
		{"code_challenge with padding", func(v url.Values) { v.Set("code_challenge", strings.Repeat("A", 42)+"=") }, false, "invalid_request"},
		{"plain PKCE", func(v url.Values) { v.Set("code_challenge_method", "plain") }, false, "invalid_request"},
		{"no code_challenge_method", func(v url.Values) { v.Del("code_challenge_method") }, false, "invalid_request"},
		{"no code_challenge", func(v url.Values) { v.Del("code_challenge") }, false, "invalid_request"},
		{"malformed code_challenge", func(v url.Values) { v.Set("code_challenge", "short") }, false, "invalid_request"},
		{"response_type token", func(v url.Values) { v.Set("response_type", "token") }, false, "unsupported_response_type"},
		{"other audience", func(v url.Values) { v.Set("audience", "https://other.example") }, false, "access_denied"},
		{"response_mode form_post", func(v url.Values) { v.Set("response_mode", "form_post") }, false, "invalid_request"},
		{"prompt none without a session", func(v url.Values) { v.Set("prompt", "none") }, false, "login_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params, _ := authParams(spaID, spaRedirect, "openid")
			params.Set("state", "a b&c=d/é%+~")
			tt.mutate(params)
			res := authorizeGET(t, tn, params)
			if tt.wantPage {
				if res.status != http.StatusBadRequest || res.header.Get("Location") != "" {
					t.Errorf("got status %d, Location %q; want 400 and no redirect", res.status, res.header.Get("Location"))
				}
				return
			}
			q := redirectQuery(t, res)
			if q.Get("error") != tt.wantError || q.Get("code") != "" {
				t.Errorf("got error %q, code %q; want error %s and no code", q.Get("error"), q.Get("code"), tt.wantError)
			}
			if got := q.Get("state"); got != "a b&c=d/é%+~" {
				t.Errorf("state: got %q, want it untouched", got)
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	tn, logs := startTenant(t, withUsers)
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })
	params, _ := authParams(spaID, spaRedirect, "openid")
	params.Set("state", `"><script>x</script> & ü`)

	t.Run("form", func(t *testing.T) {
		res := authorizeGET(t, tn, params)
		body := string(res.body)
		for _, want := range []string{`name="username"`, `name="password"`, `<button type="submit"`} {
			if !strings.Contains(body, want) {
				t.Errorf("login page: got no %s, want the form", want)
			}
		}
		if strings.Contains(body, "<script>x") {
			t.Errorf("login page: got the state unescaped, want it escaped")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		res := postLogin(t, tn, params, "reader", "wrong")
		if res.status != http.StatusBadRequest || res.header.Get("Location") != "" || !strings.Contains(string(res.body), `id="error"`) {
			t.Errorf("got status %d, Location %q; want 400, the form again with #error, no redirect", res.status, res.header.Get("Location"))
		}
		if res.header.Get("Set-Cookie") != "" {
			t.Errorf("got a session cookie, want none")
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		if res := postLogin(t, tn, params, "ghost", "ghost-password"); res.status != http.StatusBadRequest {
			t.Errorf("got status %d, want 400", res.status)
		}
	})
	t.Run("state round-tripped untouched", func(t *testing.T) {
		q := redirectQuery(t, postLogin(t, tn, params, "reader", "reader-password"))
		if got := q.Get("state"); got != params.Get("state") {
			t.Errorf("state: got %q, want %q", got, params.Get("state"))
		}
	})
}

// TestUserTokens checks Auth0's user-token shape, the ID token and the
// scope intersection for each dev user.
func TestUserTokens(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	pub, _ := fetchKey(t, tn)
	for _, tt := range []struct {
		user      string
		wantScope string
		wantPerms []any
	}{
		{"reader", "openid profile offline_access read:messages", []any{"read:messages"}},
		{"nobody", "openid profile offline_access", []any{}},
	} {
		t.Run(tt.user, func(t *testing.T) {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid profile offline_access read:messages write:messages", tt.user)
			status, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			if status != http.StatusOK {
				t.Fatalf("got %d %v, want 200", status, body)
			}
			if body["scope"] != tt.wantScope || body["token_type"] != "Bearer" || body["refresh_token"] == nil {
				t.Errorf("response: got scope %v, token_type %v, refresh token %v; want %q, Bearer, one", body["scope"], body["token_type"], body["refresh_token"] != nil, tt.wantScope)
			}
			_, at := verifyToken(t, body["access_token"].(string), pub)
			want := map[string]any{
				"iss": tn.Issuer(), "sub": "auth0|" + tt.user, "aud": testAudience, "azp": spaID, "scope": tt.wantScope,
				"iat": float64(fixedNow.Unix()), "exp": float64(fixedNow.Add(DefaultTokenTTL).Unix()), "permissions": tt.wantPerms,
			}
			if got, wantKeys := keysOf(at), keysOf(want); !slices.Equal(got, wantKeys) {
				t.Errorf("access token claims: got %v, want %v", got, wantKeys)
			}
			for k, w := range want {
				if fmt.Sprint(at[k]) != fmt.Sprint(w) {
					t.Errorf("access token %s: got %v, want %v", k, at[k], w)
				}
			}
			_, id := verifyToken(t, body["id_token"].(string), pub)
			wantID := map[string]any{"iss": tn.Issuer(), "sub": "auth0|" + tt.user, "aud": spaID, "azp": spaID, "nonce": "n-0S6", "name": tt.user}
			for k, w := range wantID {
				if id[k] != w {
					t.Errorf("id token %s: got %v, want %v", k, id[k], w)
				}
			}
			if id["exp"] != float64(fixedNow.Add(idTokenTTL).Unix()) || id["iat"] != float64(fixedNow.Unix()) {
				t.Errorf("id token iat/exp: got %v/%v, want now/now+10h", id["iat"], id["exp"])
			}
		})
	}
	t.Run("no openid, no offline_access", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "read:messages", "reader")
		_, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		if body["id_token"] != nil || body["refresh_token"] != nil || body["access_token"] == nil {
			t.Errorf("got id_token %v, refresh_token %v; want only an access token", body["id_token"] != nil, body["refresh_token"] != nil)
		}
	})
	t.Run("refresh narrows the scope to the grant", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid offline_access read:messages", "nobody")
		_, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		form := refreshForm(spaID, body["refresh_token"].(string))
		form.Set("scope", "openid read:messages") // read:messages was never granted to nobody
		status, body := postForm(t, tn, form)
		if status != http.StatusOK || body["scope"] != "openid" || body["refresh_token"] == nil {
			t.Fatalf("got %d scope %v, refresh token %v; want 200, scope openid and a new refresh token", status, body["scope"], body["refresh_token"] != nil)
		}
		// The rotated token still carries the whole grant.
		if status, body := postForm(t, tn, refreshForm(spaID, body["refresh_token"].(string))); status != http.StatusOK || body["scope"] != "openid offline_access" {
			t.Errorf("next refresh: got %d scope %v, want 200 and openid offline_access", status, body["scope"])
		}
	})
	t.Run("refresh keeps the grant, drops the nonce", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid offline_access read:messages", "reader")
		_, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		status, body := postForm(t, tn, refreshForm(spaID, body["refresh_token"].(string)))
		if status != http.StatusOK || body["scope"] != "openid offline_access read:messages" {
			t.Fatalf("got %d scope %v, want 200 and the original scope", status, body["scope"])
		}
		if _, id := verifyToken(t, body["id_token"].(string), pub); id["nonce"] != nil {
			t.Errorf("refreshed id token nonce: got %v, want none", id["nonce"])
		}
	})
}

// TestNativeLoopbackRedirect checks RFC 8252 section 7.3: any port on the
// registered loopback IP, nothing else.
func TestNativeLoopbackRedirect(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct {
		redirect string
		want     bool
	}{
		{"http://127.0.0.1:49152/callback", true},
		{"http://127.0.0.1:1/callback", true},
		{"http://[::1]:50000/callback", true},
		{"http://127.0.0.1/callback", true},
		{"http://127.0.0.1:49152/other", false},
		{"http://localhost:49152/callback", false},
		{"https://127.0.0.1:49152/callback", false},
		{"http://127.0.0.1:49152/callback?x=1", false},
		{"http://127.0.0.2:49152/callback", false},
		{"http://127.0.0.1:0/callback", false},
		{"http://127.0.0.1:65536/callback", false},
		{"http://127.0.0.1:99999/callback", false},
		{"http://127.0.0.1:65535/callback", true},
	} {
		t.Run(tt.redirect, func(t *testing.T) {
			params, _ := authParams(cliID, tt.redirect, "openid")
			res := authorizeGET(t, tn, params)
			if got := res.status == http.StatusOK; got != tt.want {
				t.Errorf("got status %d, want accepted=%v", res.status, tt.want)
			}
		})
	}
	t.Run("spa clients match exactly", func(t *testing.T) {
		params, _ := authParams(spaID, "http://localhost:3999/", "openid")
		if res := authorizeGET(t, tn, params); res.status != http.StatusBadRequest {
			t.Errorf("got status %d, want 400", res.status)
		}
	})
}

// TestSessionAndSilentRenewal covers single sign-on with the session
// cookie, prompt=none with response_mode=web_message (the SDK's silent
// renewal) and /v2/logout.
func TestSessionAndSilentRenewal(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	params, _ := authParams(spaID, spaRedirect, "openid")
	login := postLogin(t, tn, params, "reader", "reader-password")
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly {
		t.Fatalf("login: got cookie %v, want an HttpOnly session cookie", cookie)
	}
	withCookie := func(params url.Values) response {
		req := newRequest(t, http.MethodGet, tn.Issuer()+"authorize?"+params.Encode(), nil)
		req.AddCookie(cookie)
		return doNoFollow(t, req)
	}

	t.Run("single sign-on", func(t *testing.T) {
		params, _ := authParams(spaID, spaRedirect, "openid")
		if q := redirectQuery(t, withCookie(params)); q.Get("code") == "" {
			t.Errorf("got %v, want a code without the login page", q)
		}
	})
	t.Run("cookies", func(t *testing.T) {
		byName := map[string]*http.Cookie{}
		for _, c := range (&http.Response{Header: login.header}).Cookies() {
			byName[c.Name] = c
		}
		main, compat := byName[sessionCookie], byName[sessionCookieCompat]
		if main.SameSite != http.SameSiteNoneMode || !main.Secure || compat == nil || compat.SameSite != http.SameSiteLaxMode || !compat.HttpOnly || compat.Value != main.Value {
			t.Errorf("got cookies %v and %v, want SameSite=None; Secure and a Lax compat twin, both HttpOnly", main, compat)
		}
		// A browser that refused the SameSite=None cookie still has the compat one.
		params, _ := authParams(spaID, spaRedirect, "openid")
		req := newRequest(t, http.MethodGet, tn.Issuer()+"authorize?"+params.Encode(), nil)
		req.AddCookie(compat)
		if q := redirectQuery(t, doNoFollow(t, req)); q.Get("code") == "" {
			t.Errorf("with the compat cookie only: got %v, want a code", q)
		}
	})
	t.Run("prompt=login shows the form", func(t *testing.T) {
		params, _ := authParams(spaID, spaRedirect, "openid")
		params.Set("prompt", "login")
		if res := withCookie(params); res.status != http.StatusOK {
			t.Errorf("got status %d, want 200 and the login page", res.status)
		}
	})
	t.Run("web_message", func(t *testing.T) {
		params, _ := authParams(spaID, spaRedirect, "openid")
		params.Set("prompt", "none")
		params.Set("response_mode", "web_message")
		res := withCookie(params)
		body := string(res.body)
		if res.status != http.StatusOK || !strings.Contains(body, `"authorization_response"`) || !strings.Contains(body, `"http://localhost:3000"`) || !strings.Contains(body, `"code":`) {
			t.Errorf("got status %d, body %s; want a page posting the code to http://localhost:3000", res.status, body)
		}
	})
	t.Run("web_message without a session", func(t *testing.T) {
		params, _ := authParams(spaID, spaRedirect, "openid")
		params.Set("prompt", "none")
		params.Set("response_mode", "web_message")
		body := string(authorizeGET(t, tn, params).body)
		if !strings.Contains(body, `"login_required"`) {
			t.Errorf("got %s, want login_required posted", body)
		}
	})
	t.Run("logout", func(t *testing.T) {
		for _, tt := range []struct {
			query      string
			wantStatus int
		}{
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape(spaRedirect), http.StatusFound},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("http://localhost:3000"), http.StatusFound},
			{"returnTo=" + url.QueryEscape(spaRedirect), http.StatusFound},
			{"client_id=" + spaID + "&post_logout_redirect_uri=" + url.QueryEscape(spaRedirect), http.StatusFound},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("http://evil.example/"), http.StatusBadRequest},
			// Open-redirect shapes: none is a URL of the client.
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("http://localhost:3000//evil.example"), http.StatusBadRequest},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("http://localhost:3000@evil.example/"), http.StatusBadRequest},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("//evil.example/"), http.StatusBadRequest},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("/\\evil.example/"), http.StatusBadRequest},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("http://localhost:3000.evil.example/"), http.StatusBadRequest},
			{"returnTo=" + url.QueryEscape("http://evil.example/"), http.StatusBadRequest},
			{"client_id=nope&returnTo=" + url.QueryEscape(spaRedirect), http.StatusBadRequest},
			{"client_id=" + readerID + "&returnTo=" + url.QueryEscape(spaRedirect), http.StatusBadRequest},
			{"", http.StatusOK},
		} {
			req := newRequest(t, http.MethodGet, tn.Issuer()+"v2/logout?"+tt.query, nil)
			req.AddCookie(cookie)
			if res := doNoFollow(t, req); res.status != tt.wantStatus {
				t.Errorf("logout %s: got %d, want %d", tt.query, res.status, tt.wantStatus)
			}
		}
		params, _ := authParams(spaID, spaRedirect, "openid")
		params.Set("prompt", "none")
		if q := redirectQuery(t, withCookie(params)); q.Get("error") != "login_required" {
			t.Errorf("after logout: got %v, want login_required", q)
		}
	})
}

// TestTokenCORS checks the browser's preflight for the SDK's token call.
func TestTokenCORS(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct {
		origin string
		want   string
	}{
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://evil.example", ""},
	} {
		req := newRequest(t, http.MethodOptions, tn.Issuer()+"oauth/token", nil)
		req.Header.Set("Origin", tt.origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "auth0-client,content-type")
		res := do(t, req)
		if got := res.header.Get("Access-Control-Allow-Origin"); got != tt.want {
			t.Errorf("preflight from %s: got Allow-Origin %q, want %q", tt.origin, got, tt.want)
		}
		if tt.want != "" && !strings.Contains(strings.ToLower(res.header.Get("Access-Control-Allow-Headers")), "auth0-client") {
			t.Errorf("preflight: got Allow-Headers %q, want Auth0-Client allowed", res.header.Get("Access-Control-Allow-Headers"))
		}
	}
}

func TestTestTab(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	tn.UseAPI(func() string { return "http://127.0.0.1:8081" })
	page := string(get(t, tn.Issuer()+"test").body)
	for _, want := range []string{`<select id="client"`, `<button id="get-token"`, readerID, noScopeID} {
		if !strings.Contains(page, want) {
			t.Errorf("GET /test: got no %s", want)
		}
	}
	if strings.Contains(page, spaID) {
		t.Errorf("GET /test: got the spa client listed, want m2m clients only")
	}
	req := newRequest(t, http.MethodPost, tn.Issuer()+"test", strings.NewReader("client="+readerID))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := do(t, req)
	body := html.UnescapeString(string(res.body))
	for _, want := range []string{`id="token"`, `id="claims"`, `"sub": "` + readerID + `@clients"`, `id="curl-public"`, `id="curl-private"`, `id="curl-private-scoped"`,
		"curl -i -H 'Authorization: Bearer ey", "http://127.0.0.1:8081/api/private-scoped"} {
		if !strings.Contains(body, want) {
			t.Errorf("POST /test: got no %s in the page", want)
		}
	}
	req = newRequest(t, http.MethodPost, tn.Issuer()+"test", strings.NewReader("client="+spaID))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := do(t, req); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `id="error"`) {
		t.Errorf("POST /test for a spa client: got %d, want 400 with #error", res.status)
	}
}
