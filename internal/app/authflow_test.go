package app_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/browsertest"
)

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// pkce returns a code verifier and its S256 challenge (RFC 7636).
func pkce(t *testing.T) (verifier, challenge string) {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// login drives /authorize as a browser would: GET the login page, post its
// form (hidden inputs included) with the user's credentials, and return
// the code from the redirect.
func login(t *testing.T, issuer string, params url.Values, username, password string) string {
	t.Helper()
	resp, err := noRedirects.Get(issuer + "authorize?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: got status %d, want 200 (%s)", resp.StatusCode, page)
	}
	form := url.Values{"username": {username}, "password": {password}}
	for _, m := range hiddenInput.FindAllStringSubmatch(string(page), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	resp, err = noRedirects.PostForm(issuer+"authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("login as %s: got status %d, Location %q; want 302 to the redirect URI", username, resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := loc.Query().Get("state"); got != params.Get("state") {
		t.Errorf("state: got %q, want %q", got, params.Get("state"))
	}
	return loc.Query().Get("code")
}

// exchange posts an authorization_code grant and returns the status and
// the decoded body.
func exchange(t *testing.T, issuer string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(issuer+"oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return resp.StatusCode, body
}

// TestDevModeAuthorizationCode runs the whole app in dev mode and drives
// the SPA client's authorization code + PKCE flow with plain HTTP.
func TestDevModeAuthorizationCode(t *testing.T) {
	cfg := browsertest.DevConfig(t)
	var (
		srv    *httpapi.Server
		tenant *devtenant.Tenant
		spa    *devtenant.SPA
	)
	fxApp := fxtest.New(t, app.Options(cfg, zaptest.NewLogger(t), app.Production), fx.Populate(&srv, &tenant, &spa))
	fxApp.RequireStart()
	defer fxApp.RequireStop()
	api := "http://" + srv.Addr().String()
	iss := tenant.Issuer()
	redirect := spa.URL() // registered for dev-spa when the SPA started

	authorize := func(t *testing.T, state string) (url.Values, string) {
		verifier, challenge := pkce(t)
		return url.Values{
			"response_type": {"code"}, "client_id": {"dev-spa"}, "redirect_uri": {redirect},
			"scope": {"openid profile offline_access read:messages"}, "audience": {cfg.DevTenant.Audience},
			"state": {state}, "nonce": {"n-0S6_WzA2Mj"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
		}, verifier
	}
	redeem := func(code, verifier string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {"dev-spa"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	}

	for _, tt := range []struct {
		user, password string
		wantStatus     int
	}{
		{"reader", "reader-password", http.StatusOK},
		{"nobody", "nobody-password", http.StatusForbidden},
	} {
		t.Run(tt.user, func(t *testing.T) {
			params, verifier := authorize(t, "st&te="+tt.user)
			code := login(t, iss, params, tt.user, tt.password)
			status, body := exchange(t, iss, redeem(code, verifier))
			token, _ := body["access_token"].(string)
			if status != http.StatusOK || token == "" {
				t.Fatalf("exchange: got status %d, body %v; want 200 with an access token", status, body)
			}
			if got, _ := get(t, api+"/api/private-scoped", token); got != tt.wantStatus {
				t.Errorf("GET /api/private-scoped: got %d, want %d", got, tt.wantStatus)
			}
			if got, _ := get(t, api+"/api/private", token); got != http.StatusOK {
				t.Errorf("GET /api/private: got %d, want 200", got)
			}
			// The code is spent.
			if status, body := exchange(t, iss, redeem(code, verifier)); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Errorf("reused code: got %d %v, want 400 invalid_grant", status, body["error"])
			}
		})
	}

	t.Run("wrong verifier", func(t *testing.T) {
		params, _ := authorize(t, "s")
		code := login(t, iss, params, "reader", "reader-password")
		other, _ := pkce(t)
		if status, body := exchange(t, iss, redeem(code, other)); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("got %d %v, want 400 invalid_grant", status, body["error"])
		}
	})

	t.Run("unregistered redirect URI", func(t *testing.T) {
		params, _ := authorize(t, "s")
		params.Set("redirect_uri", "http://evil.example/")
		resp, err := noRedirects.Get(iss + "authorize?" + params.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("got status %d, Location %q; want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("SPA", func(t *testing.T) {
		status, page := get(t, redirect, "")
		if status != http.StatusOK || !strings.Contains(page, `id="login"`) || !strings.Contains(page, "auth0-spa-js") {
			t.Errorf("GET %s: got %d, want 200 and the SPA page", redirect, status)
		}
		status, body := get(t, redirect+"config.json", "")
		var conf map[string]string
		_ = json.Unmarshal([]byte(body), &conf)
		want := map[string]string{"domain": strings.TrimSuffix(iss, "/"), "clientId": "dev-spa", "audience": cfg.DevTenant.Audience, "apiBaseUrl": api}
		for k, v := range want {
			if conf[k] != v {
				t.Errorf("config.json %s: got %q, want %q (status %d)", k, conf[k], v, status)
			}
		}
	})
}

// TestDevTokenSurvivesRestart saves a dev token, restarts the whole app on
// the same config (same key file) and calls the API with it.
func TestDevTokenSurvivesRestart(t *testing.T) {
	cfg := browsertest.DevConfig(t)
	start := func() (*fxtest.App, string, string) {
		var (
			srv    *httpapi.Server
			tenant *devtenant.Tenant
		)
		a := fxtest.New(t, app.Options(cfg, zaptest.NewLogger(t), app.Production), fx.Populate(&srv, &tenant))
		a.RequireStart()
		t.Cleanup(a.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
		return a, "http://" + srv.Addr().String(), tenant.Issuer()
	}
	tenantLn, spaLn := dupListener(t, cfg.DevTenant.Listener), dupListener(t, cfg.DevTenant.SPAListener)
	first, _, iss := start()
	saved := devToken(t, iss, "dev-reader", "dev-reader-secret", cfg.DevTenant.Audience)
	first.RequireStop()

	// The first app's stop closed its listeners; the second serves
	// duplicates taken before, so the ports were never released.
	cfg.DevTenant.Listener, cfg.DevTenant.SPAListener = tenantLn, spaLn
	second, api, _ := start()
	defer second.RequireStop()
	if status, body := get(t, api+"/api/private-scoped", saved); status != http.StatusOK {
		t.Errorf("a token saved before the restart: got %d %s, want 200", status, body)
	}
}

// dupListener is a second listener on ln's socket, closed when t ends: the
// socket stays open while either is.
func dupListener(t *testing.T, ln net.Listener) net.Listener {
	t.Helper()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() // FileListener works on a duplicate
	dup, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dup.Close() })
	return dup
}
