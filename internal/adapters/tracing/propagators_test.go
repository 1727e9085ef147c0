package tracing_test

import (
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/tracing"
)

// TestPropagatorsFromEnv: OTEL_PROPAGATORS decides whether traceparent is
// honoured, exporting or not; a propagator this build does not carry stops
// startup instead of being silently ignored.
func TestPropagatorsFromEnv(t *testing.T) {
	const honour, ignore = "traceparent honoured", "traceparent ignored"
	tests := []struct {
		name string
		env  map[string]string
		want string // honour, ignore, or what the error says
	}{
		{"unset: tracecontext", nil, honour},
		{"blank: tracecontext", map[string]string{"OTEL_PROPAGATORS": " "}, honour},
		{"the spec's default", map[string]string{"OTEL_PROPAGATORS": "tracecontext,baggage"}, honour},
		{"tracecontext in capitals with spaces", map[string]string{"OTEL_PROPAGATORS": " TraceContext , Baggage "}, honour},
		{"none", map[string]string{"OTEL_PROPAGATORS": "none"}, ignore},
		{"none in capitals", map[string]string{"OTEL_PROPAGATORS": "NONE"}, ignore},
		{"baggage alone: no traceparent", map[string]string{"OTEL_PROPAGATORS": "baggage"}, ignore},
		{"none while exporting", otlp("OTEL_PROPAGATORS", "none"), ignore},
		{"none with the SDK disabled", map[string]string{"OTEL_PROPAGATORS": "none", "OTEL_SDK_DISABLED": "true"}, ignore},
		{"trailing comma", map[string]string{"OTEL_PROPAGATORS": "tracecontext,"}, honour},
		{"b3 refused", map[string]string{"OTEL_PROPAGATORS": "b3"}, `OTEL_PROPAGATORS "b3" is not supported: this build reads W3C trace context only`},
		{"b3 beside tracecontext refused", map[string]string{"OTEL_PROPAGATORS": "tracecontext,b3multi"}, `OTEL_PROPAGATORS "tracecontext,b3multi" is not supported`},
		{"jaeger refused while exporting", otlp("OTEL_PROPAGATORS", "jaeger"), `OTEL_PROPAGATORS "jaeger" is not supported`},
		{"xray refused with the SDK disabled", map[string]string{"OTEL_PROPAGATORS": "xray", "OTEL_SDK_DISABLED": "true"}, `OTEL_PROPAGATORS "xray" is not supported`},
		{"misspelt", map[string]string{"OTEL_PROPAGATORS": "trace-context"}, `OTEL_PROPAGATORS "trace-context" is not supported`},
		{"only commas", map[string]string{"OTEL_PROPAGATORS": " , "}, `OTEL_PROPAGATORS " , " names no propagator`},
		{"none with another", map[string]string{"OTEL_PROPAGATORS": "none,tracecontext"}, `OTEL_PROPAGATORS "none,tracecontext" lists none with other propagators`},
		{"none with baggage", map[string]string{"OTEL_PROPAGATORS": "baggage,none"}, `OTEL_PROPAGATORS "baggage,none" lists none with other propagators`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tracing.ConfigFromEnv(func(k string) string { return tt.env[k] })
			got := honour
			switch {
			case err != nil:
				got = err.Error()
			case c.IgnoreParent:
				got = ignore
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
