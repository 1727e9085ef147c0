package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/example/messages-api/internal/adapters/tracing"
)

// TestTraceContextOnTheWire sends trace context headers as a client writes
// them, through a real listener, and pins what the exported span carries:
// the caller's trace id and its tracestate (W3C Trace Context §3.3). The
// cases follow the W3C test suite (test/test.py); spans are sampled (-01)
// so that each one is exported.
func TestTraceContextOnTheWire(t *testing.T) {
	const tp = "00-" + traceID + "-" + parentID + "-01"
	members := func(from, to int) string {
		var m []string
		for i := from; i <= to; i++ {
			m = append(m, fmt.Sprintf("bar%02d=%02d", i, i))
		}
		return strings.Join(m, ",")
	}
	tests := []struct {
		name           string
		headers        [][2]string // in the order sent
		wantParent     bool        // the span continues the caller's trace
		wantTracestate string
	}{
		{"traceparent with leading OWS", [][2]string{{"traceparent", " \t" + tp}}, true, ""},
		{"traceparent with trailing OWS", [][2]string{{"traceparent", tp + " \t"}}, true, ""},
		{"header names in any case", [][2]string{{"TRACEPARENT", tp}, {"TrAcEsTaTe", "foo=1"}}, true, "foo=1"},
		{"tracestate without traceparent", [][2]string{{"tracestate", "foo=1,bar=2"}}, false, ""},
		{"tracestate with an invalid traceparent", [][2]string{{"traceparent", tp + "-"}, {"tracestate", "foo=1"}}, false, ""},
		{"tracestate inherited", [][2]string{{"traceparent", tp}, {"tracestate", "foo=1,bar=2"}}, true, "foo=1,bar=2"},
		{"tracestate OWS", [][2]string{{"traceparent", tp}, {"tracestate", "foo=1 \t , \t bar=2, \t baz=3"}}, true, "foo=1,bar=2,baz=3"},
		{"several tracestate headers combined in order", [][2]string{{"traceparent", tp},
			{"tracestate", "foo=1,bar=2"}, {"tracestate", "rojo=1,congo=2"}, {"tracestate", "baz=3"}}, true, "foo=1,bar=2,rojo=1,congo=2,baz=3"},
		{"empty tracestate first", [][2]string{{"traceparent", tp}, {"tracestate", ""}, {"tracestate", "foo=1"}}, true, "foo=1"},
		{"empty tracestate last", [][2]string{{"traceparent", tp}, {"tracestate", "foo=1"}, {"tracestate", ""}}, true, "foo=1"},
		{"whitespace-only list member", [][2]string{{"traceparent", tp}, {"tracestate", "foo=1, \t ,bar=2,"}}, true, "foo=1,bar=2"},
		{"key duplicated across headers", [][2]string{{"traceparent", tp}, {"tracestate", "foo=1"}, {"tracestate", "foo=2"}}, true, ""},
		{"32 members over four headers", [][2]string{{"traceparent", tp}, {"tracestate", members(1, 10)},
			{"tracestate", members(11, 20)}, {"tracestate", members(21, 30)}, {"tracestate", members(31, 32)}}, true, members(1, 32)},
		{"33 members over four headers", [][2]string{{"traceparent", tp}, {"tracestate", members(1, 10)},
			{"tracestate", members(11, 20)}, {"tracestate", members(21, 30)}, {"tracestate", members(31, 33)}}, true, ""},
		{"key of 257 characters in a second header", [][2]string{{"traceparent", tp}, {"tracestate", "foo=1"},
			{"tracestate", strings.Repeat("z", 257) + "=1"}}, true, ""},
		{"empty value", [][2]string{{"traceparent", tp}, {"tracestate", "foo=,bar=3"}}, true, ""},
		{"upper-case key", [][2]string{{"traceparent", tp}, {"tracestate", "FOO=1"}}, true, ""},
		{"9 KiB of distinct members", [][2]string{{"traceparent", tp}, {"tracestate", members(1, 900)}}, true, ""},
		{"8 KiB of empty members", [][2]string{{"traceparent", tp}, {"tracestate", "foo=1" + strings.Repeat(", ", 4<<10)}}, true, "foo=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			h, _ := tracedHandler(t, tracing.NewWithExporter(exp), nil)
			srv := httptest.NewServer(h)
			if got := rawGet(t, srv.Listener.Addr().String(), tt.headers); got != http.StatusOK {
				t.Errorf("got status %d, want 200", got)
			}
			srv.Close() // waits for the handler: its span has ended
			s := onlySpan(t, exp)
			if got := s.SpanContext.TraceID().String() == traceID && s.Parent.SpanID().String() == parentID; got != tt.wantParent {
				t.Errorf("got trace %s parent %s, want the caller's: %v", s.SpanContext.TraceID(), s.Parent.SpanID(), tt.wantParent)
			}
			if got := s.SpanContext.TraceState().String(); got != tt.wantTracestate {
				t.Errorf("got tracestate %q, want %q", got, tt.wantTracestate)
			}
		})
	}
}

// rawGet sends GET /api/public with headers written exactly as given (a
// client library would trim or merge them) and returns the status.
func rawGet(t *testing.T, addr string, headers [][2]string) int {
	t.Helper()
	var b strings.Builder
	b.WriteString("GET /api/public HTTP/1.1\r\nHost: api.test\r\n")
	for _, h := range headers {
		b.WriteString(h[0] + ":" + h[1] + "\r\n")
	}
	resp, _ := sendRaw(t, addr, b.String())
	return resp.StatusCode
}
