package tracing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/tracing"
	"github.com/example/messages-api/internal/adapters/tracing/tracingtest"
)

// TestNoExporterStillGivesIDs: without an exporter a span is never sampled
// (nothing is recorded or sent) but has its own span id for the logs.
func TestNoExporterStillGivesIDs(t *testing.T) {
	p, err := tracing.New(context.Background(), tracing.Config{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if p.Exporting() {
		t.Fatal("got exporting, want not")
	}
	_, span := p.Tracer("test").Start(context.Background(), "x")
	defer span.End()
	if sc := span.SpanContext(); !sc.SpanID().IsValid() || sc.IsSampled() || span.IsRecording() {
		t.Errorf("got span id %s sampled=%v recording=%v, want an id, unsampled, not recording", sc.SpanID(), sc.IsSampled(), span.IsRecording())
	}
}

// TestShutdownFlushes: stopping the app sends the spans still queued to
// the OTLP endpoint named by the standard variable.
func TestShutdownFlushes(t *testing.T) {
	var posts atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			posts.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000") // only the shutdown can send it
	cfg, err := tracing.ConfigFromEnv(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}[k]
	})
	if err != nil || !cfg.Export {
		t.Fatalf("got export=%v err=%v, want export", cfg.Export, err)
	}
	var p *tracing.Provider
	app := fxtest.New(t, fx.Supply(cfg, zaptest.NewLogger(t)), tracing.Module, fx.Populate(&p))
	app.RequireStart()
	_, span := p.Tracer("test").Start(context.Background(), "/api/public")
	span.End()
	if n := posts.Load(); n != 0 {
		t.Fatalf("got %d exports before shutdown, want the span still batched", n)
	}
	app.RequireStop()
	if n := posts.Load(); n != 1 {
		t.Errorf("got %d exports after shutdown, want 1", n)
	}
}

// TestShutdownWithAHangingCollector: a collector that accepts and never
// answers (the exporter retries for up to a minute) costs the stop no more
// than the flush budget, and the stop still succeeds with a warning, so the
// hooks stopped after it keep their share of the stop timeout.
func TestShutdownWithAHangingCollector(t *testing.T) {
	collector := tracingtest.HangingCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+collector)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000") // only the shutdown sends
	core, logs := observer.New(zap.WarnLevel)
	p, err := tracing.New(context.Background(), tracing.Config{Export: true, FlushTimeout: 50 * time.Millisecond}, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	_, span := p.Tracer("test").Start(context.Background(), "/api/public")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("got error %v, want none: lost spans are a warning, not a failed stop", err)
	}
	if ctx.Err() != nil {
		t.Errorf("got the stop's whole minute spent, want the flush budget")
	}
	if got := logs.FilterMessage("trace flush cut short: queued spans are lost").Len(); got != 1 {
		t.Errorf("got %d flush warnings, want 1 (logs: %v)", got, logs.All())
	}
}

// TestEndpointShown: the startup log says where spans go, as the exporter
// will resolve it from the variables, without credentials.
func TestEndpointShown(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "http://collector:4318/v1/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/otel/"}, "http://collector:4318/otel/v1/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b/traces"}, "https://b/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b"}, "https://b/"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, "https://localhost:4318/v1/traces"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_INSECURE": "true"}, "http://localhost:4318/v1/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c", "OTEL_EXPORTER_OTLP_INSECURE": "true", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "false"}, "https://c/v1/traces"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_INSECURE": " tRuE "}, "http://localhost:4318/v1/traces"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			c, err := tracing.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if err != nil || c.Endpoint != tt.want {
				t.Errorf("got endpoint %q, error %v; want %q", c.Endpoint, err, tt.want)
			}
		})
	}
}
