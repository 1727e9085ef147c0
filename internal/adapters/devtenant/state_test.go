package devtenant

import (
	"net/http"
	"strings"
	"testing"
)

// TestStateRoundTrip: the code comes back with the state exactly as sent,
// and with none when none was sent (RFC 6749 section 4.1.2), through the
// login form and through an existing session.
func TestStateRoundTrip(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct {
		name  string
		state *string
	}{
		{"none", nil},
		{"reserved characters", new("a b&c=d/é%+~#?")},
		{"4 KiB", new(strings.Repeat("s", 4<<10))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			params, _ := authParams(spaID, spaRedirect, "openid")
			params.Del("state")
			if tt.state != nil {
				params.Set("state", *tt.state)
			}
			res := postLogin(t, tn, params, "reader", "reader-password")
			for i, q := range []string{"login form", "session"} {
				if i == 1 {
					req := newRequest(t, http.MethodGet, tn.Issuer()+"authorize?"+params.Encode(), nil)
					for _, c := range (&http.Response{Header: res.header}).Cookies() {
						req.AddCookie(c)
					}
					res = doNoFollow(t, req)
				}
				got := redirectQuery(t, res)
				if got.Get("code") == "" {
					t.Errorf("%s: got no code, want one", q)
				}
				switch st, ok := got["state"]; {
				case tt.state == nil && ok:
					t.Errorf("%s: got state %q, want none", q, st)
				case tt.state != nil && (len(st) != 1 || st[0] != *tt.state):
					t.Errorf("%s: got state %.40q, want %.40q", q, st, *tt.state)
				}
			}
		})
	}
}

// TestControlCharactersInStateOrNonce: the login form carries state and
// nonce in hidden inputs, and a browser sends a line break back as CRLF,
// and a NUL or a byte that is not UTF-8 as U+FFFD, so the client would get
// another state (or ID token nonce) than it sent. They are refused at once, with the state echoed
// exactly on the error redirect (RFC 6749 section 4.1.2.1, appendix A.5).
func TestControlCharactersInStateOrNonce(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, name := range []string{"state", "nonce"} {
		for _, tt := range []struct{ name, value string }{
			{"line feed", "a\nb"},
			{"carriage return", "a\rb"},
			{"CRLF", "a\r\nb"},
			{"NUL", "a\x00b"},
			{"tab", "a\tb"},
			{"DEL", "a\x7fb"},
			{"invalid UTF-8", "a\xffb"}, // the page is UTF-8: a browser reads the byte as U+FFFD
		} {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				params, _ := authParams(spaID, spaRedirect, "openid")
				params.Set(name, tt.value)
				res := authorizeGET(t, tn, params)
				if res.status != http.StatusFound {
					t.Fatalf("got status %d (a login page when 200), want 302 with an error", res.status)
				}
				q := redirectQuery(t, res)
				if q.Get("error") != "invalid_request" || q.Get("code") != "" {
					t.Errorf("got error %q and code %q, want invalid_request and no code", q.Get("error"), q.Get("code"))
				}
				if got := q.Get("state"); got != params.Get("state") {
					t.Errorf("got state %q on the error redirect, want %q as sent", got, params.Get("state"))
				}
			})
		}
	}
}
