package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/example/messages-api/internal/adapters/tracing"
)

// TestSpanCarriesNothingTheClientSent: whatever the client puts where (a
// token in any scheme or place, its own address, agent, cookies or path),
// none of it reaches the exported span: not its name, attributes, events,
// links, status or resource. Only traceparent and tracestate travel, as
// W3C Trace Context has them.
func TestSpanCarriesNothingTheClientSent(t *testing.T) {
	const secret = "S3CRETeyJhbGciOiJSUzI1NiJ9"
	tests := []struct {
		name, method, target string
		headers              map[string]string
	}{
		{"bearer token", http.MethodGet, "/api/private", map[string]string{"Authorization": "Bearer " + secret}},
		{"bearer token on a public route", http.MethodGet, "/api/public", map[string]string{"Authorization": "Bearer " + secret}},
		{"another scheme", http.MethodGet, "/api/private", map[string]string{"Authorization": "Token " + secret}},
		{"basic credentials", http.MethodGet, "/api/private-scoped", map[string]string{"Authorization": "Basic " + secret}},
		{"token in the query", http.MethodGet, "/api/private?access_token=" + secret, nil},
		{"token in the query of a 404", http.MethodGet, "/no/such?access_token=" + secret, nil},
		{"token as a path segment", http.MethodGet, "/api/" + secret, nil},
		{"token in a 405's path", http.MethodPost, "/api/private/" + secret, nil},
		{"user agent", http.MethodGet, "/api/public", map[string]string{"User-Agent": "app/1.0 " + secret}},
		{"cookie", http.MethodGet, "/api/private", map[string]string{"Cookie": "session=" + secret}},
		{"forwarded for", http.MethodGet, "/api/public", map[string]string{"X-Forwarded-For": secret}},
		{"request id", http.MethodGet, "/api/public", map[string]string{"X-Request-Id": secret}},
		{"unknown method", "S3CRET", "/api/public", nil},
		{"origin", http.MethodOptions, "/api/private", map[string]string{"Origin": "https://" + secret + ".example",
			"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": secret}},
	}
	exp := tracetest.NewInMemoryExporter()
	h, _ := tracedHandler(t, tracing.NewWithExporter(exp), newVerifier())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp.Reset()
			req := httptest.NewRequest(tt.method, tt.target, nil)
			req.Header.Set("traceparent", traceparent)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			b, err := json.Marshal(onlySpan(t, exp))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); strings.Contains(got, "S3CRET") {
				t.Errorf("got span %s, want nothing the client sent in it", got)
			}
		})
	}
}
