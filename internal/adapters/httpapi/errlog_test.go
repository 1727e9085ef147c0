package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/ports"
)

// TestFailureLinesCarryTheVerifierError: the line logged for a verifier
// failure holds the verifier's own error, not go-jwt-middleware's wrapping
// of it ("jwt invalid: ..."), which would call a tenant outage an invalid
// token, and no stack trace. "Bearer" alone reaches the verifier from the middleware's token
// extractor, whose errors it wraps too ("error extracting token: ...").
func TestFailureLinesCarryTheVerifierError(t *testing.T) {
	tests := []struct {
		name      string
		fail      error
		auth      string
		wantMsg   string
		wantError string
	}{
		{"keys unavailable", ports.ErrKeysUnavailable, "Bearer " + readToken, "keys unavailable", "verification keys unavailable"},
		{"a verifier bug", errors.New("verifier bug"), "Bearer " + readToken, "request failed", "verifier bug"},
		{"keys unavailable, Bearer alone", ports.ErrKeysUnavailable, "Bearer", "keys unavailable", "verification keys unavailable"},
		{"a verifier bug, Bearer alone", errors.New("verifier bug"), "Bearer ", "request failed", "verifier bug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			v := newVerifier()
			v.Fail(tt.fail)
			// Stack traces at error level, as the service's own logger has.
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, v, zap.New(core, zap.AddStacktrace(zap.ErrorLevel)))
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			req.Header.Set("Authorization", tt.auth)
			h.ServeHTTP(httptest.NewRecorder(), req)
			lines := logs.FilterMessage(tt.wantMsg).All()
			if len(lines) != 1 {
				t.Fatalf("got %d %q lines, want 1", len(lines), tt.wantMsg)
			}
			if got := lines[0].ContextMap()["error"]; got != tt.wantError {
				t.Errorf("got error %q, want %q", got, tt.wantError)
			}
			// It would be the logging call's stack, never the fault's.
			if lines[0].Stack != "" {
				t.Errorf("got a stack trace on the %q line, want none:\n%s", tt.wantMsg, lines[0].Stack)
			}
		})
	}
}

// TestRejectionLines: rejections' access lines are sampled by default (the
// first 10 a second, then 1 in 100), so a flood of bad tokens cannot flood
// the logs; LogEveryRejection writes one for each.
func TestRejectionLines(t *testing.T) {
	const n = 50 // well over what the sampler keeps in the second or two this takes
	tests := []struct {
		name     string
		every    bool
		wantAll  bool
		wantDesc string
	}{
		{"sampled by default", false, false, "fewer than every one"},
		{"every one", true, true, "every one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{LogEveryRejection: tt.every}, newVerifier(), zap.New(core))
			for range n {
				req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
				req.Header.Set("Authorization", "Bearer not-a-test-token")
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
			got := logs.FilterMessage("request rejected").Len()
			if (got == n) != tt.wantAll || got == 0 {
				t.Errorf("got %d rejection lines for %d rejections, want %s", got, n, tt.wantDesc)
			}
		})
	}
}

// stepClock is a zapcore.Clock that stands still until a test moves it:
// the sampler counts lines per second of their entries' time.
type stepClock struct{ now atomic.Int64 }

func (c *stepClock) Now() time.Time                         { return time.Unix(0, c.now.Load()) }
func (c *stepClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// TestRejectionSampling pins the sampler's numbers: of the rejection lines
// with one message, the first 10 each second are kept, then one in 100.
// The rows run in order on one handler; at is the clock's time since the
// first row's start.
func TestRejectionSampling(t *testing.T) {
	clock := &stepClock{}
	clock.now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	start := clock.now.Load()
	core, logs := observer.New(zap.InfoLevel)
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core, zap.WithClock(clock)))
	first10 := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name string
		at   time.Duration
		n    int   // rejections sent
		want []int // which of them are logged, from 1
	}{
		{"the first 10, then the 100th after them", 0, 210, append(first10, 110, 210)},
		{"a second later, the first 10 again", time.Second, 11, first10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.now.Store(start + int64(tt.at))
			logs.TakeAll()
			for i := 1; i <= tt.n; i++ {
				req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
				req.Header.Set("Authorization", "Bearer not-a-test-token")
				req.Header.Set("X-Request-Id", strconv.Itoa(i))
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
			var got []int
			for _, e := range logs.FilterMessage("request rejected").All() {
				i, _ := strconv.Atoi(e.ContextMap()["request_id"].(string))
				got = append(got, i)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got rejections %v logged, want %v", got, tt.want)
			}
		})
	}
}
