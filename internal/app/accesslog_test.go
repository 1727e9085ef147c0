package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/apptest"
	"github.com/example/messages-api/internal/ports"
)

// TestFakeVerifierGraph dry-runs the wiring integration tests use: every
// dependency is provided with authtest in place of the auth0 module.
func TestFakeVerifierGraph(t *testing.T) {
	cfg, err := config.Load(false, "", prodEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.ValidateApp(app.Options(cfg, zap.NewNop(), authtest.Module(testVerifier()))); err != nil {
		t.Errorf("got graph error %v, want none", err)
	}
}

// TestAccessLineOfEachOutcome calls the composed app once per outcome and
// checks the answer's challenge and the access line the composition's
// logger receives: the request id sent back, the route pattern, the status
// and the reason code the README lists. Each case gets its own app, with
// the production defaults (rejection lines sampled) and its own fake.
func TestAccessLineOfEachOutcome(t *testing.T) {
	const realm = `Bearer realm="messages-api"`
	tests := []struct {
		name, path, token string
		fail              error
		wantStatus        int
		wantError         string // the body's "error"; empty for a 200
		wantChallenge     string
		wantRetryAfter    string
		wantMsg           string
		wantReason        string
		wantSubject       string
		wantOther         string // the message of the request's other line, if it writes one
	}{
		{name: "public", path: "/api/public", wantStatus: 200, wantMsg: "request"},
		{name: "public while keys are unavailable", path: "/api/public", fail: ports.ErrKeysUnavailable, wantStatus: 200, wantMsg: "request"},
		{name: "private", path: "/api/private", token: "nobody", wantStatus: 200, wantMsg: "request", wantSubject: "nobody@clients"},
		{name: "scoped", path: "/api/private-scoped", token: "reader", wantStatus: 200, wantMsg: "request", wantSubject: "reader@clients"},
		{name: "no token", path: "/api/private", wantStatus: 401, wantError: "unauthorized", wantChallenge: realm,
			wantMsg: "request rejected", wantReason: "no_token"},
		{name: "unknown token", path: "/api/private", token: "forged", wantStatus: 401, wantError: "invalid_token",
			wantChallenge: realm + `, error="invalid_token", error_description="unknown test token"`, wantMsg: "request rejected", wantReason: "malformed"},
		{name: "expired", path: "/api/private-scoped", token: "reader", fail: ports.Invalid(ports.ReasonExpired, "the token has expired"),
			wantStatus: 401, wantError: "invalid_token", wantChallenge: realm + `, error="invalid_token", error_description="the token has expired"`,
			wantMsg: "request rejected", wantReason: "expired"},
		{name: "missing scope", path: "/api/private-scoped", token: "nobody", wantStatus: 403, wantError: "insufficient_scope",
			wantChallenge: realm + `, error="insufficient_scope", error_description="the token lacks the scope read:messages", scope="read:messages"`,
			wantMsg:       "request rejected", wantReason: "insufficient_scope", wantSubject: "nobody@clients"},
		{name: "keys unavailable", path: "/api/private", token: "reader", fail: ports.ErrKeysUnavailable, wantStatus: 503,
			wantError: "temporarily_unavailable", wantRetryAfter: "5", wantMsg: "request rejected", wantReason: "keys_unavailable",
			wantOther: "keys unavailable"},
		{name: "verification ran out of time", path: "/api/private", token: "reader", fail: context.DeadlineExceeded, wantStatus: 503,
			wantError: "temporarily_unavailable", wantRetryAfter: "5", wantMsg: "request rejected", wantReason: "cancelled"},
		{name: "verifier fails otherwise", path: "/api/private", token: "reader", fail: errors.New("boom"), wantStatus: 500,
			wantError: "server_error", wantMsg: "request rejected", wantReason: "internal", wantOther: "request failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier()
			v.Fail(tt.fail)
			a := apptest.Start(t, v)
			logs := a.Logs
			resp, body := call(t, a.API+tt.path, tt.token)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantError != "" {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != tt.wantError {
					t.Errorf("got body %s, want error %q", body, tt.wantError)
				}
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tt.wantChallenge {
				t.Errorf("got WWW-Authenticate %q, want %q", got, tt.wantChallenge)
			}
			if got := resp.Header.Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("got Retry-After %q, want %q", got, tt.wantRetryAfter)
			}

			id := resp.Header.Get("X-Request-Id")
			lines := logs.FilterMessage(tt.wantMsg).All()
			if len(lines) != 1 {
				t.Fatalf("got %d %q lines, want 1", len(lines), tt.wantMsg)
			}
			f := lines[0].ContextMap()
			for k, want := range map[string]any{"request_id": id, "route": tt.path, "status": int64(tt.wantStatus)} {
				if f[k] != want {
					t.Errorf("got %s=%v, want %v", k, f[k], want)
				}
			}
			if r, _ := f["reason"].(string); r != tt.wantReason {
				t.Errorf("got reason %q, want %q", r, tt.wantReason)
			}
			if s, _ := f["subject"].(string); s != tt.wantSubject {
				t.Errorf("got subject %q, want %q", s, tt.wantSubject)
			}
			// A line written during the request (the keys-unavailable
			// warning, the internal error) names the same request. The ids
			// are one inline field, so they are read from the context map.
			if tt.wantOther != "" {
				other := logs.FilterMessage(tt.wantOther).All()
				if len(other) != 1 {
					t.Fatalf("got %d %q lines, want 1", len(other), tt.wantOther)
				}
				if got := other[0].ContextMap()["request_id"]; got != id {
					t.Errorf("got %q line with request_id %v, want %q", tt.wantOther, got, id)
				}
			}
		})
	}
}

// TestFakeAppLeavesNoGoroutine: once stopped, the app composed for
// integration tests leaves nothing running (the client's kept-alive
// connection is the test's own and closed first).
func TestFakeAppLeavesNoGoroutine(t *testing.T) {
	ignore := goleak.IgnoreCurrent() // by id: goroutines of earlier tests do not count
	t.Cleanup(func() {               // registered first, so it runs after the test's own cleanups
		goleak.VerifyNone(t, ignore)
	})
	a := apptest.Start(t, testVerifier())
	base := a.API
	client := &http.Client{Transport: &http.Transport{}}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/private", nil)
	req.Header.Set("Authorization", "Bearer reader")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	client.CloseIdleConnections()
	a.Stop()
}
