package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

func TestCORS(t *testing.T) {
	const app = "https://app.example.com"
	allowed := httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: []string{app}, MaxAgeSeconds: 300}}
	tests := []struct {
		name       string
		cfg        httpapi.HandlerConfig
		method     string
		reqMethod  string // Access-Control-Request-Method of a preflight; GET if empty
		origin     string
		reqHeaders string
		auth       string
		target     string // "/api/private-scoped" if empty
		wantStatus int
		wantACAO   string
		wantCreds  bool
	}{
		{name: "preflight from an allowed origin needs no token", cfg: allowed, method: http.MethodOptions, origin: app,
			reqHeaders: "authorization", wantStatus: 204, wantACAO: app},
		{name: "preflight from another origin gets no CORS headers", cfg: allowed, method: http.MethodOptions,
			origin: "https://evil.example.com", reqHeaders: "authorization", wantStatus: 204},
		{name: "GET from an allowed origin", cfg: allowed, method: http.MethodGet, origin: app, auth: "Bearer " + readToken,
			wantStatus: 200, wantACAO: app},
		{name: "401 from an allowed origin is readable by the app", cfg: allowed, method: http.MethodGet, origin: app,
			wantStatus: 401, wantACAO: app},
		{name: "no origins configured: no CORS headers", cfg: httpapi.HandlerConfig{}, method: http.MethodGet, origin: app,
			auth: "Bearer " + readToken, wantStatus: 200},
		{name: "no origins configured: OPTIONS is 204 with Allow", cfg: httpapi.HandlerConfig{}, method: http.MethodOptions,
			origin: app, reqHeaders: "authorization", wantStatus: 204},
		// A preflight is an OPTIONS like any other (RFC 9110 §9.3.7): 204 with
		// Allow where the API serves the path, 404 where it does not (and the
		// browser fails the preflight, as it should).
		{name: "preflight for a path the API does not serve", cfg: allowed, method: http.MethodOptions, origin: app, target: "/api/nope",
			reqHeaders: "authorization", wantStatus: 404, wantACAO: app},
		{name: "preflight with a bad token still needs none", cfg: allowed, method: http.MethodOptions, origin: app, auth: "Bearer junk",
			reqHeaders: "authorization", wantStatus: 204, wantACAO: app},
		{name: "preflight for the public route", cfg: allowed, method: http.MethodOptions, origin: app, target: "/api/public",
			wantStatus: 204, wantACAO: app},
		// HEAD is served wherever GET is (RFC 9110 §9.3.2), so a browser app
		// may send it too: its preflight and its response carry CORS headers.
		{name: "preflight for HEAD from an allowed origin", cfg: allowed, method: http.MethodOptions, reqMethod: http.MethodHead, origin: app,
			reqHeaders: "authorization", wantStatus: 204, wantACAO: app},
		{name: "HEAD from an allowed origin", cfg: allowed, method: http.MethodHead, origin: app, auth: "Bearer " + readToken,
			wantStatus: 200, wantACAO: app},
		// A browser app traced with OpenTelemetry sends W3C Trace Context
		// headers, which the API honours: its preflight must not fail.
		{name: "preflight with trace context headers", cfg: allowed, method: http.MethodOptions, origin: app,
			reqHeaders: "authorization,traceparent,tracestate", wantStatus: 204, wantACAO: app},
		{name: "preflight with a header the API does not read gets no CORS headers", cfg: allowed, method: http.MethodOptions, origin: app,
			reqHeaders: "authorization,x-api-key", wantStatus: 204},
		{name: "preflight for POST, which no route serves, gets no CORS headers", cfg: allowed, method: http.MethodOptions, reqMethod: http.MethodPost,
			origin: app, reqHeaders: "authorization", wantStatus: 204},
		{name: "credentials only when configured", method: http.MethodOptions, origin: app, reqHeaders: "authorization",
			cfg: httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: []string{app}, AllowCredentials: true}}, wantStatus: 204,
			wantACAO: app, wantCreds: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := httpapi.NewHandler(tt.cfg, newVerifier(), zap.NewNop())
			target := tt.target
			if target == "" {
				target = "/api/private-scoped"
			}
			req := httptest.NewRequest(tt.method, target, nil)
			req.Header.Set("Origin", tt.origin)
			if tt.method == http.MethodOptions {
				reqMethod := tt.reqMethod
				if reqMethod == "" {
					reqMethod = http.MethodGet
				}
				req.Header.Set("Access-Control-Request-Method", reqMethod)
				req.Header.Set("Access-Control-Request-Headers", tt.reqHeaders)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("got status %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("got Access-Control-Allow-Origin %q, want %q", got, tt.wantACAO)
			}
			if tt.method == http.MethodOptions && tt.wantStatus == http.StatusNoContent {
				if got := rec.Header().Get("Allow"); got != "GET, HEAD, OPTIONS" {
					t.Errorf("got Allow %q, want %q", got, "GET, HEAD, OPTIONS")
				}
			}
			if got := rec.Header().Get("Access-Control-Allow-Credentials") == "true"; got != tt.wantCreds {
				t.Errorf("got credentials allowed %v, want %v", got, tt.wantCreds)
			}
			// An app reads why it was refused, the request's id and when to
			// retry: each header it needs is exposed on every response it sees.
			if tt.wantACAO != "" && tt.method != http.MethodOptions {
				exposed := strings.Split(strings.ToLower(rec.Header().Get("Access-Control-Expose-Headers")), ", ")
				for _, want := range []string{"www-authenticate", "x-request-id", "retry-after"} {
					if !slices.Contains(exposed, want) {
						t.Errorf("got Access-Control-Expose-Headers %q, want %s in it", rec.Header().Get("Access-Control-Expose-Headers"), want)
					}
				}
			}
			// A preflight the origin passes may be cached for the configured time.
			if tt.method == http.MethodOptions && tt.wantACAO != "" {
				want := ""
				if tt.cfg.CORS.MaxAgeSeconds > 0 {
					want = strconv.Itoa(tt.cfg.CORS.MaxAgeSeconds)
				}
				if got := rec.Header().Get("Access-Control-Max-Age"); got != want {
					t.Errorf("got Access-Control-Max-Age %q, want %q", got, want)
				}
			}
		})
	}
}

// TestPreflightRoute: a preflight's access line names the path's route
// pattern (the parent's prefix included when mounted), so only a path the
// API does not serve is unmatched; its status is the one an OPTIONS gets
// there.
func TestPreflightRoute(t *testing.T) {
	const app = "https://app.example.com"
	tests := []struct {
		name, origin, target string
		mounted              bool
		wantStatus           int64
		wantRoute            string
	}{
		{"allowed origin", app, "/api/private-scoped", false, 204, "/api/private-scoped"},
		{"another origin", "https://evil.example.com", "/api/public", false, 204, "/api/public"},
		{"mounted", app, "/v1/api/private", true, 204, "/v1/api/private"},
		{"unknown path", app, "/nope", false, 404, "unmatched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			var h http.Handler = httpapi.NewHandler(httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: []string{app}}},
				newVerifier(), zap.New(core))
			if tt.mounted {
				parent := chi.NewRouter()
				parent.Mount("/v1", h)
				h = parent
			}
			req := httptest.NewRequest(http.MethodOptions, tt.target, nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", "GET")
			h.ServeHTTP(httptest.NewRecorder(), req)
			m := logs.All()[0].ContextMap()
			if m["status"] != tt.wantStatus || m["route"] != tt.wantRoute {
				t.Errorf("got status %v route %v, want %d %s", m["status"], m["route"], tt.wantStatus, tt.wantRoute)
			}
		})
	}
}
