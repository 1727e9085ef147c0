package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestClientGoneIsNotAServerError: a client that hangs up while its token
// is verified (any client can: a token with an unknown kid waits for a key
// lookup) is recorded as 499, nginx's "client closed request", not as a
// 503 that would count the client's hang-up as the service failing; a
// verification that runs out of time with the client still there is 503.
// The verification counts as cancelled whenever the request's context has
// ended first (a parent router's timeout, say), not as a verifier error, and
// a context error of the verifier's own as unavailable, as the 503 it is. A
// request the shutdown timeout cut off is the server's failure: 503.
func TestClientGoneIsNotAServerError(t *testing.T) {
	tests := []struct {
		name        string
		ctxEnd      string // how the request's context has ended: "", "cancel" (the client hung up), "deadline" or "cut off" (Stop's shutdown timeout)
		verifierErr error
		wantStatus  int
		wantRetry   string
		wantReason  string // of the access line
		wantOutcome string // of messages_api_token_verifications_total
	}{
		{"client hung up mid-verification", "cancel", nil, 499, "", "cancelled", "cancelled"},
		// The verifier's own context error is a timeout inside it: 503, and
		// counted with the other 503s, not as the client's hang-up.
		{"verification ran out of time, client still there", "", context.DeadlineExceeded, 503, "5", "cancelled", "unavailable"},
		{"verifier cancelled, client still there", "", context.Canceled, 503, "5", "cancelled", "unavailable"},
		{"verifier cancelled, wrapped", "", fmt.Errorf("keys: %w", context.Canceled), 503, "5", "cancelled", "unavailable"},
		{"the request's deadline passed mid-verification", "deadline", nil, 503, "5", "cancelled", "cancelled"},
		{"cut off by the shutdown timeout", "cut off", nil, 503, "5", "shutdown", "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			reg := prometheus.NewRegistry()
			metrics, err := httpapi.NewMetrics(reg)
			if err != nil {
				t.Fatal(err)
			}
			// authtest answers with its context's error once that has ended,
			// as the auth0 verifier does while it waits for the tenant's keys.
			v := authtest.New(nil)
			v.Fail(tt.verifierErr)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, v, zap.New(core), httpapi.WithMetrics(metrics))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			switch tt.ctxEnd {
			case "cancel":
				cancel()
			case "deadline":
				ctx, cancel = context.WithDeadline(ctx, time.Unix(0, 0))
				defer cancel()
			case "cut off":
				var cutOff context.CancelCauseFunc
				ctx, cutOff = context.WithCancelCause(ctx)
				cutOff(httpapi.ErrCutOff)
			}
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil).WithContext(ctx)
			req.Header.Set("Authorization", "Bearer "+readToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("got status %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("got Retry-After %q, want %q", got, tt.wantRetry)
			}
			m := logs.All()[0].ContextMap()
			if m["status"] != int64(tt.wantStatus) || m["reason"] != tt.wantReason {
				t.Errorf("got access line status %v reason %v, want %d %s", m["status"], m["reason"], tt.wantStatus, tt.wantReason)
			}
			if got := verificationLabels(t, reg, "outcome"); len(got) != 1 || got[0] != tt.wantOutcome {
				t.Errorf("got verification outcomes %v, want [%s]", got, tt.wantOutcome)
			}
		})
	}
}

// verificationLabels lists the values of label in the verification
// counter's series that have counted something.
func verificationLabels(t *testing.T, reg *prometheus.Registry, label string) []string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if f.GetName() != "messages_api_token_verifications_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetCounter().GetValue() == 0 {
				continue
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					out = append(out, l.GetValue())
				}
			}
		}
	}
	return out
}
