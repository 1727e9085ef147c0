package app_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing/tracingtest"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/apptest"
)

const testTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// TestPropagatorsWiring: OTEL_PROPAGATORS reaches the API: none stops a
// valid traceparent from being read, exporting or not.
func TestPropagatorsWiring(t *testing.T) {
	collector := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})) // 200 to every export
	defer collector.Close()
	tests := []struct {
		name        string
		env         []string
		wantTraceID string // "" for none, "own" for one of this service's
	}{
		{"unset: honoured", nil, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"the spec's default: honoured", []string{"OTEL_PROPAGATORS=tracecontext,baggage"}, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"none: not traced", []string{"OTEL_PROPAGATORS=none"}, ""},
		{"none, exporting: a trace of its own", []string{"OTEL_PROPAGATORS=none", "OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL}, "own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := apptest.Start(t, authtest.New(nil), otelEnv(t, tt.env...)...)

			id := getTraced(t, a.API+"/api/public", testTraceparent)
			lines := a.RequestLogs(id).All()
			if len(lines) != 1 {
				t.Fatalf("got %d lines for the request, want its access line", len(lines))
			}
			got, _ := lines[0].ContextMap()["trace_id"].(string)
			switch {
			case tt.wantTraceID == "own" && (len(got) != 32 || got == "4bf92f3577b34da6a3ce929d0e0e4736"):
				t.Errorf("got trace_id %q, want a fresh one", got)
			case tt.wantTraceID != "own" && got != tt.wantTraceID:
				t.Errorf("got trace_id %q, want %q", got, tt.wantTraceID)
			}
		})
	}
}

// TestUnreachableCollectorNeverHoldsRequests: with the collector never
// answering or refusing every connection, and the span queue holding one
// span, every request is still answered (spans past the queue are dropped,
// not waited for) and the app stops within its stop timeout, the flush
// cut short at its budget.
func TestUnreachableCollectorNeverHoldsRequests(t *testing.T) {
	tests := []struct {
		name     string
		endpoint func(*testing.T) string // host:port
	}{
		{"accepts and never answers", func(t *testing.T) string { return tracingtest.HangingCollector(t) }},
		{"refuses connections", closedPort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := otelEnv(t, "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+tt.endpoint(t),
				"OTEL_BSP_MAX_QUEUE_SIZE=1", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=1", "OTEL_BSP_SCHEDULE_DELAY=1")
			cfg, err := config.Load(false, "", append(apptest.Environ(), env...))
			if err != nil {
				t.Fatal(err)
			}
			// Observed only: the export the stop cut short ends, and is
			// logged, after the stop, which a test's own log would refuse
			// once it ended.
			core, logs := observer.New(zap.InfoLevel)
			var srv *httpapi.Server
			a := fxtest.New(t, app.Options(cfg, zap.New(core), authtest.Module(authtest.New(nil))), fx.Populate(&srv))
			a.RequireStart()
			t.Cleanup(a.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
			for range 50 {
				getTraced(t, "http://"+srv.Addr().String()+"/api/public", testTraceparent)
			}
			a.RequireStop() // fails the test if the stop returns an error or runs past its timeout
			if n := logs.FilterMessage("request").Len(); n != 50 {
				t.Errorf("got %d access lines, want 50", n)
			}
		})
	}
}

// TestSpansOfTheDrainAreFlushed: a request still in flight when the stop
// begins ends during the API's drain, and its span is among those flushed
// at the stop: the trace flush comes after the API has drained.
func TestSpansOfTheDrainAreFlushed(t *testing.T) {
	collector, exports := tracingtest.RecordingCollector(t)
	v := testVerifier()
	gate := v.Hold()
	defer gate.Release()
	a := apptest.Start(t, v, otelEnv(t, "OTEL_EXPORTER_OTLP_ENDPOINT="+collector,
		"OTEL_BSP_SCHEDULE_DELAY=600000")...) // only the stop's flush sends
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, a.API+"/api/private", nil)
		req.Header.Set("Authorization", "Bearer nobody")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- -1
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	gate.Arrived(t, 1)
	stopped := make(chan struct{})
	go func() { a.Stop(); close(stopped) }()
	waitFor(t, func() bool { return dialRefused(strings.TrimPrefix(a.API, "http://")) }, "listener closed")
	gate.Release()
	<-stopped
	if s := <-answered; s != http.StatusOK {
		t.Fatalf("got status %d for the request in flight, want 200", s)
	}
	if bodies := exports(); len(bodies) != 1 || !bytes.Contains(bodies[0], []byte("/api/private")) {
		t.Errorf("got %d exports, want one holding the span of the request in flight, /api/private", len(bodies))
	}
}

// otelEnv sets the KEY=VALUE pairs kv in the process environment too, for
// the test's time, and returns them for apptest.Start: the config checks
// the environment it is given, the SDK reads the process's.
func otelEnv(t *testing.T, kv ...string) []string {
	for _, p := range kv {
		k, v, _ := strings.Cut(p, "=")
		t.Setenv(k, v)
	}
	return kv
}

// closedPort is a loopback address where nothing listens: connections
// to it are refused.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// getTraced sends GET url with traceparent and returns the response's
// X-Request-Id; a request not answered within a minute fails the test
// (a guard against a hang, not a measure).
func getTraced(t *testing.T, url, traceparent string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("traceparent", traceparent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("got %v, want an answer", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	return resp.Header.Get("X-Request-Id")
}
