package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestUnknownPathIsNotFoundWhateverTheMethod: a path the API does not serve
// is 404 for every method, and a 405's Allow lists only methods the path
// answers (RFC 9110 §15.5.6). chi answers a method it does not know (not
// one of RFC 9110's, PATCH or TRACE) with 405 before it looks at the path.
func TestUnknownPathIsNotFoundWhateverTheMethod(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		wantAllow  string // "" means absent
	}{
		{"WebDAV method, unknown path", "PROPFIND", "/nope", 404, ""},
		{"made-up method, unknown path", "BREW", "/api/nope", 404, ""},
		{"made-up method, unknown private-looking path", "BREW", "/api/private/x", 404, ""},
		{"known method, unknown path", http.MethodDelete, "/nope", 404, ""},
		{"OPTIONS, unknown path", http.MethodOptions, "/nope", 404, ""},
		{"WebDAV method, escaped path chi does not route", "PROPFIND", "/api/%70ublic", 404, ""},
		{"GET, escaped path chi does not route", http.MethodGet, "/api/%70ublic", 404, ""},
		{"WebDAV method, known path", "PROPFIND", "/api/public", 405, "GET, HEAD, OPTIONS"},
		{"made-up method, private path, no token needed to learn it", "BREW", "/api/private", 405, "GET, HEAD, OPTIONS"},
		{"known method, known path", http.MethodPost, "/api/private-scoped", 405, "GET, HEAD, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.NewNop())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("got status %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("got Allow %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

// TestMountedAllow: mounted under a parent router, the Allow of a 405 is
// that of the path left to route, not of the whole path.
func TestMountedAllow(t *testing.T) {
	tests := []struct {
		method, target string
		wantStatus     int
		wantAllow      string
	}{
		{http.MethodPost, "/v1/api/private", 405, "GET, HEAD, OPTIONS"},
		{http.MethodOptions, "/v1/api/public", 204, "GET, HEAD, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			parent := chi.NewRouter()
			parent.Mount("/v1", httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.NewNop()))
			rec := httptest.NewRecorder()
			parent.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.wantStatus || rec.Header().Get("Allow") != tt.wantAllow {
				t.Errorf("got %d with Allow %q, want %d with Allow %q", rec.Code, rec.Header().Get("Allow"), tt.wantStatus, tt.wantAllow)
			}
		})
	}
}

// TestMethodNotAllowedRoute: a 405, or an OPTIONS answered with Allow, is
// logged under the path's route pattern (the parent's prefix included when
// mounted), so operators see which route it was; a 404 stays unmatched.
func TestMethodNotAllowedRoute(t *testing.T) {
	tests := []struct {
		name, method, target string
		mounted              bool
		wantStatus           int64
		wantRoute            string
	}{
		{"405", http.MethodPost, "/api/private", false, 405, "/api/private"},
		{"unknown method, known path", "BREW", "/api/private-scoped", false, 405, "/api/private-scoped"},
		{"OPTIONS", http.MethodOptions, "/api/public", false, 204, "/api/public"},
		{"405 mounted", http.MethodPost, "/v1/api/private", true, 405, "/v1/api/private"},
		{"unknown path", "BREW", "/nope", false, 404, "unmatched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			var h http.Handler = httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
			if tt.mounted {
				parent := chi.NewRouter()
				parent.Mount("/v1", h)
				h = parent
			}
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, tt.target, nil))
			m := logs.All()[0].ContextMap()
			if m["status"] != tt.wantStatus || m["route"] != tt.wantRoute {
				t.Errorf("got status %v route %v, want %d %s", m["status"], m["route"], tt.wantStatus, tt.wantRoute)
			}
		})
	}
}
