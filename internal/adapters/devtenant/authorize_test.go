package devtenant

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthorizeRefusals covers /authorize: errors before the redirect URI
// is trusted show a page and never redirect; later ones go back to the
// redirect URI with error and the state untouched (RFC 6749 section 4.1.2.1).
func TestAuthorizeRefusals(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	tests := []struct {
		name      string
		mutate    func(url.Values)
		wantPage  bool   // an error page, no redirect
		wantError string // the redirected error, or the page's when set
	}{
		{"unregistered redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://evil.example/") }, true, ""},
		{"redirect_uri differing by a slash", func(v url.Values) { v.Set("redirect_uri", "http://localhost:3000") }, true, ""},
		{"redirect_uri of another port", func(v url.Values) { v.Set("redirect_uri", "http://localhost:3001/") }, true, ""},
		{"missing redirect_uri", func(v url.Values) { v.Del("redirect_uri") }, true, ""},
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, true, ""},
		{"m2m client", func(v url.Values) { v.Set("client_id", readerID) }, true, "unauthorized_client"},
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
		{"code_challenge with its unused bits set", func(v url.Values) { v.Set("code_challenge", strings.Repeat("A", 42)+"B") }, false, "invalid_request"},
		{"code_challenge with a line break", func(v url.Values) { v.Set("code_challenge", strings.Repeat("A", 42)+"\n") }, false, "invalid_request"},
		// The decoder skips CR and LF even when strict: only the length check refuses these.
		{"a whole code_challenge and a line break", func(v url.Values) { v.Set("code_challenge", strings.Repeat("A", 43)+"\n") }, false, "invalid_request"},
		{"a line break inside a whole code_challenge", func(v url.Values) { v.Set("code_challenge", strings.Repeat("A", 20)+"\r"+strings.Repeat("A", 23)) }, false, "invalid_request"},
		{"response_type token", func(v url.Values) { v.Set("response_type", "token") }, false, "unsupported_response_type"},
		{"other audience", func(v url.Values) { v.Set("audience", "https://other.example") }, false, "access_denied"},
		{"response_mode form_post", func(v url.Values) { v.Set("response_mode", "form_post") }, false, "invalid_request"},
		{"prompt none without a session", func(v url.Values) { v.Set("prompt", "none") }, false, "login_required"},
		{"prompt none with login", func(v url.Values) { v.Set("prompt", "none login") }, false, "invalid_request"},
		{"prompt unknown in a list", func(v url.Values) { v.Set("prompt", "login create") }, false, "invalid_request"},
		{"prompt in capitals", func(v url.Values) { v.Set("prompt", "LOGIN") }, false, "invalid_request"},
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
				if tt.wantError != "" && !strings.Contains(string(res.body), "Error: "+tt.wantError) {
					t.Errorf("got page %s, want it to say Error: %s", res.body, tt.wantError)
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

// TestPKCERefusalDescriptions: each way a challenge is refused says what
// to send instead (RFC 7636 section 4.4.1's invalid_request), since a
// client that never sent PKCE needs to hear that it is required.
func TestPKCERefusalDescriptions(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct {
		name     string
		mutate   func(url.Values)
		wantDesc string
	}{
		{"no code_challenge", func(v url.Values) { v.Del("code_challenge") },
			"Missing required parameter: code_challenge (PKCE, RFC 7636, is required for public clients)"},
		{"plain", func(v url.Values) { v.Set("code_challenge_method", "plain") },
			"code_challenge_method plain is not supported: use S256"},
		{"no code_challenge_method", func(v url.Values) { v.Del("code_challenge_method") },
			"code_challenge_method must be S256"},
		{"malformed code_challenge", func(v url.Values) { v.Set("code_challenge", "short") },
			"code_challenge must be a base64url SHA-256 digest (43 characters)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			params, _ := authParams(spaID, spaRedirect, "openid")
			tt.mutate(params)
			q := redirectQuery(t, authorizeGET(t, tn, params))
			if q.Get("error") != "invalid_request" || q.Get("error_description") != tt.wantDesc {
				t.Errorf("got %s %q, want invalid_request %q", q.Get("error"), q.Get("error_description"), tt.wantDesc)
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
		// The login form may not be framed (clickjacking).
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("login page: got Content-Security-Policy %q, want frame-ancestors 'none'", csp)
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
	// A known username is logged with the refusal; an unknown one is not,
	// since people type passwords into that field.
	t.Run("refusals logged", func(t *testing.T) {
		refused := logs.FilterMessage("login refused").All()
		var got []any
		for _, e := range refused {
			got = append(got, e.ContextMap()["username"])
		}
		if want := []any{"reader", ""}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("logged usernames: got %q, want %q", got, want)
		}
	})
	t.Run("state round-tripped untouched", func(t *testing.T) {
		q := redirectQuery(t, postLogin(t, tn, params, "reader", "reader-password"))
		if got := q.Get("state"); got != params.Get("state") {
			t.Errorf("state: got %q, want %q", got, params.Get("state"))
		}
	})
}

// TestMalformedQuery: a query pair that cannot be decoded (bad
// percent-encoding, a semicolon) is an error page, never dropped: a
// dropped state would come back missing with a code, a dropped returnTo
// would end a logout elsewhere than asked.
func TestMalformedQuery(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	params, _ := authParams(spaID, spaRedirect, "openid")
	params.Del("state")
	for _, tt := range []struct{ name, pathAndQuery string }{
		{"state with a stray %", "authorize?" + params.Encode() + "&state=100%"},
		{"state with bad percent-encoding", "authorize?" + params.Encode() + "&state=%zz"},
		{"a semicolon", "authorize?" + params.Encode() + "&state=a;b"},
		{"returnTo with bad percent-encoding", "v2/logout?returnTo=http://localhost:3000/%zz"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := doNoFollow(t, newRequest(t, http.MethodGet, tn.Issuer()+tt.pathAndQuery, nil))
			if res.status != http.StatusBadRequest || res.header.Get("Location") != "" || !strings.Contains(string(res.body), "The query could not be read") {
				t.Errorf("got status %d, Location %q; want 400, the page saying the query could not be read, no redirect", res.status, res.header.Get("Location"))
			}
		})
	}
}

// TestRedirectKeepsItsQuery: a registered redirect URI's own query is
// kept byte for byte and the response's parameters follow it (RFC 6749
// section 3.1.2: the query component MUST be retained).
func TestRedirectKeepsItsQuery(t *testing.T) {
	for _, tt := range []struct{ name, redirect string }{
		{"escaped slash and a repeated key", "http://localhost:3000/cb?next=a%2Fb&x=2&x=1"},
		{"a key without a value", "http://localhost:3000/cb?flag"},
		{"no query", "http://localhost:3000/cb"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tn, _ := startTenant(t, func(c *Config) {
				c.Clients = append(c.Clients, Client{ID: spaID, Type: TypeSPA, RedirectURIs: []string{tt.redirect}})
			})
			params, _ := authParams(spaID, tt.redirect, "openid")
			params.Set("prompt", "none") // no session: answered at once with login_required
			params.Set("state", "s/1")
			loc := authorizeGET(t, tn, params).header.Get("Location")
			sep := "?"
			if strings.Contains(tt.redirect, "?") {
				sep = "&"
			}
			want := tt.redirect + sep + "error=login_required"
			if !strings.HasPrefix(loc, want) || !strings.HasSuffix(loc, "&state=s%2F1") {
				t.Errorf("got Location %q, want it to start %q and end &state=s%%2F1", loc, want)
			}
		})
	}
}
