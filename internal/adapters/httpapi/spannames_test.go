package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
)

// TestSpanNames: whatever the method and path, a span is named after the
// route pattern at the path, or "unmatched", never the raw path; http.route
// is the pattern, and absent when no route matched (OpenTelemetry HTTP
// semantic conventions: set if and only if it is available).
func TestSpanNames(t *testing.T) {
	const app = "https://app.example.com"
	exp := tracetest.NewInMemoryExporter()
	p := tracing.NewWithExporter(exp)
	h := httpapi.NewHandler(httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: []string{app}}}, newVerifier(), zap.NewNop(),
		httpapi.WithTracing(httpapi.Tracing{Tracer: p.Tracer("test"), EveryRequest: true}))
	tests := []struct {
		name, method, target string
		preflight            bool
		wantStatus           int
		wantName             string // also http.route, unless "unmatched"
	}{
		{"GET", http.MethodGet, "/api/public", false, 200, "/api/public"},
		{"HEAD", http.MethodHead, "/api/private", false, 401, "/api/private"},
		{"405", http.MethodPost, "/api/public", false, 405, "/api/public"},
		{"405 on a protected route", http.MethodDelete, "/api/private-scoped", false, 405, "/api/private-scoped"},
		{"OPTIONS answered with Allow", http.MethodOptions, "/api/private", false, 204, "/api/private"},
		{"CORS preflight", http.MethodOptions, "/api/private-scoped", true, 204, "/api/private-scoped"},
		{"CORS preflight to no route", http.MethodOptions, "/no/such/1", true, 404, "unmatched"},
		{"unknown method on a route", "PROPFIND", "/api/public", false, 405, "/api/public"},
		{"unknown method on no route", "BREW", "/no/such/2", false, 404, "unmatched"},
		{"404", http.MethodGet, "/no/such/3", false, 404, "unmatched"},
		{"trailing slash", http.MethodGet, "/api/public/", false, 404, "unmatched"},
		{"double slash", http.MethodGet, "//api/public", false, 404, "unmatched"},
		{"escaped letter", http.MethodGet, "/api/%70ublic", false, 404, "unmatched"},
		{"escaped slash", http.MethodGet, "/api%2Fpublic", false, 404, "unmatched"},
		{"upper case", http.MethodGet, "/API/PUBLIC", false, 404, "unmatched"},
		{"query", http.MethodGet, "/api/public?q=/no/such/4", false, 200, "/api/public"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp.Reset()
			req := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.preflight {
				req.Header.Set("Origin", app)
				req.Header.Set("Access-Control-Request-Method", http.MethodGet)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("got status %d, want %d", rec.Code, tt.wantStatus)
			}
			s := onlySpan(t, exp)
			if s.Name != tt.wantName {
				t.Errorf("got span name %q, want %q", s.Name, tt.wantName)
			}
			route, hasRoute := stringAttr(s, "http.route")
			switch {
			case tt.wantName == "unmatched" && hasRoute:
				t.Errorf("got http.route %q, want none: no route matched", route)
			case tt.wantName != "unmatched" && route != tt.wantName:
				t.Errorf("got http.route %q, want %q", route, tt.wantName)
			}
		})
	}
}
