package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestCORSOriginNotExactIsIgnored: an entry that is not scheme://host[:port]
// is ignored as a wildcard is, and one with user information, a query or a
// fragment is named by its position only, so a credential there never
// reaches the log.
func TestCORSOriginNotExactIsIgnored(t *testing.T) {
	t.Parallel()
	tests := []struct {
		entry     string
		wantField string // the warning's field naming the entry
	}{
		{"https://user:S3CRET@app.example.com", "entry"},
		{"https://app.example.com/path", "origin"},
		{"https://app.example.com?api_key=S3CRET", "entry"},
		{"https://app.example.com#access_token=S3CRET", "entry"},
		{"app.example.com", "origin"},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			core, logs := observer.New(zapcore.WarnLevel)
			httpapi.NewHandler(httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: []string{"https://ok.example", tt.entry}}}, newVerifier(), zap.New(core))
			lines := logs.FilterMessage("CORS origin ignored").All()
			if len(lines) != 1 {
				t.Fatalf("got %d warnings about an ignored origin, want 1", len(lines))
			}
			f := lines[0].ContextMap()
			if _, ok := f[tt.wantField]; !ok {
				t.Errorf("got warning fields %v, want %q", f, tt.wantField)
			}
			if strings.Contains(fmt.Sprint(f), "S3CRET") {
				t.Errorf("got warning fields %v, want no credential", f)
			}
		})
	}
}
