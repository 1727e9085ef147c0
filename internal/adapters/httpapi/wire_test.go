package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// wireSecret is a token the verifier refuses; like the valid ones, it must
// never reach a log line or a span.
const wireSecret = "junk-secret-token"

// wireCase is one request written byte for byte as a hostile client would.
type wireCase struct {
	name       string
	request    string // the request line and headers, each ending CRLF, then any body; Connection: close is added
	wantStatus int
	wantChall  string // exact WWW-Authenticate; "" means absent
	wantError  string // the JSON body's error code; "" for a 2xx or 3xx
	wantReason string // the access line's reason; "" means none
	wantAllow  string // exact Allow, when checked
	wantAddr   string // the access line's remote_addr, when checked
	wantTrace  bool   // the access line has the caller's trace id
	noLine     bool   // net/http refuses the request itself: no access line
}

// TestHostileRequestsOnTheWire sends, through the API's real server on a
// loopback port, what a hostile or broken client writes: odd methods and
// request targets, HTTP/1.0, encoded paths, control and non-UTF-8 bytes,
// forged X-Forwarded-For chains, trace context variants and Authorization
// headers of every shape. Each gets a specific answer (RFC 6750 §3.1: 400
// invalid_request, 401 with or without an error code), never a 5xx or a
// hang, and one well-formed JSON access line with bounded fields; no token
// reaches a log line, a span or a metric label.
func TestHostileRequestsOnTheWire(t *testing.T) {
	const (
		app   = "https://app.example.com"
		tp    = "traceparent: 00-" + traceID + "-" + parentID + "-01\r\n"
		bear  = "Authorization: Bearer " + noneToken + "\r\n"
		chall = realm + `, error="invalid_token", error_description="unknown test token"`
		twice = realm + `, error="invalid_request", error_description="more than one Authorization header"`
		both  = realm + `, error="invalid_request", error_description="the token is sent both in the Authorization header and in the query"`
		allow = "GET, HEAD, OPTIONS"
	)
	long := strings.Repeat("a", 15000)
	tests := []wireCase{
		// Protocol versions and request-target forms (RFC 9112 §3.2).
		{name: "HTTP/1.0 without a token", request: "GET /api/private HTTP/1.0\r\n",
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "no_token"},
		{name: "HTTP/1.0 with a token", request: "GET /api/private HTTP/1.0\r\n" + bear, wantStatus: 200},
		{name: "absolute-form", request: "GET http://api.test/api/private HTTP/1.1\r\nHost: api.test\r\n" + bear, wantStatus: 200},
		{name: "absolute-form with a query token only", request: "GET http://api.test/api/private?access_token=" + wireSecret + " HTTP/1.1\r\nHost: api.test\r\n",
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "token_in_query"},
		{name: "HTTP/1.1 without Host", request: "GET /api/private HTTP/1.1\r\n" + bear, wantStatus: 400, noLine: true},
		{name: "request line of 24 KiB", request: "GET /api/public?q=" + strings.Repeat("q", 24<<10) + " HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 431, noLine: true},
		{name: "asterisk-form OPTIONS", request: "OPTIONS * HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 204, wantAllow: allow},
		{name: "asterisk-form GET", request: "GET * HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 404, wantError: "not_found"},
		{name: "authority-form CONNECT", request: "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n", wantStatus: 404, wantError: "not_found"},

		// Paths: chi routes the path as sent, so an encoded or unnormalised
		// one is a path the API does not serve, never the route behind it.
		{name: "escaped letter", request: "GET /api/%70rivate HTTP/1.1\r\nHost: api.test\r\n" + bear, wantStatus: 404, wantError: "not_found"},
		{name: "double-escaped letter", request: "GET /api/%2570rivate HTTP/1.1\r\nHost: api.test\r\n" + bear, wantStatus: 404, wantError: "not_found"},
		{name: "double slash", request: "GET /api//private HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 404, wantError: "not_found"},
		{name: "trailing slash", request: "GET /api/private/ HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 404, wantError: "not_found"},
		{name: "upper case", request: "GET /API/private HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 404, wantError: "not_found"},
		{name: "dot segment", request: "GET /api/x/../private HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 404, wantError: "not_found"},
		{name: "escaped slash", request: "GET /api%2Fprivate HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 404, wantError: "not_found"},
		{name: "escaped NUL", request: "GET /api/private%00 HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 404, wantError: "not_found"},

		// Methods are case-sensitive (RFC 9110 §9.1); any token is one.
		{name: "lower-case method", request: "get /api/private HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 405, wantError: "method_not_allowed", wantAllow: allow},
		{name: "made-up method", request: "BREW /api/private HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 405, wantError: "method_not_allowed", wantAllow: allow},
		{name: "TRACE", request: "TRACE /api/private HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 405, wantError: "method_not_allowed", wantAllow: allow},
		{name: "method of 100 bytes", request: strings.Repeat("M", 100) + " /api/public HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 405, wantError: "method_not_allowed"},
		{name: "OPTIONS never needs a token, even two", request: "OPTIONS /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n",
			wantStatus: 204, wantAllow: allow},
		{name: "CORS preflight", request: "OPTIONS /api/private HTTP/1.1\r\nHost: api.test\r\nOrigin: " + app + "\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization\r\n",
			wantStatus: 204, wantAllow: allow},
		{name: "HEAD without a token", request: "HEAD /api/private HTTP/1.1\r\nHost: api.test\r\n", wantStatus: 401, wantChall: realm, wantReason: "no_token"},

		// Header bytes: net/http refuses control characters itself; other
		// bytes reach the access line JSON-escaped and bounded.
		{name: "control character in User-Agent", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nUser-Agent: a\x01b\r\n", wantStatus: 400, noLine: true},
		{name: "non-UTF-8 User-Agent", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nUser-Agent: \xff\xfe\xc3\r\n", wantStatus: 200},
		{name: "C1 controls in User-Agent", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nUser-Agent: a\u009b2Jb\u0085c\r\n", wantStatus: 200},
		{name: "User-Agent of 300 two-byte characters", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nUser-Agent: " + strings.Repeat("é", 300) + "\r\n", wantStatus: 200},
		{name: "User-Agent of 12 KiB", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nUser-Agent: " + strings.Repeat("u", 12<<10) + "\r\n", wantStatus: 200},
		// A client that puts its token in the User-Agent: the access line
		// keeps the agent, never the token.
		{name: "bearer token in User-Agent", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nUser-Agent: app/1.0 Bearer " + readToken + "\r\n", wantStatus: 200},
		{name: "JWT in User-Agent", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nUser-Agent: app/1.0 (eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("a", 64) + ".c2ln)\r\n", wantStatus: 200},
		{name: "non-UTF-8 X-Request-Id", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Request-Id: \xff\xfe\r\n", wantStatus: 200},
		{name: "X-Request-Id of 1 KiB", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Request-Id: " + strings.Repeat("r", 1<<10) + "\r\n", wantStatus: 200},
		{name: "two X-Request-Id", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Request-Id: a\r\nX-Request-Id: b\r\n", wantStatus: 200},
		{name: "headers over the cap", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + strings.Repeat("a", 40<<10) + "\r\n",
			wantStatus: 431, noLine: true},

		// W3C Trace Context: only a valid traceparent is continued.
		{name: "traceparent", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\n" + tp, wantStatus: 200, wantTrace: true},
		{name: "traceparent in upper-case hex", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\n" + strings.ToUpper(tp), wantStatus: 200},
		{name: "all-zero trace id", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\ntraceparent: 00-00000000000000000000000000000000-" + parentID + "-01\r\n", wantStatus: 200},
		{name: "all-zero parent id", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\ntraceparent: 00-" + traceID + "-0000000000000000-01\r\n", wantStatus: 200},
		{name: "version ff", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\ntraceparent: ff-" + traceID + "-" + parentID + "-01\r\n", wantStatus: 200},
		{name: "version 00 with an extra field", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\ntraceparent: 00-" + traceID + "-" + parentID + "-01-x\r\n", wantStatus: 200},
		{name: "a later version with an extra field", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\ntraceparent: 01-" + traceID + "-" + parentID + "-01-x\r\n", wantStatus: 200, wantTrace: true},
		{name: "two traceparent headers", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\n" + tp + tp, wantStatus: 200},
		{name: "non-UTF-8 tracestate", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\n" + tp + "tracestate: a=\xff\r\n", wantStatus: 200, wantTrace: true},

		// X-Forwarded-For, from a trusted peer (127.0.0.1 here): the
		// rightmost hop that is not a trusted proxy; what is left of it is
		// the client's to forge.
		{name: "forwarded through a trusted proxy", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: 203.0.113.9, 127.0.0.1\r\n", wantStatus: 200, wantAddr: "203.0.113.9"},
		{name: "forged hop left of the client", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: 198.51.100.7, 203.0.113.9\r\n", wantStatus: 200, wantAddr: "203.0.113.9"},
		{name: "two X-Forwarded-For headers", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: 198.51.100.7\r\nX-Forwarded-For: 203.0.113.9\r\n", wantStatus: 200, wantAddr: "203.0.113.9"},
		{name: "garbage hop", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: 198.51.100.7, \xff<script>\r\n", wantStatus: 200, wantAddr: "127.0.0.1"},
		{name: "hop with a zone", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: fe80::1%eth0\r\n", wantStatus: 200, wantAddr: "127.0.0.1"},
		{name: "12 KiB chain", request: "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: " + strings.Repeat("127.0.0.1, ", 1<<10) + "203.0.113.9\r\n", wantStatus: 200, wantAddr: "203.0.113.9"},

		// Authorization (RFC 6750 §2.1, §3.1).
		{name: "two Authorization headers", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\n" + bear + bear,
			wantStatus: 400, wantChall: twice, wantError: "invalid_request", wantReason: "invalid_request"},
		{name: "an empty Authorization header and a token", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: \r\n" + bear,
			wantStatus: 400, wantChall: twice, wantError: "invalid_request", wantReason: "invalid_request"},
		// RFC 9112 §5.2: net/http replaces an obs-fold with a space.
		{name: "folded Authorization header", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer\r\n " + noneToken + "\r\n",
			wantStatus: 200},
		{name: "space before the colon", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization : Bearer " + noneToken + "\r\n",
			wantStatus: 400, noLine: true},
		{name: "NUL in the token", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer a\x00b\r\n",
			wantStatus: 400, noLine: true},
		{name: "scheme in upper case, spaces", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization:   BEARER    " + noneToken + "  \r\n", wantStatus: 200},
		{name: "valid token without the scope", request: "GET /api/private-scoped HTTP/1.1\r\nHost: api.test\r\n" + bear, wantStatus: 403,
			wantChall: realm + `, error="insufficient_scope", error_description="the token lacks the scope read:messages", scope="read:messages"`,
			wantError: "insufficient_scope", wantReason: "insufficient_scope"},
		{name: "valid token with the scope", request: "GET /api/private-scoped HTTP/1.1\r\nHost: api.test\r\nAuthorization: bearer " + readToken + "\r\n", wantStatus: 200},
		{name: "tab after the scheme", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer\t" + wireSecret + "\r\n",
			wantStatus: 401, wantChall: chall, wantError: "invalid_token", wantReason: "malformed"},
		{name: "Bearer alone", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer   \r\n",
			wantStatus: 401, wantChall: chall, wantError: "invalid_token", wantReason: "malformed"},
		{name: "two credentials in one header", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + noneToken + ", Bearer " + wireSecret + "\r\n",
			wantStatus: 401, wantChall: chall, wantError: "invalid_token", wantReason: "malformed"},
		{name: "non-UTF-8 token", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer \xff" + wireSecret + "\r\n",
			wantStatus: 401, wantChall: chall, wantError: "invalid_token", wantReason: "malformed"},
		{name: "token of 15000 bytes", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + long + "\r\n",
			wantStatus: 401, wantChall: chall, wantError: "invalid_token", wantReason: "malformed"},
		{name: "another scheme", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: Token " + wireSecret + "\r\n",
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "not_bearer"},
		{name: "no scheme", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nAuthorization: " + wireSecret + "\r\n",
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "not_bearer"},
		{name: "token in the header and the query", request: "GET /api/private?access_token=" + wireSecret + " HTTP/1.1\r\nHost: api.test\r\n" + bear,
			wantStatus: 400, wantChall: both, wantError: "invalid_request", wantReason: "invalid_request"},
		{name: "token in the header and the query, name escaped", request: "GET /api/private?x=1&access%5Ftoken=" + wireSecret + " HTTP/1.1\r\nHost: api.test\r\n" + bear,
			wantStatus: 400, wantChall: both, wantError: "invalid_request", wantReason: "invalid_request"},
		{name: "token only in the query", request: "GET /api/private-scoped?access_token=" + wireSecret + " HTTP/1.1\r\nHost: api.test\r\n",
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "token_in_query"},
		// A GET's body carries no token (RFC 6750 §2.2 needs a method with
		// body semantics) and is never read: the header decides.
		{name: "token in the header and a GET's form body", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\n" + bear +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 30\r\n\r\naccess_token=" + wireSecret, wantStatus: 200},
		{name: "token only in a GET's form body", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\n" +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 30\r\n\r\naccess_token=" + wireSecret,
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "no_token"},
		{name: "POST with a form body token", request: "POST /api/private HTTP/1.1\r\nHost: api.test\r\n" +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 30\r\n\r\naccess_token=" + wireSecret,
			wantStatus: 405, wantError: "method_not_allowed", wantAllow: allow},

		// Bodies the API never reads do not hold the answer back.
		{name: "Expect 100-continue, body never sent", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n",
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "no_token"},
		{name: "chunked body never finished", request: "GET /api/private HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\nabc",
			wantStatus: 401, wantChall: realm, wantError: "unauthorized", wantReason: "no_token"},
	}

	srv := startWire(t, httpapi.HandlerConfig{
		LogEveryRejection: true, // each case's access line, not a sample
		TrustedProxies:    []string{"127.0.0.1"},
		CORS:              httpapi.CORS{AllowedOrigins: []string{app}},
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := sendRaw(t, srv.addr, tt.request)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d (body %q)", resp.StatusCode, tt.wantStatus, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tt.wantChall {
				t.Errorf("got WWW-Authenticate %q, want %q", got, tt.wantChall)
			}
			if tt.wantAllow != "" {
				if got := resp.Header.Get("Allow"); got != tt.wantAllow {
					t.Errorf("got Allow %q, want %q", got, tt.wantAllow)
				}
			}
			if tt.wantError != "" {
				var e struct{ Error, ErrorDescription string }
				if err := json.Unmarshal(body, &struct {
					Error            *string `json:"error"`
					ErrorDescription *string `json:"error_description"`
				}{&e.Error, &e.ErrorDescription}); err != nil || e.Error != tt.wantError || e.ErrorDescription == "" {
					t.Errorf("got body %q, want error %q with a description", body, tt.wantError)
				}
			}
			checkWireLog(t, srv.logs.take(), tt, resp.StatusCode)
		})
	}

	for _, s := range srv.spans.GetSpans() {
		for _, a := range s.Attributes {
			if v := a.Value.String(); holdsToken(v) {
				t.Errorf("span %q attribute %s holds a token: %q", s.Name, a.Key, v)
			}
		}
	}
	checkWireLabels(t, srv.reg)
}

// TestForwardedForFromUntrustedPeersOnTheWire: with no trusted proxies, or
// a peer that is none of them, X-Forwarded-For is the client's to forge and
// remote_addr is the peer's.
func TestForwardedForFromUntrustedPeersOnTheWire(t *testing.T) {
	const forged = "GET /api/public HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-For: 198.51.100.7, 10.0.0.1\r\n"
	tests := []struct {
		name    string
		proxies []string
	}{
		{"no trusted proxies", nil},
		{"the peer is not a trusted proxy", []string{"10.0.0.0/8", "::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startWire(t, httpapi.HandlerConfig{TrustedProxies: tt.proxies})
			resp, _ := sendRaw(t, srv.addr, forged)
			checkWireLog(t, srv.logs.take(), wireCase{wantAddr: "127.0.0.1"}, resp.StatusCode)
		})
	}
}
