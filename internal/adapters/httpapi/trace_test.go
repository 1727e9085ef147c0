package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
	"github.com/example/messages-api/internal/ports"
)

const (
	traceID     = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentID    = "00f067aa0ba902b7"
	traceparent = "00-" + traceID + "-" + parentID + "-01"
)

func tracedHandler(t *testing.T, p *tracing.Provider, v ports.TokenVerifier) (http.Handler, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, v, zap.New(core),
		httpapi.WithTracing(httpapi.Tracing{Tracer: p.Tracer("test"), EveryRequest: p.Exporting()}))
	return h, logs
}

// onlySpan is the one span exp holds.
func onlySpan(t *testing.T, exp *tracetest.InMemoryExporter) tracetest.SpanStub {
	t.Helper()
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	return spans[0]
}

// stringAttr is s's attribute key as a string, and whether s has it.
func stringAttr(s tracetest.SpanStub, key attribute.Key) (string, bool) {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.String(), true
		}
	}
	return "", false
}

// TestTraceparent pins which traceparent values are honoured (W3C Trace
// Context §3.2): an honoured one puts its trace id and this service's own
// span id on the access line; any other is ignored.
func TestTraceparent(t *testing.T) {
	tests := []struct {
		name   string
		values []string // traceparent header values
		want   bool     // trace ids on the access line
	}{
		{"valid, sampled", []string{traceparent}, true},
		{"valid, not sampled", []string{"00-" + traceID + "-" + parentID + "-00"}, true},
		{"future version with extra fields", []string{"cc-" + traceID + "-" + parentID + "-01-what-the-future-holds"}, true},
		{"absent", nil, false},
		{"empty", []string{""}, false},
		{"version ff", []string{"ff-" + traceID + "-" + parentID + "-01"}, false},
		{"version 00 with extra field", []string{traceparent + "-extra"}, false},
		{"version 00 with an empty extra field", []string{traceparent + "-"}, false},
		{"version 00 with a trailing character", []string{traceparent + "."}, false},
		{"future version with an empty extra field", []string{"cc-" + traceID + "-" + parentID + "-01-"}, true},
		{"future version, flags not followed by a dash", []string{"cc-" + traceID + "-" + parentID + "-01.what-the-future-holds"}, false},
		{"future version with reserved flag bits", []string{"cc-" + traceID + "-" + parentID + "-09"}, true},
		{"version fe", []string{"fe-" + traceID + "-" + parentID + "-01"}, true},
		{"upper-case version", []string{"CC-" + traceID + "-" + parentID + "-01"}, false},
		{"random flag (Level 2)", []string{"00-" + traceID + "-" + parentID + "-02"}, true},
		{"flags too long", []string{"00-" + traceID + "-" + parentID + "-001"}, false},
		{"flags not hex", []string{"00-" + traceID + "-" + parentID + "-.0"}, false},
		{"version too long", []string{"000-" + traceID + "-" + parentID + "-01"}, false},
		{"version 00 with 8 KiB after it", []string{traceparent + "-" + strings.Repeat("a", 8<<10)}, false},
		{"future version with 8 KiB of extra fields", []string{"cc-" + traceID + "-" + parentID + "-01-" + strings.Repeat("a-", 4<<10)}, true},
		{"version 00 with reserved flag bits", []string{"00-" + traceID + "-" + parentID + "-09"}, false},
		{"all-zero trace id", []string{"00-00000000000000000000000000000000-" + parentID + "-01"}, false},
		{"all-zero parent id", []string{"00-" + traceID + "-0000000000000000-01"}, false},
		{"trace id too short", []string{"00-" + traceID[:31] + "-" + parentID + "-01"}, false},
		{"trace id too long", []string{"00-" + traceID + "0-" + parentID + "-01"}, false},
		{"parent id too short", []string{"00-" + traceID + "-" + parentID[:15] + "-01"}, false},
		{"parent id too long", []string{"00-" + traceID + "-" + parentID + "0-01"}, false},
		{"flags one digit", []string{"00-" + traceID + "-" + parentID + "-1"}, false},
		{"version one digit", []string{"0-" + traceID + "-" + parentID + "-01"}, false},
		{"upper-case trace id", []string{"00-" + strings.ToUpper(traceID) + "-" + parentID + "-01"}, false},
		{"upper-case parent id", []string{"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"}, false},
		{"non-hex character", []string{"00-" + traceID[:31] + "g-" + parentID + "-01"}, false},
		{"wrong delimiter", []string{"00_" + traceID + "_" + parentID + "_01"}, false},
		{"surrounding spaces inside", []string{"00- " + traceID + "-" + parentID + "-01"}, false},
		{"two headers", []string{traceparent, traceparent}, false},
		{"a hundred headers", slices.Repeat([]string{traceparent}, 100), false},
		{"an empty header and a valid one", []string{"", traceparent}, false},
		{"two values joined by a proxy", []string{traceparent + "," + traceparent}, false},
		{"a future version's two values joined", []string{"cc-" + traceID + "-" + parentID + "-01," + traceparent}, false},
	}
	h, logs := tracedHandler(t, tracing.NewWithExporter(nil), nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.TakeAll()
			req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
			for _, v := range tt.values {
				req.Header.Add("traceparent", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			line := logs.TakeAll()[0].ContextMap()
			gotTrace, hasTrace := line["trace_id"]
			gotSpan, hasSpan := line["span_id"]
			if !tt.want {
				if hasTrace || hasSpan {
					t.Errorf("got trace_id=%v span_id=%v, want none", gotTrace, gotSpan)
				}
				return
			}
			wantTrace := strings.Split(tt.values[0], "-")[1]
			if gotTrace != wantTrace {
				t.Errorf("got trace_id %v, want %s", gotTrace, wantTrace)
			}
			if s, _ := gotSpan.(string); len(s) != 16 || s == parentID || s == "0000000000000000" {
				t.Errorf("got span_id %v, want this service's own 16 hex digits", gotSpan)
			}
		})
	}
}

