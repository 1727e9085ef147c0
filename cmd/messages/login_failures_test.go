package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestLoginTenantDown: a tenant that does not answer ends -login at once,
// saying so and what to change, instead of sending the user to a page that
// cannot load and waiting minutes for a redirect.
func TestLoginTenantDown(t *testing.T) {
	// Held for the whole test: a port merely closed could be taken by
	// another process, or be a dial's own source port (a TCP
	// self-connect on loopback), and then answer.
	closed := "http://" + closedAddr(t)
	tests := []struct {
		name  string
		extra []string
	}{
		{"with a browser", nil},
		{"without one", []string{"-no-browser"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-login", "-domain", closed, "-audience", "https://messages-api.test", "-client-id", "native-app", "-print-token"}, tt.extra...)
			r := runWith(t, unusedBrowser{t: t}, args...)
			if r.code != 1 || !strings.Contains(r.stderr, "does not answer") || !strings.Contains(r.stderr, "pass -domain") {
				t.Errorf("got exit %d, stderr %q, want 1 and a message that the tenant does not answer, with the fix", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "open this URL") || strings.Contains(r.stderr, "opening the login page") {
				t.Errorf("got stderr %q, want no login page offered", r.stderr)
			}
		})
	}
}

// A redirect whose query has a pair that cannot be read (bad
// percent-encoding, a semicolon) ends the login when it carries this
// login's state, since the lost pair may have been iss or error, and is
// ignored like any foreign redirect when it does not.
func TestLoginCallbackMalformedQuery(t *testing.T) {
	for _, tt := range []struct {
		name, query string
		wantResult  bool // the login ends with an error; false: ignored, still waiting
	}{
		{"iss with bad percent-encoding", "code=c&state=s&iss=%zz", true},
		{"error with a semicolon", "state=s&error=access_denied;x", true},
		{"a stray %", "code=c&state=s&x=100%", true},
		{"foreign state", "code=c&state=forged&iss=%zz", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cb := newCallback("s", "https://tenant.example/")
			w := httptest.NewRecorder()
			cb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/callback?"+tt.query, nil))
			if w.Code != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", w.Code)
			}
			select {
			case res := <-cb.done:
				if !tt.wantResult || res.code != "" || res.err == nil || !strings.Contains(res.err.Error(), "could not be read") {
					t.Errorf("got result %+v, want none (ignored: %v) or an error saying the query could not be read", res, !tt.wantResult)
				}
			default:
				if tt.wantResult {
					t.Errorf("got no result, want the login ended with an error")
				}
			}
		})
	}
}

// failingBrowser is a system browser that does not start, next to a user
// who opens the printed URL by hand (then).
type failingBrowser struct{ then browser }

func (b failingBrowser) Open(ctx context.Context, u string) error {
	if err := b.then.Open(ctx, u); err != nil {
		return err
	}
	return errors.New("xdg-open: not found")
}

// cancellingBrowser is the user pressing Ctrl-C while the login page is open.
type cancellingBrowser struct{ cancel context.CancelFunc }

func (b cancellingBrowser) Open(context.Context, string) error {
	b.cancel()
	return nil
}

// TestLoginFailures: how a login that cannot go on ends, and what it says.
func TestLoginFailures(t *testing.T) {
	approved := func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }
	taken := closedAddr(t) // a loopback port held by another socket
	_, takenPort, _ := net.SplitHostPort(taken)
	tests := []struct {
		name       string
		errorCode  string // of the tenant's refusal of the code; "" = none
		browser    func(t *testing.T, as *authServer, cancel context.CancelFunc) browser
		extra      []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"the client refused for a user login", "unauthorized_client",
			func(t *testing.T, as *authServer, _ context.CancelFunc) browser {
				return &redirectingBrowser{t: t, as: as, back: approved}
			}, nil, 1, "",
			`the tenant refused the client "native-app" for a user login (unauthorized_client: Invalid authorization code): set -client-id to a Native application's client id`},
		// The URL is printed first: a browser that does not start ends nothing.
		{"no browser starts, the URL is opened by hand", "",
			func(t *testing.T, as *authServer, _ context.CancelFunc) browser {
				return failingBrowser{then: &redirectingBrowser{t: t, as: as, back: approved}}
			}, nil, 0, "at-1\n", "could not open a browser (xdg-open: not found); open the URL above by hand"},
		{"interrupted while waiting", "",
			func(_ *testing.T, _ *authServer, cancel context.CancelFunc) browser { return cancellingBrowser{cancel} },
			nil, 1, "", "messages: interrupted while logging in"},
		{"-redirect-port taken", "",
			func(t *testing.T, _ *authServer, _ context.CancelFunc) browser { return unusedBrowser{t: t} },
			[]string{"-redirect-port", takenPort}, 1, "", "cannot listen on a loopback port for the login redirect: listen tcp " + taken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			as.failExchange, as.errorCode = tt.errorCode != "", tt.errorCode
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			r := runWithContext(ctx, tt.browser(t, as, cancel), loginArgs(as, tt.extra...)...)
			if r.code != tt.wantCode || r.stdout != tt.wantStdout {
				t.Errorf("got exit code %d and stdout %q, want %d and %q (stderr %s)", r.code, r.stdout, tt.wantCode, tt.wantStdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}
