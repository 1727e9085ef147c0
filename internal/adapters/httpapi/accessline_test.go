package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// TestAccessLineMethodBounded: the method is the client's choice (any
// token up to the header cap), so the access line cuts it, as it cuts
// the user agent; every registered method fits whole.
func TestAccessLineMethodBounded(t *testing.T) {
	long := strings.Repeat("A", 4000)
	tests := []struct{ name, method, want string }{
		{"GET", http.MethodGet, "GET"},
		{"WebDAV", "PROPFIND", "PROPFIND"},
		{"longest registered method", "UPDATEREDIRECTREF", "UPDATEREDIRECTREF"},
		{"4000 bytes", long, long[:32]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, "/api/public", nil))
			if got := logs.All()[0].ContextMap()["method"]; got != tt.want {
				t.Errorf("got method of %d bytes %.40q, want %q", len(got.(string)), got, tt.want)
			}
		})
	}
}

// TestAccessLineBytesOfHEAD: a HEAD response sends no body, so its access
// line counts none, though net/http reports the handler's writes as done.
func TestAccessLineBytesOfHEAD(t *testing.T) {
	tests := []struct {
		method, target string
		wantBytes      int64
	}{
		{http.MethodGet, "/api/public", int64(len(`{"message":"` + publicMsg + `"}`))},
		{http.MethodHead, "/api/public", 0},
		{http.MethodHead, "/api/private", 0},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			srv := httptest.NewServer(httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core)))
			defer srv.Close()
			req, err := http.NewRequest(tt.method, srv.URL+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			srv.Close() // the access line is written before the server's handlers return
			if got := logs.All()[0].ContextMap()["bytes"]; got != tt.wantBytes {
				t.Errorf("got bytes %v, want %d", got, tt.wantBytes)
			}
		})
	}
}

// TestAccessLineOptionalFields: subject is on the access line only for an
// authenticated caller and reason only for a rejection or a failure, so a
// query for lines with a reason finds those and nothing else.
func TestAccessLineOptionalFields(t *testing.T) {
	tests := []struct {
		name, target, auth string
		fail               error // the verifier's
		wantSubject        any   // nil: no subject field
		wantReason         any   // nil: no reason field
	}{
		{"public, no token", "/api/public", "", nil, nil, nil},
		{"private, accepted", "/api/private", "Bearer " + readToken, nil, "reader@clients", nil},
		{"private, no token", "/api/private", "", nil, nil, "no_token"},
		{"private, unknown token", "/api/private", "Bearer junk", nil, nil, "malformed"},
		{"scoped, the scope missing", "/api/private-scoped", "Bearer " + noneToken, nil, "nobody@clients", "insufficient_scope"},
		{"keys unavailable", "/api/private", "Bearer " + readToken, ports.ErrKeysUnavailable, nil, "keys_unavailable"},
		{"verification ran out of time", "/api/private", "Bearer " + readToken, context.DeadlineExceeded, nil, "cancelled"},
		{"the verifier fails otherwise", "/api/private", "Bearer " + readToken, errors.New("verifier bug"), nil, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			v := newVerifier()
			v.Fail(tt.fail)
			h := httpapi.NewHandler(httpapi.HandlerConfig{LogEveryRejection: true}, v, zap.New(core))
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			lines := logs.FilterMessage("request rejected").All()
			if tt.wantReason == nil {
				lines = logs.FilterMessage("request").All()
			}
			if len(lines) != 1 {
				t.Fatalf("got %d access lines, want 1", len(lines))
			}
			line := lines[0].ContextMap()
			for _, f := range []struct {
				key  string
				want any
			}{{"subject", tt.wantSubject}, {"reason", tt.wantReason}} {
				got, ok := line[f.key]
				if f.want == nil && ok {
					t.Errorf("got %s=%q, want no %s field", f.key, got, f.key)
				}
				if f.want != nil && got != f.want {
					t.Errorf("got %s=%v, want %v", f.key, got, f.want)
				}
			}
		})
	}
}

// TestAccessLineSubject: the subject is the tenant's string, logged per
// request, so the line bounds it and replaces what a terminal or a log
// viewer would act on, as for the user agent; an ordinary one is as sent.
func TestAccessLineSubject(t *testing.T) {
	long := strings.Repeat("a", 255)
	tests := []struct {
		name, sub, want string
	}{
		{"a user", "auth0|64b7f3c2e4a1d2b3c4d5e6f7", "auth0|64b7f3c2e4a1d2b3c4d5e6f7"},
		{"a client", "abc123@clients", "abc123@clients"},
		{"300 bytes", strings.Repeat("s", 300), strings.Repeat("s", 256)},
		{"a character across the cut", long + "é", long},
		{"a line separator", "a\u2028b", "a\ufffdb"},
		{"a C1 control (CSI)", "a\u009b31mb", "a\ufffd31mb"},
		{"a bidi override", "a\u202eb", "a\ufffdb"},
		{"replacements past the cap", strings.Repeat("\u0085", 128), strings.Repeat("\ufffd", 85)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			v := authtest.New(map[string]domain.Claims{readToken: {Subject: tt.sub}})
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, v, zap.New(core))
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			req.Header.Set("Authorization", "Bearer "+readToken)
			h.ServeHTTP(httptest.NewRecorder(), req)
			lines := logs.FilterMessage("request").All()
			if len(lines) != 1 {
				t.Fatalf("got %d access lines, want 1", len(lines))
			}
			if got := lines[0].ContextMap()["subject"]; got != tt.want {
				t.Errorf("got subject %q, want %q", got, tt.want)
			}
		})
	}
}
