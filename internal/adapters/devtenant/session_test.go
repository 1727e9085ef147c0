package devtenant

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSessionAndSilentRenewal covers single sign-on with the session
// cookie, prompt=none with response_mode=web_message (the SDK's silent
// renewal) and /v2/logout.
func TestSessionAndSilentRenewal(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	params, _ := authParams(spaID, spaRedirect, "openid")
	login := postLogin(t, tn, params, "reader", "reader-password")
	cookie := sessionCookieOf(login)
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
	// prompt is a space-delimited list (OIDC Core 3.1.2.1).
	for _, tt := range []struct {
		prompt   string
		wantForm bool
	}{
		{"login", true},
		{"login consent", true},
		{"select_account login", true},
		{"consent", false},
		{"consent select_account", false},
		{"none", false},
	} {
		t.Run("prompt="+tt.prompt, func(t *testing.T) {
			params, _ := authParams(spaID, spaRedirect, "openid")
			params.Set("prompt", tt.prompt)
			res := withCookie(params)
			code := res.status == http.StatusFound && redirectQuery(t, res).Get("code") != ""
			if tt.wantForm && res.status != http.StatusOK || !tt.wantForm && !code {
				t.Errorf("got status %d, Location %q; want the login page %v, else a code", res.status, res.header.Get("Location"), tt.wantForm)
			}
		})
	}
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
		// Logging out deletes both session cookies in the browser too.
		res := doNoFollow(t, newRequest(t, http.MethodGet, tn.Issuer()+"v2/logout", nil))
		deleted := map[string]bool{}
		for _, c := range (&http.Response{Header: res.header}).Cookies() {
			deleted[c.Name] = c.MaxAge < 0 && c.Value == ""
		}
		if !deleted[sessionCookie] || !deleted[sessionCookieCompat] {
			t.Errorf("logout: got Set-Cookie %q, want both session cookies deleted", res.header.Values("Set-Cookie"))
		}
		for _, tt := range []struct {
			query      string
			wantStatus int
		}{
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape(spaRedirect), http.StatusFound},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("http://localhost:3000"), http.StatusFound},
			{"returnTo=" + url.QueryEscape(spaRedirect), http.StatusFound},
			{"client_id=" + spaID + "&post_logout_redirect_uri=" + url.QueryEscape(spaRedirect), http.StatusFound},
			// The origin of a redirect URI with a path, with its slash.
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1/"), http.StatusFound},
			// A native client's loopback origin on any port, as its redirects.
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1:9"), http.StatusFound},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1:49152/"), http.StatusFound},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1:0"), http.StatusBadRequest},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1:/"), http.StatusBadRequest},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1:09"), http.StatusBadRequest},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("HTTP://127.0.0.1:9"), http.StatusBadRequest},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1:9/elsewhere"), http.StatusBadRequest},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.1:9?x=1"), http.StatusBadRequest},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://localhost:9"), http.StatusBadRequest},
			{"client_id=" + cliID + "&returnTo=" + url.QueryEscape("http://127.0.0.2:9"), http.StatusBadRequest},
			{"client_id=" + spaID + "&returnTo=" + url.QueryEscape("http://localhost:3001"), http.StatusBadRequest},
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
