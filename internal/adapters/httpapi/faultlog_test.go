package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/ports"
)

// fixedClock stops zap's clock, so every line falls in one of the sampler's
// seconds and what it keeps is exact.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                         { return c.t }
func (c fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// TestFaultLinesAreSampled: a fault every request hits (a verifier that
// fails in a way the API does not know, a panic) writes its error line, with
// its stack for a panic, as rejections are written: the first 10 in a second,
// then 1 in 100, every one with LogEveryRejection. So does the request's
// access line (reason internal). The request metrics count every one.
func TestFaultLinesAreSampled(t *testing.T) {
	const n = 250
	failing := newVerifier()
	failing.Fail(errors.New("verifier bug"))
	tests := []struct {
		name     string
		verifier ports.TokenVerifier
		msg      string
		every    bool
		want     int // lines of msg, and access lines, out of n
	}{
		{"verifier error, sampled", failing, "request failed", false, 12}, // 1..10, 110, 210
		{"verifier error, every one", failing, "request failed", true, n},
		{"panic, sampled", panicVerifier{}, "panic serving request", false, 12},
		{"panic, every one", panicVerifier{}, "panic serving request", true, n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			reg := prometheus.NewRegistry()
			m, err := httpapi.NewMetrics(reg)
			if err != nil {
				t.Fatal(err)
			}
			log := zap.New(core, zap.WithClock(fixedClock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}))
			h := httpapi.NewHandler(httpapi.HandlerConfig{LogEveryRejection: tt.every}, tt.verifier, log, httpapi.WithMetrics(m))
			for range n {
				req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
				req.Header.Set("Authorization", "Bearer "+readToken)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusInternalServerError {
					t.Fatalf("got status %d, want 500", rec.Code)
				}
			}
			if got := logs.FilterMessage(tt.msg).Len(); got != tt.want {
				t.Errorf("got %d %q lines for %d faults, want %d", got, tt.msg, n, tt.want)
			}
			access := logs.FilterMessage("request rejected").Filter(func(e observer.LoggedEntry) bool {
				return e.ContextMap()["reason"] == "internal"
			})
			if got := access.Len(); got != tt.want {
				t.Errorf("got %d access lines with reason internal for %d faults, want %d", got, n, tt.want)
			}
			if got := logs.FilterMessage("request").Len(); got != 0 {
				t.Errorf("got %d unsampled access lines, want none", got)
			}
			if got := requestCount(t, reg, "/api/private", "500"); got != n {
				t.Errorf("got %v requests counted with status 500, want %d", got, n)
			}
		})
	}
}

// requestCount is the request counter's value for route and status.
func requestCount(t *testing.T, reg *prometheus.Registry, route, status string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != "messages_api_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == route && labels["status"] == status {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
