package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/example/messages-api/internal/adapters/tracing"
	"github.com/example/messages-api/internal/ports"
)

// TestSpanOfAFault: a request that panics, or is aborted, still ends its
// span, named after its route: a panic's as a 500 and an error; an
// aborted one's as an error without a status code, since none was sent
// (OTel HTTP semantic conventions: http.response.status_code only when
// sent; error.type a low-cardinality identifier when the request failed
// before its response).
func TestSpanOfAFault(t *testing.T) {
	tests := []struct {
		name       string
		verifier   ports.TokenVerifier
		wantStatus string // http.response.status_code; "" for none
		wantError  bool
		errorType  string
	}{
		{"a panic", panicVerifier{}, "500", true, "500"},
		{"an abort", abortVerifier{}, "", true, "aborted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			h, _ := tracedHandler(t, tracing.NewWithExporter(exp), tt.verifier)
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			req.Header.Set("Authorization", "Bearer x")
			func() {
				defer func() { _ = recover() }() // the abort goes on to the server
				h.ServeHTTP(httptest.NewRecorder(), req)
			}()
			s := onlySpan(t, exp)
			status, _ := stringAttr(s, "http.response.status_code")
			route, _ := stringAttr(s, "http.route")
			if got := fmt.Sprintf("%s route=%s status=%q error=%v", s.Name, route, status, s.Status.Code == codes.Error); got !=
				fmt.Sprintf("/api/private route=/api/private status=%q error=%v", tt.wantStatus, tt.wantError) {
				t.Errorf("got span %s, want /api/private with status %q and error=%v", got, tt.wantStatus, tt.wantError)
			}
			if got, _ := stringAttr(s, "error.type"); got != tt.errorType {
				t.Errorf("got error.type %q, want %q", got, tt.errorType)
			}
		})
	}
}
