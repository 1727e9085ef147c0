package config_test

import (
	"slices"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestEffectiveTraceparent: the startup line says whether a caller's
// traceparent is read, which OTEL_PROPAGATORS decides, so an operator
// wondering why no access line has a trace_id can see it there.
func TestEffectiveTraceparent(t *testing.T) {
	for _, tt := range []struct {
		propagators string
		want        bool
	}{
		{"", true},
		{"tracecontext", true},
		{"baggage,tracecontext", true},
		{"none", false},
		{"baggage", false},
	} {
		t.Run("OTEL_PROPAGATORS="+tt.propagators, func(t *testing.T) {
			environ := slices.Clone(base)
			if tt.propagators != "" {
				environ = append(environ, "OTEL_PROPAGATORS="+tt.propagators)
			}
			c, err := config.Load(false, "", environ)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Effective()["tracing.traceparent"]; got != tt.want {
				t.Errorf("got tracing.traceparent %v, want %v", got, tt.want)
			}
		})
	}
}
