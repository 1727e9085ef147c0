package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
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
		traces  string   // OTEL_EXPORTER_OTLP_TRACES_HEADERS
		keep    string   // what the error field must still hold
	}{
		{"rejected with a short body", http.StatusUnauthorized, "bad key", "", nil, "", ""},
		{"rejected, echoing the request's headers", http.StatusForbidden, "X-Api-Key: HEADERSECRET is not valid", "", nil, "", ""},
		{"rejected with a huge body", http.StatusBadRequest, strings.Repeat("x", 1<<20), "", nil, "", ""},
		// A short header value inside a longer one must not be replaced
		// first: what is left of the longer one would be logged.
		{"one header's value inside another's", http.StatusForbidden, "authorization: Bearer tok3team9SECRET refused",
			"x-scope-orgid=team,authorization=Bearer%20tok3team9SECRET", []string{"tok3", "9SECRET"}, "", ""},
		{"a Basic header's credential echoed alone", http.StatusUnauthorized, "credential QUTHSECRET is not valid", "", nil, "", ""},
		{"a URL-encoded value echoed decoded", http.StatusForbidden, "key K3Y/SECRET refused",
			"x-api-key=K3Y%2FSECRET", []string{"K3Y/SECRET", "SECRET"}, "", ""},
		{"a traces header's value echoed", http.StatusForbidden, "X-Api-Key: TRACESSECRET is not valid",
			"", []string{"HEADERSECRET", "TRACESSECRET"}, "x-api-key=TRACESSECRET", ""},
		{"a value of 4 bytes", http.StatusForbidden, "key K3Y9 refused", "x-api-key=K3Y9", []string{"K3Y9"}, "", ""},
		// Shorter values are no credential: scrubbing them would garble the
		// status and every number in the message.
		{"a value of 3 bytes kept", http.StatusUnauthorized, "", "x-shard=401", []string{"REDACTED"}, "", "401"},
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
			t.Setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", tt.traces)
			t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000") // only the shutdown sends
			cfg, err := tracing.ConfigFromEnv(func(k string) string {
				return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
					"OTEL_EXPORTER_OTLP_HEADERS": tt.headers, "OTEL_EXPORTER_OTLP_TRACES_HEADERS": tt.traces}[k]
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
				if !strings.Contains(msg, tt.keep) {
					t.Errorf("got error field %.300q, want it to hold %s", msg, tt.keep)
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
// one per exportErrorInterval (10 s), not one per batch.
func TestExportFailuresDoNotFlood(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		clock zapcore.Clock
		want  int
	}{
		{"20 failures in the same instant", fixedClock(start), 1},
		// The first at 0 s opens an interval, the one at 10 s the next.
		{"20 failures a second apart", &steppingClock{next: start, step: time.Second}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
			}))
			defer collector.Close()
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
			t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1") // one export per span
			core, logs := observer.New(zap.WarnLevel)
			p, err := tracing.New(context.Background(), tracing.Config{Export: true}, zap.New(core, zap.WithClock(tt.clock)))
			if err != nil {
				t.Fatal(err)
			}
			for range 20 {
				_, span := p.Tracer("test").Start(context.Background(), "/api/public")
				span.End()
			}
			_ = p.Shutdown(context.Background())
			if got := logs.FilterMessage("trace export failed").Len(); got != tt.want {
				t.Errorf("got %d export warnings, want %d", got, tt.want)
			}
		})
	}
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time                         { return time.Time(c) }
func (c fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// steppingClock reads step later at each call: one warning, one tick.
type steppingClock struct {
	mu   sync.Mutex
	next time.Time
	step time.Duration
}

func (c *steppingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.next
	c.next = now.Add(c.step)
	return now
}

func (c *steppingClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }
