package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/ports"
)

// The realm is a quoted auth-param (RFC 6750 §3): what sanitize would
// change is not a realm the challenge can carry as configured.
func TestValidRealm(t *testing.T) {
	tests := []struct {
		realm string
		want  bool
	}{
		{"messages-api", true},
		{"Messages API (prod) ~!#$%&'*+,./:;<=>?@[]^_`{|}", true},
		{strings.Repeat("a", httpapi.MaxQuotedBytes), true},
		{strings.Repeat("a", httpapi.MaxQuotedBytes+1), false},
		{`my "api"`, false},
		{`my\api`, false},
		{"café", false},
		{"tab\there", false},
		{"new\nline", false},
		{"del\x7f", false},
	}
	for _, tt := range tests {
		t.Run(tt.realm[:min(len(tt.realm), 20)], func(t *testing.T) {
			if got := httpapi.ValidRealm(tt.realm); got != tt.want {
				t.Errorf("ValidRealm(%q): got %v, want %v", tt.realm, got, tt.want)
			}
		})
	}
}

// TestConfiguredChallenge: the configured realm reaches WWW-Authenticate
// with only the characters a quoted auth-param may hold (RFC 6750 §3), so
// a realm config validation never saw cannot end the quote or the header;
// the configured Retry-After of a 503 is at least 1 second.
func TestConfiguredChallenge(t *testing.T) {
	tests := []struct {
		name      string
		cfg       httpapi.HandlerConfig
		wantChall string // of a request without a token
		wantRetry string // of a request while keys are unavailable
	}{
		{"defaults", httpapi.HandlerConfig{}, `Bearer realm="messages-api"`, "5"},
		{"a realm and a delay", httpapi.HandlerConfig{Realm: "prod api", RetryAfterSeconds: 30}, `Bearer realm="prod api"`, "30"},
		{"a realm with a quote, a backslash and a line break", httpapi.HandlerConfig{Realm: "a\"b\\c\r\nX-Evil: 1"}, `Bearer realm="abcX-Evil: 1"`, "5"},
		{"a realm past the bound", httpapi.HandlerConfig{Realm: strings.Repeat("r", httpapi.MaxQuotedBytes+1)}, `Bearer realm="` + strings.Repeat("r", httpapi.MaxQuotedBytes) + `"`, "5"},
		{"a negative delay", httpapi.HandlerConfig{RetryAfterSeconds: -3}, `Bearer realm="messages-api"`, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()
			h := httpapi.NewHandler(tt.cfg, v, zap.NewNop())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/private", nil))
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.wantChall {
				t.Errorf("got WWW-Authenticate %q, want %q", got, tt.wantChall)
			}
			v.Fail(ports.ErrKeysUnavailable)
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			req.Header.Set("Authorization", "Bearer "+readToken)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != tt.wantRetry {
				t.Errorf("got %d with Retry-After %q, want 503 with %q", rec.Code, rec.Header().Get("Retry-After"), tt.wantRetry)
			}
		})
	}
}