// TestTraceIDsOnEveryLine: a line written during the request, not only
// the access line, carries the trace ids.
func TestTraceIDsOnEveryLine(t *testing.T) {
	v := newVerifier()
	v.Fail(ports.ErrKeysUnavailable) // logs "keys unavailable" during the request
	h, logs := tracedHandler(t, tracing.NewWithExporter(nil), v)
	req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
	req.Header.Set("Authorization", "Bearer "+readToken)
	req.Header.Set("traceparent", traceparent)
	h.ServeHTTP(httptest.NewRecorder(), req)
	entries := logs.All()
	if len(entries) != 2 {
		t.Fatalf("got %d lines, want the warning and the access line", len(entries))
	}
	var spanIDs []any
	for _, e := range entries {
		m := e.ContextMap()
		if m["trace_id"] != traceID {
			t.Errorf("%q: got trace_id %v, want %s", e.Message, m["trace_id"], traceID)
		}
		spanIDs = append(spanIDs, m["span_id"])
	}
	if spanIDs[0] != spanIDs[1] {
		t.Errorf("got span ids %v, want one span for the request", spanIDs)
	}
}

// TestSpans pins what is exported: the span is named after the route
// pattern, carries the status and the reason code, and never the token,
// the raw path or the query.
func TestSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	h, _ := tracedHandler(t, tracing.NewWithExporter(exp), newVerifier())
	tests := []struct {
		target, token, traceparent string
		wantName                   string
		wantAttrs                  map[attribute.Key]attribute.Value
		wantError                  bool
	}{
		{"/api/public", "", traceparent, "/api/public", map[attribute.Key]attribute.Value{
			"http.route": attribute.StringValue("/api/public"), "http.request.method": attribute.StringValue("GET"),
			"http.response.status_code": attribute.IntValue(200)}, false},
		{"/api/public?access_token=secret-in-query", "", "", "/api/public", map[attribute.Key]attribute.Value{
			"http.response.status_code": attribute.IntValue(200)}, false},
		{"/api/private", "junk-token-value", "", "/api/private", map[attribute.Key]attribute.Value{
			"http.route": attribute.StringValue("/api/private"), "http.response.status_code": attribute.IntValue(401),
			httpapi.ReasonAttribute: attribute.StringValue("malformed")}, false},
		{"/api/private-scoped", readToken, traceparent, "/api/private-scoped", map[attribute.Key]attribute.Value{
			"http.response.status_code": attribute.IntValue(200)}, false},
		{"/no/such/path/12345", "", "", "unmatched", map[attribute.Key]attribute.Value{
			"http.response.status_code": attribute.IntValue(404)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			exp.Reset()
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			if tt.traceparent != "" {
				req.Header.Set("traceparent", tt.traceparent)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			s := onlySpan(t, exp) // every request is traced when exporting
			if s.Name != tt.wantName {
				t.Errorf("got span name %q, want %q", s.Name, tt.wantName)
			}
			if tt.traceparent != "" && (s.SpanContext.TraceID().String() != traceID || s.Parent.SpanID().String() != parentID) {
				t.Errorf("got trace %s parent %s, want %s %s", s.SpanContext.TraceID(), s.Parent.SpanID(), traceID, parentID)
			}
			got := map[attribute.Key]attribute.Value{}
			for _, a := range s.Attributes {
				got[a.Key] = a.Value
				if v := a.Value.String(); strings.Contains(v, "token") || strings.Contains(v, "secret") || strings.Contains(v, "12345") {
					t.Errorf("attribute %s=%s holds the token, the query or the raw path", a.Key, v)
				}
			}
			for k, want := range tt.wantAttrs {
				if got[k] != want {
					t.Errorf("got %s=%v, want %v", k, got[k].String(), want.String())
				}
			}
			if (s.Status.Code == codes.Error) != tt.wantError {
				t.Errorf("got span status %v, want error=%v", s.Status.Code, tt.wantError)
			}
		})
	}
}

