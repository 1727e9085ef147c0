package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
)

// TestIgnoreParent: with OTEL_PROPAGATORS=none a valid traceparent is not
// read: without an exporter the request is not traced; with one, its span
// is a root of a trace of this service's own.
func TestIgnoreParent(t *testing.T) {
	tests := []struct {
		name         string
		exporting    bool
		ignoreParent bool
		wantTraceID  string // on the access line; "" for none, "own" for a fresh one
	}{
		{"honoured, not exporting", false, false, traceID},
		{"honoured, exporting", true, false, traceID},
		{"ignored, not exporting: not traced", false, true, ""},
		{"ignored, exporting: a root span", true, true, "own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, exp := tracing.NewWithExporter(nil), (*tracetest.InMemoryExporter)(nil)
			if tt.exporting {
				exp = tracetest.NewInMemoryExporter()
				p = tracing.NewWithExporter(exp)
			}
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core), httpapi.WithTracing(
				httpapi.Tracing{Tracer: p.Tracer("test"), EveryRequest: p.Exporting(), IgnoreParent: tt.ignoreParent}))
			req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
			req.Header.Set("traceparent", traceparent)
			h.ServeHTTP(httptest.NewRecorder(), req)
			got, _ := logs.All()[0].ContextMap()["trace_id"].(string)
			switch tt.wantTraceID {
			case "own":
				if len(got) != 32 || got == traceID {
					t.Errorf("got trace_id %q, want a fresh one", got)
				}
			default:
				if got != tt.wantTraceID {
					t.Errorf("got trace_id %q, want %q", got, tt.wantTraceID)
				}
			}
			if exp != nil {
				if s := onlySpan(t, exp); s.Parent.IsValid() != !tt.ignoreParent {
					t.Errorf("got parent %v, want one: %v", s.Parent.SpanID(), !tt.ignoreParent)
				}
			}
		})
	}
}
