package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestCORSOriginsAreExact: go-chi/cors reads a "*" in an allowed origin as
// a wildcard; an origin with one is ignored, with a warning, so only the
// exact origins listed get CORS headers.
func TestCORSOriginsAreExact(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.com"
	tests := []struct {
		name     string
		allowed  []string
		origin   string
		wantACAO string
	}{
		{"https://* allows no other origin", []string{"https://*", app}, "https://evil.example", ""},
		{"https://*.example.com allows no subdomain", []string{"https://*.example.com"}, "https://evil.example.com", ""},
		{"* alone allows nothing", []string{"*"}, "https://evil.example", ""},
		{"the exact origin beside a wildcard still works", []string{"https://*", app}, app, app},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.WarnLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: tt.allowed}}, newVerifier(), zap.New(core))
			for _, method := range []string{http.MethodOptions, http.MethodGet} {
				req := httptest.NewRequest(method, "/api/public", nil)
				req.Header.Set("Origin", tt.origin)
				if method == http.MethodOptions {
					req.Header.Set("Access-Control-Request-Method", http.MethodGet)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
					t.Errorf("%s from %s: got Access-Control-Allow-Origin %q, want %q", method, tt.origin, got, tt.wantACAO)
				}
			}
			if got := logs.FilterMessage("CORS origin ignored").Len(); got != 1 {
				t.Errorf("got %d warnings about an ignored origin, want 1", got)
			}
		})
	}
}
