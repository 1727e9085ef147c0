package tracing

import (
	"fmt"
	"strings"
)

// propagatorsFromEnv reads OTEL_PROPAGATORS (default tracecontext,baggage;
// https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/):
// whether an incoming traceparent is honoured. This service reads W3C
// Trace Context only: tracecontext honours it, and baggage (which nothing
// here reads or passes on) and none are accepted, none alone. Gate: an
// operator's b3, jaeger or xray would otherwise be silently ignored, and
// none would still honour traceparent.
func propagatorsFromEnv(v string) (ignoreParent bool, err error) {
	if strings.TrimSpace(v) == "" {
		return false, nil
	}
	var traceContext, none, other bool
	for p := range strings.SplitSeq(v, ",") {
		switch strings.ToLower(strings.TrimSpace(p)) { // enum values are case-insensitive
		case "tracecontext":
			traceContext = true
		case "baggage":
			other = true
		case "none":
			none = true
		case "":
		default:
			return false, fmt.Errorf("OTEL_PROPAGATORS %q is not supported: this build reads W3C trace context only: use tracecontext, baggage or none", v)
		}
	}
	if !traceContext && !other && !none { // "," would otherwise silently turn traceparent off
		return false, fmt.Errorf("OTEL_PROPAGATORS %q names no propagator: use none to ignore traceparent, or leave it unset", v)
	}
	if none && (traceContext || other) {
		return false, fmt.Errorf("OTEL_PROPAGATORS %q lists none with other propagators: use none alone", v)
	}
	return !traceContext, nil
}
