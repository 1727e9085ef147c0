package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/ports"
)

// TestReasonLabelBounded: a refusal is counted under the port's reason
// code; a code that is not one of them (a verifier other than ours may
// make any up) is counted as "other", so the series stay bounded.
func TestReasonLabelBounded(t *testing.T) {
	tests := []struct {
		name   string
		reason ports.Reason
		want   string
	}{
		{"a port reason", ports.ReasonExpired, "expired"},
		{"the last port reason", ports.ReasonWrongAudience, "wrong_audience"},
		{"a made-up code", "token_from_another_world", "other"},
		{"an empty code", "", "other"},
		{"a port reason in capitals", "EXPIRED", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			metrics, err := httpapi.NewMetrics(reg)
			if err != nil {
				t.Fatal(err)
			}
			refused := authtest.New(nil)
			refused.Fail(ports.Invalid(tt.reason, "refused"))
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			req.Header.Set("Authorization", "Bearer "+readToken)
			rec := httptest.NewRecorder()
			if httpapi.NewHandler(httpapi.HandlerConfig{}, refused, zap.NewNop(), httpapi.WithMetrics(metrics)).ServeHTTP(rec, req); rec.Code != http.StatusUnauthorized {
				t.Errorf("got status %d, want 401", rec.Code)
			}
			if got := verificationLabels(t, reg, "reason"); len(got) != 1 || got[0] != tt.want {
				t.Errorf("got reason labels %q, want [%s]", got, tt.want)
			}
		})
	}
}
