package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/tracing"
)

// TestExportErrorRevealsNoSecret: a failed export is logged without the
// OTLP headers' values (often an API key) or more than a bounded part of
// what the collector answered.
func TestExportErrorRevealsNoSecret(t *testing.T) {
	const headers = "x-api-key=HEADERSECRET,authorization=Basic%20QUTHSECRET"
	tests := []struct {
		name    string
		status  int
		body    string
		headers string   // OTEL_EXPORTER_OTLP_HEADERS; headers when empty
		secrets []string // none of these may be logged; HEADERSECRET and QUTHSECRET when empty
	}{
		{"rejected with a short body", http.StatusUnauthorized, "bad key", "", nil},
		{"rejected, echoing the request's headers", http.StatusForbidden, "X-Api-Key: HEADERSECRET is not valid", "", nil},
		{"rejected with a huge body", http.StatusBadRequest, strings.Repeat("x", 1<<20), "", nil},
		// A short header value inside a longer one must not be replaced
		// first: what is left of the longer one would be logged.
		{"one header's value inside another's", http.StatusForbidden, "authorization: Bearer tok3team9SECRET refused",
			"x-scope-orgid=team,authorization=Bearer%20tok3team9SECRET", []string{"tok3", "9SECRET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer collector.Close()
			endpoint := collector.URL
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
			if tt.headers == "" {
				tt.headers = headers
			}
			if tt.secrets == nil {
				tt.secrets = []string{"HEADERSECRET", "QUTHSECRET"}
			}
			t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", tt.headers)
			t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000") // only the shutdown sends
			cfg, err := tracing.ConfigFromEnv(func(k string) string {
				return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
					"OTEL_EXPORTER_OTLP_HEADERS": tt.headers}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zap.WarnLevel)
			p, err := tracing.New(context.Background(), cfg, zap.New(core))
			if err != nil {
				t.Fatal(err)
			}
			_, span := p.Tracer("test").Start(context.Background(), "/api/public")
			span.End()
			_ = p.Shutdown(context.Background())
			failed := logs.FilterMessage("trace export failed").All()
			if len(failed) == 0 {
				t.Fatalf("got no export failure logged, want one (logs: %v)", logs.All())
			}
			for _, e := range failed {
				msg, _ := e.ContextMap()["error"].(string)
				for _, secret := range tt.secrets {
					if strings.Contains(msg, secret) {
						t.Errorf("got error field %.300q, want it without %s", msg, secret)
					}
				}
				if len(msg) > 1024 {
					t.Errorf("got an error field of %d bytes, want at most 1024", len(msg))
				}
			}
		})
	}
}

// TestExportFailuresDoNotFlood: a collector refusing every export (a wrong
// API key) under load fails one export per batch; the warnings are at most
// one per exportErrorInterval, not one per batch.
func TestExportFailuresDoNotFlood(t *testing.T) {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1") // one export per span
	core, logs := observer.New(zap.WarnLevel)
	stopped := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // every line in the same instant
	p, err := tracing.New(context.Background(), tracing.Config{Export: true}, zap.New(core, zap.WithClock(fixedClock(stopped))))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		_, span := p.Tracer("test").Start(context.Background(), "/api/public")
		span.End()
	}
	_ = p.Shutdown(context.Background())
	if got := logs.FilterMessage("trace export failed").Len(); got != 1 {
		t.Errorf("got %d export warnings within one interval, want 1", got)
	}
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time                         { return time.Time(c) }
func (c fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }
