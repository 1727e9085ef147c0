package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/adapters/tracing"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantExport bool
		wantErr    string
	}{
		{"nothing set: no exporter", nil, false, ""},
		{"endpoint set", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true, ""},
		{"traces endpoint set", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true, ""},
		{"exporter otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, ""},
		{"exporter none wins over an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false, ""},
		{"SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false, ""},
		{"http/protobuf", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, true, ""},
		{"grpc refused", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, "protocol"},
		{"traces protocol wins", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, true, ""},
		{"console refused", map[string]string{"OTEL_TRACES_EXPORTER": "console"}, false, "OTEL_TRACES_EXPORTER"},
		{"zipkin refused", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, "OTEL_TRACES_EXPORTER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tracing.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.Export != tt.wantExport {
				t.Errorf("got export=%v err=%v, want export=%v", c.Export, err, tt.wantExport)
			}
		})
	}
}

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
