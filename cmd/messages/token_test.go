package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTokenErrors(t *testing.T) {
	f := newFixture(t)
	closed := closedAddr(t)
	// A web server that is not a tenant: a plain 404 page.
	notTenant := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notTenant.Close)
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		want   []string
		secret string
	}{
		{
			name: "wrong secret",
			env: map[string]string{"AUTH0_DOMAIN": f.tenantURL, "AUTH0_AUDIENCE": f.audience,
				"AUTH0_CLIENT_ID": "dev-reader", "AUTH0_CLIENT_SECRET": "not-the-secret"},
			args: []string{"-api", f.apiURL, "/api/private"},
			want: []string{"access_denied: Unauthorized", `the client id "dev-reader" or its client secret is wrong; ` +
				"check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET against the application's settings in the Auth0 dashboard"},
			secret: "not-the-secret",
		},
		// -dev reads no AUTH0_* variable for the client: the hint names the flags.
		{
			name:   "wrong secret under -dev",
			env:    map[string]string{"AUTH0_CLIENT_ID": "x", "AUTH0_CLIENT_SECRET": "y"},
			args:   f.devArgs("-client-secret", "not-the-secret", "/api/private"),
			want:   []string{`the client id "dev-reader" or its client secret is wrong; check -client-id and -client-secret against the dev tenant's clients`},
			secret: "not-the-secret",
		},
		{
			name: "unknown audience",
			args: f.devArgs("-audience", "https://unknown.example", "/api/private"),
			want: []string{`the audience "https://unknown.example" is not an API of the tenant`, "Service not enabled within domain",
				"set -audience to the identifier of the dev tenant's API"},
			secret: "dev-reader-secret",
		},
		{
			name:   "scope not granted",
			args:   f.devArgs("-client-id", "dev-nobody", "-scope", "read:messages", "/api/private-scoped"),
			want:   []string{`the client "dev-nobody" has not been granted the scope(s) read:messages`, "Client has not been granted scopes"},
			secret: "dev-nobody-secret",
		},
		{
			name:   "tenant unreachable",
			args:   []string{"-dev", "-domain", "http://" + closed, "-api", f.apiURL, "/api/private"},
			want:   []string{"cannot get a token from http://" + closed + "/oauth/token", "connection refused", "is the tenant right?"},
			secret: "dev-reader-secret",
		},
		{
			// Not through -dev, which refuses it before asking the tenant.
			name: "a login client",
			env: map[string]string{"AUTH0_DOMAIN": f.tenantURL, "AUTH0_AUDIENCE": f.audience,
				"AUTH0_CLIENT_ID": "dev-spa", "AUTH0_CLIENT_SECRET": "some-secret"},
			args:   []string{"-api", f.apiURL, "/api/private"},
			want:   []string{`the client "dev-spa" may not use the client-credentials grant (unauthorized_client`},
			secret: "some-secret",
		},
		{
			name: "not a tenant",
			args: []string{"-dev", "-domain", notTenant.URL, "-api", f.apiURL, "/api/private"},
			want: []string{"the token endpoint " + notTenant.URL + "/oauth/token answered 404 Not Found without an OAuth error: is \"" +
				notTenant.URL + "\" the Auth0 tenant domain (-domain)?"},
			secret: "dev-reader-secret",
		},
		{
			name:   "not a tenant, where DEV_TENANT_ADDR says",
			env:    map[string]string{"DEV_TENANT_ADDR": strings.TrimPrefix(notTenant.URL, "http://")},
			args:   []string{"-dev", "-api", f.apiURL, "/api/private"},
			want:   []string{"is \"" + notTenant.URL + "\" the Auth0 tenant domain (-domain, or DEV_TENANT_ADDR as the service has it)?"},
			secret: "dev-reader-secret",
		},
		{
			name: "not a tenant, from the environment",
			env: map[string]string{"AUTH0_DOMAIN": notTenant.URL, "AUTH0_AUDIENCE": f.audience,
				"AUTH0_CLIENT_ID": "dev-reader", "AUTH0_CLIENT_SECRET": "dev-reader-secret"},
			args:   []string{"-api", f.apiURL, "/api/private"},
			want:   []string{"is \"" + notTenant.URL + "\" the Auth0 tenant domain (AUTH0_DOMAIN)?"},
			secret: "dev-reader-secret",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, tt.args...)
			if r.code != 1 {
				t.Errorf("got exit code %d, want 1", r.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("got stderr %q, want it to contain %q", r.stderr, w)
				}
			}
			if strings.Contains(r.stdout+r.stderr, tt.secret) {
				t.Errorf("got the client secret in the output, want it never printed")
			}
		})
	}
	if calls, _ := f.seen(); calls != 0 {
		t.Errorf("got %d API calls, want 0 when no token was issued", calls)
	}
}