// TestSpanErrorStatus: a 5xx marks the span as an error, with error.type
// the status code; a 4xx does not (OTel HTTP semantic conventions for
// server spans).
func TestSpanErrorStatus(t *testing.T) {
	tests := []struct {
		name          string
		fail          error
		wantError     bool
		wantErrorType string // "" for none
	}{
		{"a verifier bug: 500", errors.New("verifier bug"), true, "500"},
		{"keys unavailable: 503", ports.ErrKeysUnavailable, true, "503"},
		{"no failure: 200", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			v := newVerifier()
			v.Fail(tt.fail)
			h, _ := tracedHandler(t, tracing.NewWithExporter(exp), v)
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			req.Header.Set("Authorization", "Bearer "+readToken)
			h.ServeHTTP(httptest.NewRecorder(), req)
			s := onlySpan(t, exp)
			if (s.Status.Code == codes.Error) != tt.wantError || s.Name != "/api/private" {
				t.Errorf("got span %q with status %v, want /api/private with error=%v", s.Name, s.Status.Code, tt.wantError)
			}
			got := ""
			for _, a := range s.Attributes {
				if a.Key == "error.type" {
					got = a.Value.String()
				}
			}
			if got != tt.wantErrorType {
				t.Errorf("got error.type %q, want %q", got, tt.wantErrorType)
			}
		})
	}
}

// TestSpanMethodAttribute: http.request.method is the method when it is
// one the OpenTelemetry HTTP conventions know, and _OTHER (their MUST)
// for any other, never the client's own text.
func TestSpanMethodAttribute(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	h, _ := tracedHandler(t, tracing.NewWithExporter(exp), newVerifier())
	tests := []struct{ method, want string }{
		{http.MethodGet, "GET"},
		{http.MethodHead, "HEAD"},
		{http.MethodOptions, "OPTIONS"},
		{http.MethodTrace, "TRACE"},
		{http.MethodConnect, "CONNECT"},
		{"QUERY", "QUERY"},
		{"PROPFIND", "_OTHER"},
		{"get", "_OTHER"},
		{strings.Repeat("B", 100), "_OTHER"},
	}
	for _, tt := range tests {
		t.Run(tt.method[:min(len(tt.method), 10)], func(t *testing.T) {
			exp.Reset()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, "/api/public", nil))
			if got, _ := stringAttr(onlySpan(t, exp), "http.request.method"); got != tt.want {
				t.Errorf("got http.request.method %q, want %q", got, tt.want)
			}
		})
	}
}
