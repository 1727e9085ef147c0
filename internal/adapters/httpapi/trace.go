package httpapi

import (
	"context"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing makes this service's span for each traced request (W3C Trace
// Context). A request is traced when it carries a valid traceparent, or
// always when EveryRequest is set (spans are exported). With IgnoreParent
// (OTEL_PROPAGATORS=none) traceparent is not read: spans, if any, are roots.
type Tracing struct {
	Tracer       trace.Tracer
	EveryRequest bool
	IgnoreParent bool
}

// WithTracing traces requests with t; without it, nothing is traced.
func WithTracing(t Tracing) Option { return func(h *handler) { h.tracing = t } }

// ReasonAttribute is the span attribute holding the rejection reason, the
// same stable code as the access line's reason.
const ReasonAttribute = attribute.Key("messages_api.reason")

// traceContext parses traceparent and tracestate per W3C Trace Context
// (version ff, all-zero ids, wrong lengths and upper-case hex are invalid).
var traceContext = propagation.TraceContext{}

// traceparentV00Len is the exact length of a version-00 traceparent
// (W3C Trace Context §3.2.2: "00-" 32 hex "-" 16 hex "-" 2 hex).
const traceparentV00Len = 55

// parentSpan is the valid remote parent in r's traceparent, if any. More
// than one traceparent header is invalid: combined into one value, as
// RFC 9110 §5.3 allows a proxy to do, they would not parse either.
func parentSpan(ctx context.Context, r *http.Request) context.Context {
	tp := r.Header["Traceparent"]
	if len(tp) != 1 {
		return ctx
	}
	// Gate: version 00 has no fields after the flags (§3.2.2), but the SDK
	// reads "00-…-01-" (an empty fifth field) as valid.
	if strings.HasPrefix(tp[0], "00") && len(tp[0]) != traceparentV00Len {
		return ctx
	}
	return traceContext.Extract(ctx, traceHeaders(r.Header))
}

// traceHeaders is the carrier the SDK's propagator reads: r's headers, with
// its tracestate fields combined. Gate: the SDK reads only the first
// tracestate field, where W3C Trace Context ("tracestate Header Field
// Values") says several MUST be combined into one list (RFC 9110 §5.3).
type traceHeaders http.Header

// Get returns key's first value; for tracestate, every field's combined.
func (h traceHeaders) Get(key string) string {
	if key == "tracestate" {
		return tracestate(h["Tracestate"])
	}
	return http.Header(h).Get(key)
}

// Set writes the header, for the carrier interface: Extract never calls it.
func (h traceHeaders) Set(key, value string) { http.Header(h).Set(key, value) }

// Keys lists the header names.
func (h traceHeaders) Keys() []string { return propagation.HeaderCarrier(h).Keys() }

// tracestate is the tracestate fields as one list, in order (RFC 9110
// §5.3), without the empty and whitespace-only members that W3C Trace
// Context allows ("list") and the SDK's parser refuses, dropping the whole
// list. Bounded by the header cap.
func tracestate(fields []string) string {
	var b strings.Builder
	for _, f := range fields {
		for m := range strings.SplitSeq(f, ",") {
			if strings.Trim(m, " \t") == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m)
		}
	}
	return b.String()
}

// startSpan starts the request's span when it is traced and returns the
// context to serve it with. A request without traceparent, with no
// exporter running, pays one header lookup.
func (h *handler) startSpan(r *http.Request, st *requestState) context.Context {
	ctx := r.Context()
	if h.tracing.Tracer == nil {
		return ctx
	}
	if !h.tracing.EveryRequest {
		if _, ok := r.Header["Traceparent"]; !ok || h.tracing.IgnoreParent {
			return ctx
		}
	}
	if !h.tracing.IgnoreParent {
		ctx = parentSpan(ctx, r)
	}
	if !h.tracing.EveryRequest && !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx // an invalid traceparent is ignored
	}
	// Named after the route once it is known (endSpan); never the raw path,
	// the query or any header: the token must not leave in a span.
	ctx, st.span = h.tracing.Tracer.Start(ctx, unmatchedRoute, trace.WithSpanKind(trace.SpanKindServer))
	sc := st.span.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	hex.Encode(st.traceID[:], tid[:])
	hex.Encode(st.spanID[:], sid[:])
	return ctx
}

// endSpan names the span after the route and records the outcome;
// aborted is set when the handler aborted the response
// (http.ErrAbortHandler).
func (h *handler) endSpan(st *requestState, aborted bool) {
	if st.span == nil {
		return
	}
	if st.span.IsRecording() {
		route := st.route
		if route == "" { // an aborted request ends its span before finish names the route
			route = st.routePattern(h.mux)
		}
		st.span.SetName(route)
		var attrs [5]attribute.KeyValue // one SetAttributes call: each call's slice is an allocation
		n := 0
		if route != unmatchedRoute { // http.route is the route that matched (OTel HTTP semantic conventions), not our name for none
			attrs[n] = semconv.HTTPRoute(route)
			n++
		}
		attrs[n] = spanMethod(st.req.Method)
		n++
		if st.status != 0 { // only a status sent (OTel HTTP semantic conventions): an aborted request may have none
			attrs[n] = semconv.HTTPResponseStatusCode(st.status)
			n++
		}
		if st.reason != "" {
			attrs[n] = ReasonAttribute.String(st.reason)
			n++
		}
		switch {
		case aborted:
			// Ended before its response did: an error, error.type a
			// low-cardinality identifier (OTel HTTP semantic conventions).
			attrs[n] = semconv.ErrorTypeKey.String("aborted")
			n++
			st.span.SetStatus(codes.Error, "response aborted")
		case st.status >= 500: // server spans: only 5xx are errors, their error.type the status code (OTel HTTP semantic conventions)
			attrs[n] = semconv.ErrorTypeKey.String(strconv.Itoa(st.status))
			n++
			st.span.SetStatus(codes.Error, http.StatusText(st.status))
		}
		st.span.SetAttributes(attrs[:n]...)
	}
	st.span.End()
}

// spanMethod is http.request.method: a method the OpenTelemetry HTTP
// conventions know, or _OTHER for any other (their MUST), never a
// client's own text.
func spanMethod(m string) attribute.KeyValue {
	switch m {
	case http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodOptions,
		http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodTrace, "QUERY":
		return semconv.HTTPRequestMethodKey.String(m)
	}
	return semconv.HTTPRequestMethodOther
}
