package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/apptest"
	"github.com/example/messages-api/internal/app/browsertest"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// prodEnv is production's environment with its tenant on a closed
// loopback port: tests that start the Auth0 adapter fetch keys from
// 127.0.0.1 only, and fail to at once.
var prodEnv = append(apptest.Environ(), "AUTH0_DOMAIN=https://127.0.0.1:1")

// TestProductionGraph dry-runs the production wiring: every dependency is
// provided and nothing is started.
func TestProductionGraph(t *testing.T) {
	for _, dev := range []bool{false, true} {
		cfg, err := config.Load(dev, "", prodEnv)
		if err != nil {
			t.Fatalf("dev=%v: load config: %v", dev, err)
		}
		if err := fx.ValidateApp(app.Options(cfg, zap.NewNop(), app.Production)); err != nil {
			t.Errorf("dev=%v: got graph error %v, want none", dev, err)
		}
	}
}

// TestAppWithFakeVerifier runs the whole app over real HTTP on loopback,
// with the fake verifier in place of the auth0 adapter.
func TestAppWithFakeVerifier(t *testing.T) {
	v := authtest.New(map[string]domain.Claims{
		"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}},
		"nobody": {Subject: "nobody@clients"},
	})
	base := apptest.Start(t, v).API

	tests := []struct {
		path, token string
		wantStatus  int
		wantBody    string
	}{
		{"/api/public", "", 200, `{"message":"Hello from a public endpoint! You don't need to be authenticated to see this."}`},
		{"/api/private", "", 401, ""},
		{"/api/private", "forged", 401, `{"error":"invalid_token","error_description":"unknown test token"}`},
		{"/api/private", "nobody", 200, `{"message":"Hello from a private endpoint! You need to be authenticated to see this."}`},
		{"/api/private-scoped", "nobody", 403, ""},
		{"/api/private-scoped", "reader", 200, `{"message":"Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this."}`},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.token, func(t *testing.T) {
			status, body := get(t, base+tt.path, tt.token)
			if status != tt.wantStatus {
				t.Errorf("got status %d, want %d", status, tt.wantStatus)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("got body %s, want %s", body, tt.wantBody)
			}
		})
	}
	t.Run("keys unavailable", func(t *testing.T) {
		v.Fail(ports.ErrKeysUnavailable)
		defer v.Fail(nil)
		resp, _ := call(t, base+"/api/private", "reader")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
			t.Errorf("got %d with Retry-After %q, want 503 with Retry-After 5", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

// TestDevMode gets tokens from the dev tenant with the client-credentials
// grant and calls all three endpoints, verified by the real auth0 adapter.
func TestDevMode(t *testing.T) {
	cfg := browsertest.DevConfig(t)
	var (
		srv    *httpapi.Server
		tenant *devtenant.Tenant
	)
	app := fxtest.New(t, app.Options(cfg, zaptest.NewLogger(t), app.Production), fx.Populate(&srv, &tenant))
	app.RequireStart()
	defer app.RequireStop()
	base := "http://" + srv.Addr().String()
	if !strings.HasPrefix(srv.Addr().String(), "127.0.0.1:") {
		t.Errorf("got API address %s, want loopback only in dev mode", srv.Addr())
	}

	reader := devToken(t, tenant.Issuer(), "dev-reader", "dev-reader-secret", cfg.DevTenant.Audience)
	nobody := devToken(t, tenant.Issuer(), "dev-nobody", "dev-nobody-secret", cfg.DevTenant.Audience)
	tests := []struct {
		name, path, token string
		wantStatus        int
	}{
		{"public", "/api/public", "", 200},
		{"private without token", "/api/private", "", 401},
		{"private with token", "/api/private", nobody, 200},
		{"scoped without scope", "/api/private-scoped", nobody, 403},
		{"scoped with scope", "/api/private-scoped", reader, 200},
		{"tampered token", "/api/private", reader[:len(reader)-4] + "AAAA", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := get(t, base+tt.path, tt.token); status != tt.wantStatus {
				t.Errorf("got status %d, want %d (body %s)", status, tt.wantStatus, body)
			}
		})
	}
}

func devToken(t *testing.T, issuer, id, secret, audience string) string {
	t.Helper()
	resp, err := http.PostForm(issuer+"oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "audience": {audience},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("got status %d, no token (%v)", resp.StatusCode, err)
	}
	return body.AccessToken
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	resp, body := call(t, url, token)
	return resp.StatusCode, body
}

// call GETs url with token as a Bearer credential (none when empty) and
// returns the response, its body read and closed, for its headers.
func call(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRunRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		environ []string
		want    string
	}{
		{"no domain nor audience", nil, nil, "AUTH0_DOMAIN is not set"},
		{"no audience", nil, []string{"AUTH0_DOMAIN=example.auth0.com"}, "AUTH0_AUDIENCE is not set"},
		{"http domain", nil, []string{"AUTH0_DOMAIN=http://example.auth0.com", "AUTH0_AUDIENCE=a"}, "must use https"},
		{"bad port", nil, []string{"AUTH0_DOMAIN=example.auth0.com", "AUTH0_AUDIENCE=a", "PORT=http"}, "PORT (http.port, from the environment)"},
		{"unknown flag", []string{"-prod"}, prodEnv, "usage: api [-dev [-dev-reset]] [-config FILE]"},
		{"every address a trusted proxy", nil, append(slices.Clone(prodEnv), "HTTP_TRUSTED_PROXIES=10.0.0.0/8, ::/0"), `"::/0" trusts every address`},
		{"every address trusted by two entries", nil, append(slices.Clone(prodEnv), "HTTP_TRUSTED_PROXIES=0.0.0.0/1,128.0.0.0/1"), `HTTP_TRUSTED_PROXIES (http.handler.trusted_proxies, from the environment) "0.0.0.0/1", "128.0.0.0/1" together trust every IPv4 address`},
		{"unsupported propagator", nil, append(slices.Clone(prodEnv), "OTEL_PROPAGATORS=b3"), `OTEL_PROPAGATORS "b3" is not supported`},
		{"SDK disabled as 1", nil, append(slices.Clone(prodEnv), "OTEL_SDK_DISABLED=1"), `OTEL_SDK_DISABLED "1" is not true or false`},
		{"bad sampler without an exporter", nil, append(slices.Clone(prodEnv), "OTEL_TRACES_SAMPLER=sometimes"), `OTEL_TRACES_SAMPLER "sometimes"`},
		{"batch delay with a space", nil, append(slices.Clone(prodEnv), "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318",
			"OTEL_BSP_SCHEDULE_DELAY= 5000"), `OTEL_BSP_SCHEDULE_DELAY " 5000"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			if got := run(t, tt.args, tt.environ, &stderr); got != 2 {
				t.Errorf("got exit code %d, want 2", got)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("got message %q, want one naming %q", stderr.String(), tt.want)
			}
		})
	}
}

// TestAuth0ModuleExposesOnlyThePort: outside its module, the graph sees the
// port and the key source (readiness), never the verifier's internals.
func TestAuth0ModuleExposesOnlyThePort(t *testing.T) {
	cfg, err := config.Load(false, "", prodEnv)
	if err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]any{"*auth0.Verifier": new(*auth0.Verifier), "auth0.KeyFinder": new(auth0.KeyFinder)} {
		if err := fx.ValidateApp(app.Options(cfg, zap.NewNop(), app.Production), fx.Populate(target)); err == nil {
			t.Errorf("got %s reachable from outside the auth0 module, want it private", name)
		}
	}
	var port ports.TokenVerifier
	if err := fx.ValidateApp(app.Options(cfg, zap.NewNop(), app.Production), fx.Populate(&port)); err != nil {
		t.Errorf("got %v, want ports.TokenVerifier in the graph", err)
	}
}
