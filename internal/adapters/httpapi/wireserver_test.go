package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
)

// This file is the wire tests' loopback server: how they start it, send it
// raw bytes, and read back its logs, metrics and spans.

// wireLog collects the server's JSON log output.
type wireLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *wireLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *wireLog) Sync() error { return nil }

// take returns what was logged since the last take.
func (l *wireLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// wireServer is the API's real server on a loopback port, with what it
// logs, its metrics and its spans.
type wireServer struct {
	addr  string
	logs  *wireLog
	reg   *prometheus.Registry
	spans *tracetest.InMemoryExporter
}

// startWire starts the server with cfg, every request traced, and stops it
// when the test ends.
func startWire(t *testing.T, cfg httpapi.HandlerConfig) *wireServer {
	t.Helper()
	w := &wireServer{logs: &wireLog{}, reg: prometheus.NewRegistry(), spans: tracetest.NewInMemoryExporter()}
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), w.logs, zap.InfoLevel))
	metrics, err := httpapi.NewMetrics(w.reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httpapi.NewServer(httpapi.ServerConfig{Host: "127.0.0.1", Handler: cfg}, newVerifier(), metrics, log,
		httpapi.WithTracing(httpapi.Tracing{Tracer: tracing.NewWithExporter(w.spans).Tracer("test")}))
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	w.addr = srv.Addr().String()
	w.logs.take() // the listening line
	return w
}

// sendRaw writes request on a fresh connection, as given, and reads the
// answer. net/http sends nothing of a response that fits its buffer (every
// answer here, a few hundred bytes) before the handler has returned, so the
// request's access line has been written by then. Closing the connection
// ends the server's wait for a body the client never finishes.
func sendRaw(t *testing.T, addr, request string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // a server that never answers fails the test, not hangs it
	line, rest, _ := strings.Cut(request, "\r\n")
	if _, err := io.WriteString(c, line+"\r\nConnection: close\r\n"+rest); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rest, "\r\n\r\n") && !strings.HasPrefix(rest, "\r\n") {
		_, _ = io.WriteString(c, "\r\n") // the end of the headers, for a request without a body
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: strings.Fields(line)[0]})
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, body
}

// holdsToken reports whether s holds any of the tests' tokens.
func holdsToken(s string) bool {
	for _, tok := range []string{readToken, noneToken, wireSecret, strings.Repeat("a", 64)} {
		if strings.Contains(s, tok) {
			return true
		}
	}
	return false
}

// checkWireLog checks what one request logged: every line one JSON object,
// no token, and one access line (none when net/http answered) with the
// status sent and bounded fields.
func checkWireLog(t *testing.T, out string, tt wireCase, status int) {
	t.Helper()
	if holdsToken(out) {
		t.Errorf("the log holds a token:\n%s", out)
	}
	var access []map[string]any
	for line := range strings.Lines(out) {
		// JSON escapes only U+0000 to U+001F (RFC 8259 §7): DEL and the C1
		// controls would reach a terminal showing the log raw.
		if strings.ContainsFunc(line, func(r rune) bool { return r == 0x7f || 0x80 <= r && r <= 0x9f }) {
			t.Errorf("got a log line with a control character JSON leaves raw: %q", line)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("got a log line that is not one JSON object (%v): %q", err, line)
			continue
		}
		if m["msg"] == "request" || m["msg"] == "request rejected" {
			access = append(access, m)
		}
	}
	if tt.noLine {
		if len(access) != 0 {
			t.Errorf("got %d access lines for a request net/http refused, want none", len(access))
		}
		return
	}
	if len(access) != 1 {
		t.Fatalf("got %d access lines, want 1:\n%s", len(access), out)
	}
	a := access[0]
	if got, _ := a["status"].(float64); int(got) != status {
		t.Errorf("got access line status %v, want %d", a["status"], status)
	}
	if got, _ := a["reason"].(string); got != tt.wantReason {
		t.Errorf("got reason %q, want %q", got, tt.wantReason)
	}
	if tt.wantAddr != "" && a["remote_addr"] != tt.wantAddr {
		t.Errorf("got remote_addr %v, want %s", a["remote_addr"], tt.wantAddr)
	}
	if got := a["trace_id"] == traceID; got != tt.wantTrace {
		t.Errorf("got trace_id %v, want the caller's: %v", a["trace_id"], tt.wantTrace)
	}
	for field, limit := range map[string]int{"request_id": 64, "method": 32, "remote_addr": 45, "user_agent": 256, "route": 64} {
		v, ok := a[field].(string)
		if !ok || len(v) > limit || !utf8.ValidString(v) {
			t.Errorf("got %s %q, want a string of at most %d bytes", field, v, limit)
		}
	}
	if a["request_id"] == "" {
		t.Errorf("got an empty request_id")
	}
}

// checkWireLabels checks the request metrics' labels after every case: route
// patterns and known methods only, whatever the requests were.
func checkWireLabels(t *testing.T, reg *prometheus.Registry) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]map[string]bool{
		"route":  {"/api/public": true, "/api/private": true, "/api/private-scoped": true, "/openapi.json": true, "unmatched": true},
		"method": {"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "other": true},
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := known[l.GetName()]; ok && !want[l.GetValue()] {
					t.Errorf("got %s label %s=%q, want one of %v", f.GetName(), l.GetName(), l.GetValue(), want)
				}
				if holdsToken(l.GetValue()) {
					t.Errorf("got %s label %s holding a token", f.GetName(), l.GetName())
				}
			}
		}
	}
}
