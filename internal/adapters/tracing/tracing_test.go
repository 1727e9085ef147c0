package tracing_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
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

// TestWithExporterRecordsEverySpan: the test double's provider exports, so
// the API traces every request, and hands each span to its exporter at once.
func TestWithExporterRecordsEverySpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	p := tracing.NewWithExporter(exp)
	if !p.Exporting() || !p.HonoursParent() {
		t.Errorf("got exporting=%v honoursParent=%v, want both", p.Exporting(), p.HonoursParent())
	}
	_, span := p.Tracer("test").Start(context.Background(), "/api/public")
	span.End()
	if got := len(exp.GetSpans()); got != 1 {
		t.Errorf("got %d spans exported, want 1", got)
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
	core, logs := observer.New(zap.InfoLevel)
	log := zap.New(zapcore.NewTee(zaptest.NewLogger(t).Core(), core))
	app := fxtest.New(t, fx.Supply(cfg, log), tracing.Module, fx.Populate(&p))
	app.RequireStart()
	t.Cleanup(app.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
	started := logs.FilterMessage("exporting traces over OTLP/HTTP").All()
	if len(started) != 1 || started[0].LoggerName != "tracing" || started[0].ContextMap()["endpoint"] != collector.URL+"/v1/traces" {
		t.Errorf("got %v, want one line from tracing naming the endpoint %s/v1/traces", started, collector.URL)
	}
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

// TestServiceName: the exported spans' service.name is messages-api unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES says otherwise (the former
// winning, as the spec has it).
func TestServiceName(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unset: the default", nil, tracing.ServiceName},
		{"OTEL_SERVICE_NAME", map[string]string{"OTEL_SERVICE_NAME": "orders"}, "orders"},
		{"OTEL_RESOURCE_ATTRIBUTES", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.name=billing"}, "billing"},
		{"both: OTEL_SERVICE_NAME wins", map[string]string{"OTEL_SERVICE_NAME": "orders", "OTEL_RESOURCE_ATTRIBUTES": "service.name=billing"}, "orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			collector, exports := tracingtest.RecordingCollector(t)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
			for _, k := range []string{"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"} {
				t.Setenv(k, tt.env[k])
			}
			p, err := tracing.New(context.Background(), tracing.Config{Export: true}, zap.NewNop())
			if err != nil {
				t.Fatal(err)
			}
			_, span := p.Tracer("test").Start(context.Background(), "/api/public")
			span.End()
			_ = p.Shutdown(context.Background()) // flushes: the export has been answered
			bodies := exports()
			if len(bodies) != 1 {
				t.Fatalf("got %d exports, want 1", len(bodies))
			}
			if got := serviceName(bodies[0]); got != tt.want {
				t.Errorf("got service.name %q, want %q", got, tt.want)
			}
		})
	}
}

// serviceName reads the service.name resource attribute from an OTLP
// export request, protobuf-encoded: the KeyValue's key (field 1, 12 bytes)
// then its AnyValue (field 2) holding a string_value (field 1) of under
// 128 bytes. "" if there is none.
func serviceName(body []byte) string {
	key := []byte("\x0a\x0cservice.name\x12")
	i := bytes.Index(body, key)
	if i < 0 {
		return ""
	}
	v := body[i+len(key):] // the AnyValue's length, then its field
	if len(v) < 3 || v[1] != 0x0a || int(v[2]) > len(v)-3 {
		return ""
	}
	return string(v[3 : 3+int(v[2])])
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
	warned := logs.FilterMessage("trace flush cut short: queued spans are lost").All()
	if len(warned) != 1 {
		t.Fatalf("got %d flush warnings, want 1 (logs: %v)", len(warned), logs.All())
	}
	if got := warned[0].ContextMap()["flush_timeout"]; got != 50*time.Millisecond {
		t.Errorf("got flush_timeout %v on the warning, want the configured 50ms", got)
	}
}

// TestCutFlushLeavesNoExport: once a flush to a collector that never
// answers is cut short, the export still in flight is abandoned with it:
// its connection is closed when Shutdown returns, not when the exporter's
// own timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10s) and the batcher's give up,
// and no goroutine of the provider runs after it.
func TestCutFlushLeavesNoExport(t *testing.T) {
	ignore := goleak.IgnoreCurrent()                   // by id: goroutines of earlier tests do not count
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // registered first, so it runs after the test's own cleanups
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	posted, hungUp := make(chan struct{}, 1), make(chan struct{}, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := c.Read(make([]byte, 1)); err == nil {
			posted <- struct{}{} // the export's request has begun; it is never answered
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Minute)) // a hang detector, far above the 2s below
		if _, err := io.Copy(io.Discard, c); err == nil {
			hungUp <- struct{}{}
		}
	}()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+ln.Addr().String())
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000") // only the shutdown sends
	p, err := tracing.New(context.Background(), tracing.Config{Export: true, FlushTimeout: time.Minute}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	_, span := p.Tracer("test").Start(context.Background(), "/api/public")
	span.End()
	// The stop's context, not the flush budget, cuts the flush: once the
	// export is on the wire, so that nothing races its start.
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- p.Shutdown(ctx) }()
	select {
	case <-posted:
	case <-time.After(time.Minute):
		t.Fatal("got no export at shutdown, want one")
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	select {
	case <-hungUp:
	case <-time.After(2 * time.Second):
		t.Error("got the export's connection still open 2s after Shutdown returned, want it closed with the flush")
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
