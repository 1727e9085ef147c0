package httpapi

import (
	"context"
	"encoding/hex"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing makes this service's span for each traced request (W3C Trace
// Context). A request is traced when it carries a valid traceparent, or
// always when EveryRequest is set (spans are exported).
type Tracing struct {
	Tracer       trace.Tracer
	EveryRequest bool
}

// WithTracing traces requests with t; without it, nothing is traced.
func WithTracing(t Tracing) Option { return func(h *handler) { h.tracing = t } }

// ReasonAttribute is the span attribute holding the rejection reason, the
// same stable code as the access line's reason.
const ReasonAttribute = attribute.Key("messages_api.reason")

// traceContext parses traceparent and tracestate per W3C Trace Context
// (version ff, all-zero ids, wrong lengths and upper-case hex are invalid).
var traceContext = propagation.TraceContext{}

// parentSpan is the valid remote parent in r's traceparent, if any. More
// than one traceparent header is invalid: combined into one value, as
// RFC 9110 §5.3 allows a proxy to do, they would not parse either.
func parentSpan(ctx context.Context, r *http.Request) context.Context {
	if len(r.Header["Traceparent"]) != 1 {
		return ctx
	}
	return traceContext.Extract(ctx, propagation.HeaderCarrier(r.Header))
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
		if _, ok := r.Header["Traceparent"]; !ok {
			return ctx
		}
	}
	ctx = parentSpan(ctx, r)
	if !h.tracing.EveryRequest && !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx // an invalid traceparent is ignored
	}
	// Named after the route once it is known (endSpan); never the raw path,
	// the query or any header: the token must not leave in a span.
	ctx, st.span = h.tracing.Tracer.Start(ctx, "unmatched", trace.WithSpanKind(trace.SpanKindServer))
	sc := st.span.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	hex.Encode(st.traceID[:], tid[:])
	hex.Encode(st.spanID[:], sid[:])
	return ctx
}

// endSpan names the span after the route and records the outcome.
func (h *handler) endSpan(st *requestState) {
	if st.span == nil {
		return
	}
	if st.span.IsRecording() {
		route := st.route
		if route == "" { // an aborted request ends its span before finish names the route
			route = st.routePattern(h.mux)
		}
		st.span.SetName(route)
		st.span.SetAttributes(
			semconv.HTTPRoute(route),
			spanMethod(st.req.Method),
			semconv.HTTPResponseStatusCode(st.status),
		)
		if st.reason != "" {
			st.span.SetAttributes(ReasonAttribute.String(st.reason))
		}
		if st.status >= 500 { // server spans: only 5xx are errors (OTel HTTP semantic conventions)
			st.span.SetStatus(codes.Error, http.StatusText(st.status))
		}
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
