package httpapi_test

import (
	"context"
	"encoding/json"
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

const (
	publicMsg  = "Hello from a public endpoint! You don't need to be authenticated to see this."
	privateMsg = "Hello from a private endpoint! You need to be authenticated to see this."
	scopedMsg  = "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this."

	readToken = "token-with-read-messages"
	noneToken = "token-without-scopes"
	realm     = `Bearer realm="messages-api"`
)

func newVerifier() *authtest.Verifier {
	return authtest.New(map[string]domain.Claims{
		readToken: {Subject: "reader@clients", Scopes: []string{"read:messages"}},
		noneToken: {Subject: "nobody@clients"},
	})
}

// TestAuthContract pins the RFC 6750 contract: status, challenge, body.
func TestAuthContract(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		target      string
		auth        []string // Authorization header values
		fail        error    // the fake verifier's error, if any
		acceptEmpty bool     // the fake verifier accepts the empty token
		wantStatus  int
		wantChall   string // exact WWW-Authenticate; "" means absent
		wantBody    string // message for 200, error code otherwise
		wantDesc    string // error_description, when checked
		wantHeader  map[string]string
	}{
		{name: "public needs nothing", target: "/api/public", wantStatus: 200, wantBody: publicMsg},
		{name: "public ignores a bad token", target: "/api/public", auth: []string{"Bearer junk"}, wantStatus: 200, wantBody: publicMsg},
		{name: "private without header", target: "/api/private", wantStatus: 401, wantChall: realm, wantBody: "unauthorized"},
		{name: "private with Basic scheme", target: "/api/private", auth: []string{"Basic dXNlcjpwYXNz"}, wantStatus: 401, wantChall: realm, wantBody: "unauthorized"},
		{name: "private with scheme only prefix", target: "/api/private", auth: []string{"Bearertoken"}, wantStatus: 401, wantChall: realm, wantBody: "unauthorized"},
		{name: "private with valid token", target: "/api/private", auth: []string{"Bearer " + noneToken}, wantStatus: 200, wantBody: privateMsg,
			wantHeader: map[string]string{"Cache-Control": "no-store"}},
		{name: "scheme in lower case", target: "/api/private", auth: []string{"bearer " + noneToken}, wantStatus: 200, wantBody: privateMsg},
		{name: "scheme in upper case", target: "/api/private", auth: []string{"BEARER " + noneToken}, wantStatus: 200, wantBody: privateMsg},
		{name: "scheme in mixed case, two spaces", target: "/api/private", auth: []string{"bEaReR  " + noneToken}, wantStatus: 200, wantBody: privateMsg},
		{name: "empty token", target: "/api/private", auth: []string{"Bearer "}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		// "Bearer" alone is credentials: a verifier that accepts an empty
		// token is at fault, and the request is not let through as one
		// without credentials would be.
		{name: "scheme alone, a verifier accepting an empty token", target: "/api/private", auth: []string{"Bearer"}, acceptEmpty: true,
			wantStatus: 500, wantBody: "server_error"},
		{name: "unknown token", target: "/api/private", auth: []string{"Bearer junk"}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token", wantDesc: "unknown test token"},
		{name: "two tokens in one header", target: "/api/private", auth: []string{"Bearer " + noneToken + " " + noneToken}, wantStatus: 401, wantBody: "invalid_token"},
		// A scheme ends at a space or a tab (RFC 9110 §11.4: it is a token), and
		// only spaces may follow it: a tab makes a malformed Bearer credential,
		// not another scheme (which would be "no credentials").
		{name: "tab between scheme and token", target: "/api/private", auth: []string{"Bearer\t" + noneToken}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		{name: "space and tab between scheme and token", target: "/api/private", auth: []string{"Bearer \t" + noneToken}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		{name: "lower-case scheme and a tab", target: "/api/private", auth: []string{"bearer\t" + noneToken}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		// Any other character a token cannot hold ends the scheme too: the
		// client wrote Bearer, and is told its credential is malformed, not
		// to use the scheme it used.
		{name: "colon between scheme and token", target: "/api/private", auth: []string{"Bearer:" + noneToken}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		{name: "comma between scheme and token", target: "/api/private", auth: []string{"Bearer," + noneToken}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		{name: "equals sign between scheme and token", target: "/api/private", auth: []string{"bearer=" + noneToken}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		{name: "quote after the scheme", target: "/api/private", auth: []string{`Bearer"` + noneToken + `"`}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		{name: "no-break space between scheme and token", target: "/api/private", auth: []string{"Bearer\u00a0" + noneToken}, wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="unknown test token"`, wantBody: "invalid_token"},
		{name: "expired", target: "/api/private", auth: []string{"Bearer " + noneToken}, fail: ports.Invalid(ports.ReasonExpired, "the token has expired"),
			wantStatus: 401, wantChall: realm + `, error="invalid_token", error_description="the token has expired"`, wantBody: "invalid_token", wantDesc: "the token has expired"},
		{name: "bad signature", target: "/api/private-scoped", auth: []string{"Bearer " + readToken}, fail: ports.Invalid(ports.ReasonBadSignature, "the token signature is invalid"),
			wantStatus: 401, wantChall: realm + `, error="invalid_token", error_description="the token signature is invalid"`, wantBody: "invalid_token"},
		{name: "description with quotes and backslash is sanitised", target: "/api/private", auth: []string{"Bearer " + noneToken},
			fail: ports.Invalid(ports.ReasonMalformed, "bad \"kid\" \\ here\n"), wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="bad kid  here"`, wantBody: "invalid_token", wantDesc: "bad kid  here"},
		// RFC 6750 §3's range is %x20-21 / %x23-5B / %x5D-7E: its ends are
		// kept, the bytes just outside them (US, DEL) dropped.
		{name: "description with the bytes around the allowed range", target: "/api/private", auth: []string{"Bearer " + noneToken},
			fail: ports.Invalid(ports.ReasonMalformed, " !a\x1fb\x7fc~"), wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description=" !abc~"`, wantBody: "invalid_token", wantDesc: " !abc~"},
		{name: "long description is cut to 200 bytes", target: "/api/private", auth: []string{"Bearer " + noneToken},
			fail: ports.Invalid(ports.ReasonMalformed, strings.Repeat("x", 300)), wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="` + strings.Repeat("x", 200) + `"`, wantBody: "invalid_token", wantDesc: strings.Repeat("x", 200)},
		{name: "dropped bytes do not count towards the 200", target: "/api/private", auth: []string{"Bearer " + noneToken},
			fail: ports.Invalid(ports.ReasonMalformed, strings.Repeat("\x01", 100)+strings.Repeat("x", 300)), wantStatus: 401,
			wantChall: realm + `, error="invalid_token", error_description="` + strings.Repeat("x", 200) + `"`, wantBody: "invalid_token", wantDesc: strings.Repeat("x", 200)},
		// The body and the challenge always say why, whatever a verifier
		// returns: a description sanitised to nothing gets a generic one.
		{name: "empty description", target: "/api/private", auth: []string{"Bearer " + noneToken}, fail: ports.Invalid(ports.ReasonMalformed, ""),
			wantStatus: 401, wantChall: realm + `, error="invalid_token", error_description="the access token is invalid"`, wantBody: "invalid_token", wantDesc: "the access token is invalid"},
		{name: "description of spaces only", target: "/api/private", auth: []string{"Bearer " + noneToken}, fail: ports.Invalid(ports.ReasonMalformed, " \t "),
			wantStatus: 401, wantChall: realm + `, error="invalid_token", error_description="the access token is invalid"`, wantBody: "invalid_token", wantDesc: "the access token is invalid"},
		{name: "description of characters a challenge cannot carry", target: "/api/private", auth: []string{"Bearer " + noneToken}, fail: ports.Invalid(ports.ReasonMalformed, "«»\"\n"),
			wantStatus: 401, wantChall: realm + `, error="invalid_token", error_description="the access token is invalid"`, wantBody: "invalid_token", wantDesc: "the access token is invalid"},
		{name: "two Authorization headers", target: "/api/private", auth: []string{"Bearer " + noneToken, "Bearer " + noneToken}, wantStatus: 400,
			wantChall: realm + `, error="invalid_request", error_description="more than one Authorization header"`, wantBody: "invalid_request"},
		{name: "header and query token", target: "/api/private?access_token=" + noneToken, auth: []string{"Bearer " + noneToken}, wantStatus: 400,
			wantBody: "invalid_request"},
		// The query is read as URL forms are (pairs split on "&" only, names
		// percent-decoded): a ";" or a bad escape in the value does not hide
		// an access_token pair (RFC 6750 §2: one method per request).
		{name: "header and query token with a semicolon in its value", target: "/api/private?access_token=" + noneToken + ";x=1", auth: []string{"Bearer " + noneToken},
			wantStatus: 400, wantChall: realm + `, error="invalid_request", error_description="the token is sent both in the Authorization header and in the query"`, wantBody: "invalid_request"},
		{name: "header and query token with a bad escape in its value", target: "/api/private?access_token=%zz" + noneToken, auth: []string{"Bearer " + noneToken},
			wantStatus: 400, wantBody: "invalid_request"},
		{name: "header and query token after a bad escape elsewhere", target: "/api/private?a=%zz&access_token=" + noneToken, auth: []string{"Bearer " + noneToken},
			wantStatus: 400, wantBody: "invalid_request"},
		{name: "header and escaped access_token name", target: "/api/private?access%5Ftoken=" + noneToken, auth: []string{"Bearer " + noneToken},
			wantStatus: 400, wantBody: "invalid_request"},
		{name: "header and a parameter named otherwise", target: "/api/private?access_tokens=1&ACCESS_TOKEN=2&x=access_token", auth: []string{"Bearer " + noneToken},
			wantStatus: 200, wantBody: privateMsg},
		{name: "query token alone is no credentials", target: "/api/private?access_token=" + noneToken, wantStatus: 401, wantChall: realm, wantBody: "unauthorized"},
		{name: "scoped without the scope", target: "/api/private-scoped", auth: []string{"Bearer " + noneToken}, wantStatus: 403,
			wantChall: realm + `, error="insufficient_scope", error_description="the token lacks the scope read:messages", scope="read:messages"`, wantBody: "insufficient_scope",
			wantHeader: map[string]string{"Cache-Control": "no-store"}},
		{name: "scoped with the scope", target: "/api/private-scoped", auth: []string{"Bearer " + readToken}, wantStatus: 200, wantBody: scopedMsg},
		{name: "scoped without token", target: "/api/private-scoped", wantStatus: 401, wantChall: realm, wantBody: "unauthorized"},
		{name: "keys unavailable", target: "/api/private", auth: []string{"Bearer " + noneToken}, fail: ports.ErrKeysUnavailable,
			wantStatus: 503, wantBody: "temporarily_unavailable", wantHeader: map[string]string{"Retry-After": "5"}},
		{name: "keys unavailable wrapped", target: "/api/private-scoped", auth: []string{"Bearer " + readToken}, fail: errors.Join(errors.New("dial"), ports.ErrKeysUnavailable),
			wantStatus: 503, wantBody: "temporarily_unavailable"},
		{name: "unexpected verifier error", target: "/api/private", auth: []string{"Bearer " + noneToken}, fail: errors.New("boom"),
			wantStatus: 500, wantBody: "server_error"},
		{name: "preflight needs no token", method: http.MethodOptions, target: "/api/private-scoped", wantStatus: 204,
			wantHeader: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{name: "wrong method", method: http.MethodPost, target: "/api/private", wantStatus: 405, wantBody: "method_not_allowed",
			wantHeader: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{name: "unknown path", target: "/api/nope", wantStatus: 404, wantBody: "not_found"},
		// The recorder keeps what the handler wrote; net/http drops a HEAD body on the wire.
		{name: "HEAD where GET works", method: http.MethodHead, target: "/api/public", wantStatus: 200, wantBody: publicMsg},
		{name: "HEAD on a private route needs a token too", method: http.MethodHead, target: "/api/private", wantStatus: 401, wantChall: realm, wantBody: "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier()
			v.Fail(tt.fail)
			if tt.acceptEmpty {
				v.Add("", domain.Claims{Subject: "empty@clients"})
			}
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, v, zap.NewNop())
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, tt.target, nil)
			for _, a := range tt.auth {
				req.Header.Add("Authorization", a)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("got status %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body)
			}
			// 400, 401 and 403 always carry a Bearer challenge (exact when the
			// case pins one); every other status carries none.
			got := rec.Header().Get("WWW-Authenticate")
			switch auth := tt.wantStatus == 400 || tt.wantStatus == 401 || tt.wantStatus == 403; {
			case tt.wantChall != "" && got != tt.wantChall:
				t.Errorf("got WWW-Authenticate %q, want %q", got, tt.wantChall)
			case auth && !strings.HasPrefix(got, realm):
				t.Errorf("got WWW-Authenticate %q, want a challenge starting %q", got, realm)
			case !auth && got != "":
				t.Errorf("got WWW-Authenticate %q, want none", got)
			}
			for k, want := range tt.wantHeader {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
			if tt.wantStatus == 204 {
				return
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", got)
			}
			var body struct{ Message, Error, ErrorDescription string }
			dec := json.NewDecoder(rec.Body)
			if err := dec.Decode(&struct {
				Message          *string `json:"message"`
				Error            *string `json:"error"`
				ErrorDescription *string `json:"error_description"`
			}{&body.Message, &body.Error, &body.ErrorDescription}); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			got = body.Message
			if tt.wantStatus != 200 {
				got = body.Error
				if body.ErrorDescription == "" {
					t.Errorf("got empty error_description, want one")
				}
			}
			if got != tt.wantBody {
				t.Errorf("got body %q, want %q", got, tt.wantBody)
			}
			if tt.wantDesc != "" && body.ErrorDescription != tt.wantDesc {
				t.Errorf("got error_description %q, want %q", body.ErrorDescription, tt.wantDesc)
			}
			for _, tok := range []string{readToken, noneToken, "junk"} {
				if strings.Contains(rec.Body.String(), tok) || strings.Contains(rec.Header().Get("WWW-Authenticate"), tok) {
					t.Errorf("response echoes the token %q", tok)
				}
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	const empty = "<an empty header>" // in: an X-Request-Id header with no value
	tests := []struct {
		name   string
		in     string
		wantIn bool // the incoming id is echoed
	}{
		{"none", "", false},
		{"well formed", "abc-123_x.y", true},
		{"each allowed range's ends", "09AZaz", true},
		{"exactly 64", strings.Repeat("a", 64), true},
		{"too long", strings.Repeat("a", 65), false},
		{"control character", "abc\x01def", false},
		{"non-ASCII", "abcé", false},
		{"header-breaking characters", "a\r\nSet-Cookie: x=1", false},
		{"bad characters", "abc\"def", false},
		{"spaces", "a b", false},
		{"empty header", empty, false},
		// The ASCII neighbours of each allowed range: one off either end
		// would let them into the header echoed back and the logs.
		{"slash, below the digits", "a/b", false},
		{"colon, above the digits", "a:b", false},
		{"at sign, below the upper case", "a@b", false},
		{"bracket, above the upper case", "a[b", false},
		{"backtick, below the lower case", "a`b", false},
		{"brace, above the lower case", "a{b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			switch tt.in {
			case "":
			case empty:
				req.Header.Set("X-Request-Id", "")
			default:
				req.Header.Set("X-Request-Id", tt.in)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-Id")
			if tt.wantIn && got != tt.in {
				t.Errorf("got request id %q, want %q", got, tt.in)
			}
			if !tt.wantIn && (got == "" || got == tt.in) {
				t.Errorf("got request id %q, want a fresh one", got)
			}
			entries := logs.All()
			if len(entries) != 1 {
				t.Fatalf("got %d log lines, want 1", len(entries))
			}
			if id := entries[0].ContextMap()["request_id"]; id != got {
				t.Errorf("got logged request id %v, want %q", id, got)
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
	for _, auth := range []string{"Bearer " + readToken, "Bearer junk-token-value"} {
		req := httptest.NewRequest(http.MethodGet, "/api/private-scoped", nil)
		req.Header.Set("Authorization", auth)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	entries := logs.All()
	if len(entries) != 2 {
		t.Fatalf("got %d log lines, want 2", len(entries))
	}
	ok, rejected := entries[0].ContextMap(), entries[1].ContextMap()
	for k, want := range map[string]any{"method": "GET", "route": "/api/private-scoped", "status": int64(200), "subject": "reader@clients"} {
		if ok[k] != want {
			t.Errorf("accepted request: got %s=%v, want %v", k, ok[k], want)
		}
	}
	for k, want := range map[string]any{"status": int64(401), "reason": "malformed"} {
		if rejected[k] != want {
			t.Errorf("rejected request: got %s=%v, want %v", k, rejected[k], want)
		}
	}
	for _, e := range entries {
		for k, v := range e.ContextMap() {
			if s, _ := v.(string); strings.Contains(s, readToken) || strings.Contains(s, "junk-token-value") {
				t.Errorf("log field %s holds the token", k)
			}
		}
	}
}

type panicVerifier struct{}

func (panicVerifier) Verify(context.Context, string) (domain.Claims, error) { panic("verifier bug") }

// abortVerifier panics with http.ErrAbortHandler, as a handler does to
// abort a response.
type abortVerifier struct{}

func (abortVerifier) Verify(context.Context, string) (domain.Claims, error) {
	panic(http.ErrAbortHandler)
}

// TestPanicValues: a panic is a fault, logged with its stack and answered
// with a 500, except http.ErrAbortHandler, which net/http documents as the
// way to abort a response without a log line: it goes on to the server
// unlogged and unanswered.
func TestPanicValues(t *testing.T) {
	tests := []struct {
		name         string
		verifier     ports.TokenVerifier
		wantPanic    any
		wantPanicLog int
	}{
		{"a bug", panicVerifier{}, nil, 1},
		{"http.ErrAbortHandler", abortVerifier{}, http.ErrAbortHandler, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, tt.verifier, zap.New(core))
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			req.Header.Set("Authorization", "Bearer x")
			rec := httptest.NewRecorder()
			got := func() (p any) {
				defer func() { p = recover() }()
				h.ServeHTTP(rec, req)
				return nil
			}()
			if got != tt.wantPanic {
				t.Errorf("got panic %v out of the handler, want %v", got, tt.wantPanic)
			}
			if n := logs.FilterMessage("panic serving request").Len(); n != tt.wantPanicLog {
				t.Errorf("got %d panic lines, want %d", n, tt.wantPanicLog)
			}
			if tt.wantPanic != nil && rec.Body.Len() != 0 {
				t.Errorf("got body %q written, want none", rec.Body)
			}
		})
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	// As in production, a logger that adds a stack trace to error lines.
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, panicVerifier{}, zap.New(core, zap.AddStacktrace(zap.ErrorLevel)))
	req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"server_error"`) {
		t.Fatalf("got %d %s, want 500 with server_error", rec.Code, rec.Body)
	}
	lines := logs.FilterMessage("panic serving request").All()
	if len(lines) != 1 {
		t.Fatalf("got %d panic log lines, want 1", len(lines))
	}
	if stack, _ := lines[0].ContextMap()["stack"].(string); !strings.Contains(stack, "panicVerifier") {
		t.Errorf("got stack field %q, want the panicking goroutine's stack", stack)
	}
	if lines[0].Stack != "" {
		t.Errorf("got the logger's own stack trace on the panic line too, want the stack once")
	}
}