// TestTenantStatusLinePrinted: the tenant's status line, quoted when its
// answer to a token request is not a token, reaches the terminal without
// control characters, for both grants (Go's client keeps them in the reason
// phrase).
func TestTenantStatusLinePrinted(t *testing.T) {
	const hostile = "400 Bad\x1b]0;owned\x07 \u009b2JRequest"
	tests := []struct {
		name, body string
		login      bool
		want       string
	}{
		{"no OAuth error", "{}", false, "answered 400 Bad]0;owned 2JRequest without an OAuth error"},
		{"an OAuth error of no known kind", `{"error":"temporarily_unavailable"}`, false,
			"refused the token request with 400 Bad]0;owned 2JRequest (temporarily_unavailable)"},
		{"-login's refresh, no OAuth error", "{}", true, "answered 400 Bad]0;owned 2JRequest without an OAuth error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant := rawHTTPServer(t, hostile, "", tt.body)
			args := []string{"-dev", "-domain", tenant, "-api", "http://" + closedAddr(t), "/api/private"}
			if tt.login {
				file := seedLoginCache(t, tenant, -time.Minute, "rt-cached")
				args = append(loginArgs(&authServer{url: tenant}, "-token-cache", file), "/api/private")
			}
			r := runWith(t, unusedBrowser{t: t}, args...)
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("got exit code %d and stderr %q, want 1 and %q in it", r.code, r.stderr, tt.want)
			}
			if strings.ContainsAny(r.stderr, "\x1b\x07\u009b") {
				t.Errorf("got stderr %q, want no control characters", r.stderr)
			}
		})
	}
}

// TestTokenEndpointNotFound: a 404 with an OAuth-shaped error (the API's
// own 404, when -domain names the API instead of the tenant) says there is
// no token endpoint there and asks whether the domain is the tenant's,
// rather than that the tenant refused the request.
func TestTokenEndpointNotFound(t *testing.T) {
	const body = `{"error":"not_found","error_description":"no such route"}`
	for _, tt := range []struct {
		name  string
		login bool
	}{{"client credentials", false}, {"-login's refresh", true}} {
		t.Run(tt.name, func(t *testing.T) {
			tenant := rawHTTPServer(t, "404 Not Found", "", body)
			args := []string{"-dev", "-domain", tenant, "-api", "http://" + closedAddr(t), "/api/private"}
			if tt.login {
				file := seedLoginCache(t, tenant, -time.Minute, "rt-cached")
				args = append(loginArgs(&authServer{url: tenant}, "-token-cache", file), "/api/private")
			}
			r := runWith(t, unusedBrowser{t: t}, args...)
			want := "answered 404 Not Found (not_found: no such route), so there is none there: is \"" + tenant + "\" the Auth0 tenant domain (-domain)?"
			if r.code != 1 || !strings.Contains(r.stderr, want) {
				t.Errorf("got exit code %d and stderr %q, want 1 and %q in it", r.code, r.stderr, want)
			}
		})
	}
}
