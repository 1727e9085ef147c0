package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLoginRedirect(t *testing.T) {
	approved := func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }
	var issuer string // the tenant of the running case, "http://127.0.0.1:PORT"
	tests := []struct {
		name          string
		back          func(code, state string) url.Values
		failExchange  bool
		wantCode      int
		wantStdout    string
		wantStderr    string
		wantExchanges int
		wantLanding   int
	}{
		{"approved", approved, false, 0, "at-1\n", "logged in as client \"native-app\"", 1, 200},
		{"error redirect", func(_, state string) url.Values {
			return url.Values{"error": {"invalid_scope"}, "error_description": {"Unknown scope"}, "state": {state}}
		}, false, 1, "", "the tenant refused the login (invalid_scope: Unknown scope)", 0, 400},
		{"denied", func(_, state string) url.Values {
			return url.Values{"error": {"access_denied"}, "error_description": {"Wrong email or password."}, "state": {state}}
		}, false, 1, "", "the login was denied (access_denied: Wrong email or password.)", 0, 400},
		{"neither code nor error", func(_, state string) url.Values { return url.Values{"state": {state}} },
			false, 1, "", "neither a code nor an error", 0, 400},
		{"another issuer (RFC 9207)", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state}, "iss": {"https://attacker.example/"}}
		}, false, 1, "", `came from issuer "https://attacker.example/"`, 0, 400},
		// The browser is told only what the terminal says: not logged in.
		{"code exchange failure", approved, true, 1, "", "refused the authorization code or refresh token (invalid_grant: Invalid authorization code)", 1, 400},
		// RFC 9207: the issuer as the tenant names itself, with or without the slash.
		{"the tenant's own issuer", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state}, "iss": {issuer + "/"}}
		}, false, 0, "at-1\n", "logged in as client \"native-app\"", 1, 200},
		{"the tenant's own issuer without the slash", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state}, "iss": {issuer}}
		}, false, 0, "at-1\n", "logged in as client \"native-app\"", 1, 200},
		// An error is never taken for a success, whatever else is there.
		{"an error next to a code", func(code, state string) url.Values {
			return url.Values{"code": {code}, "error": {"access_denied"}, "state": {state}}
		}, false, 1, "", "the login was denied (access_denied)", 0, 400},
		{"an empty error next to a code", func(code, state string) url.Values {
			return url.Values{"code": {code}, "error": {""}, "state": {state}}
		}, false, 1, "", "the login redirect carried an empty error", 0, 400},
		{"an error of control characters only", func(code, state string) url.Values {
			return url.Values{"code": {code}, "error": {"\x1b\x07"}, "state": {state}}
		}, false, 1, "", "the login redirect carried an empty error", 0, 400},
		{"an empty iss (RFC 9207)", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state}, "iss": {""}}
		}, false, 1, "", `came from issuer ""`, 0, 400},
		// RFC 6749 §3.1: no parameter more than once; the one read would hide the other.
		{"a second iss", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state}, "iss": {issuer + "/", "https://attacker.example/"}}
		}, false, 1, "", `the login redirect carried "iss" more than once`, 0, 400},
		{"an empty error before a real one", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state}, "error": {"", "access_denied"}}
		}, false, 1, "", `the login redirect carried "error" more than once`, 0, 400},
		{"two codes", func(code, state string) url.Values {
			return url.Values{"code": {code, "other-code"}, "state": {state}}
		}, false, 1, "", `the login redirect carried "code" more than once`, 0, 400},
		{"the state twice", func(code, state string) url.Values {
			return url.Values{"code": {code}, "state": {state, state}}
		}, false, 1, "", `the login redirect carried "state" more than once`, 0, 400},
		{"an error with a terminal escape", func(_, state string) url.Values {
			return url.Values{"error": {"server_error\x1b[2J"}, "error_description": {"oops\x1b]0;owned\x07"}, "state": {state}}
		}, false, 1, "", "the tenant refused the login (server_error[2J: oops]0;owned)", 0, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			as.failExchange = tt.failExchange
			issuer = as.url
			b := &redirectingBrowser{t: t, as: as, back: tt.back}
			r := runWith(t, b, loginArgs(as)...)
			if r.code != tt.wantCode {
				t.Errorf("got exit code %d, want %d (stderr %s)", r.code, tt.wantCode, r.stderr)
			}
			if r.stdout != tt.wantStdout {
				t.Errorf("got stdout %q, want %q", r.stdout, tt.wantStdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if strings.ContainsAny(r.stderr, "\x1b\x07") {
				t.Errorf("got stderr %q, want no control characters", r.stderr)
			}
			if exchanges, _ := as.counts(); exchanges != tt.wantExchanges {
				t.Errorf("got %d code exchanges, want %d", exchanges, tt.wantExchanges)
			}
			if landing := b.landing(); b.opened != 1 || landing != tt.wantLanding {
				t.Errorf("got %d browser opens and landing status %d, want 1 and %d", b.opened, landing, tt.wantLanding)
			}
		})
	}
}

// A redirect without this login's state, from any page or process that
// found the port, is refused and ignored: the login waits for its own
// (RFC 6749 §10.12), so such a redirect cannot end it.
func TestLoginIgnoresForeignRedirects(t *testing.T) {
	for _, tt := range []struct {
		name   string
		forged url.Values
	}{
		{"state mismatch", url.Values{"code": {"forged-code"}, "state": {"forged"}}},
		{"state missing", url.Values{"code": {"forged-code"}}},
		{"empty state", url.Values{"code": {"forged-code"}, "state": {""}}},
		{"error with a forged state", url.Values{"error": {"access_denied"}, "state": {"forged"}}},
		{"error without state", url.Values{"error": {"access_denied"}}},
		{"nothing", url.Values{}},
		// As long as a real one (32 bytes, base64url): only the value counts.
		{"a state of the same length", url.Values{"code": {"forged-code"}, "state": {strings.Repeat("A", 43)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			b := &redirectingBrowser{t: t, as: as, forged: tt.forged, back: func(code, state string) url.Values {
				return url.Values{"code": {code}, "state": {state}}
			}}
			r := runWith(t, b, loginArgs(as)...)
			if r.code != 0 || r.stdout != "at-1\n" {
				t.Errorf("got exit code %d and stdout %q, want 0 and at-1 (stderr %s)", r.code, r.stdout, r.stderr)
			}
			if landing := b.landing(); b.forgedStatus != http.StatusBadRequest || landing != http.StatusOK {
				t.Errorf("got landing status %d for the forged redirect and %d for the real one, want 400 and 200", b.forgedStatus, landing)
			}
			if exchanges, _ := as.counts(); exchanges != 1 {
				t.Errorf("got %d code exchanges, want 1 (the real code only)", exchanges)
			}
		})
	}
}

// A second redirect to the same listener (a reload, or a page racing the
// real one) never changes the outcome of the first.
func TestLoginCallbackOnce(t *testing.T) {
	cb := newCallback("s", "https://tenant.example/")
	cb.exchanged <- nil // the code the first redirect brings is exchanged
	for i, want := range []int{http.StatusOK, http.StatusBadRequest} {
		w := httptest.NewRecorder()
		cb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/callback?code=c&state=s", nil))
		if w.Code != want {
			t.Errorf("redirect %d: got status %d, want %d", i+1, w.Code, want)
		}
		if got := w.Header().Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("redirect %d: got Referrer-Policy %q, want no-referrer (the URL holds the code)", i+1, got)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("redirect %d: got Cache-Control %q, want no-store (the page answers a code)", i+1, got)
		}
	}
	if res := <-cb.done; res.code != "c" || res.err != nil {
		t.Errorf("got result %+v, want code c", res)
	}
}

// The redirect that decides the login is answered once its code has been
// exchanged, and says "logged in" only when it was: the browser is never
// told more than the terminal will say.
func TestLoginLandingAfterExchange(t *testing.T) {
	for _, tt := range []struct {
		name       string
		outcome    func(cb *callback)
		wantStatus int
		wantPage   string
	}{
		{"exchanged", func(cb *callback) { cb.exchanged <- nil }, http.StatusOK, "You are logged in."},
		{"the tenant refused the code", func(cb *callback) { cb.exchanged <- errors.New("oauth2: invalid_grant") },
			http.StatusBadRequest, "this login&#39;s code could not be exchanged for a token the command can use; the terminal says why."},
		{"the login ended first", func(cb *callback) { close(cb.over) },
			http.StatusBadRequest, "the login ended before this login&#39;s code was exchanged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cb := newCallback("s", "https://tenant.example/")
			w, answered := redirectInBackground(cb, "code=c&state=s")
			if res := <-cb.done; res.code != "c" { // the login has the code: now it exchanges it
				t.Fatalf("got result %+v, want code c", res)
			}
			select {
			case <-answered:
				t.Fatalf("the redirect was answered (%d) before the exchange, want it to wait", w.Code)
			default:
			}
			tt.outcome(cb)
			<-answered
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantPage) {
				t.Errorf("got %d %q, want %d and a page saying %q", w.Code, w.Body.String(), tt.wantStatus, tt.wantPage)
			}
			if strings.Contains(w.Body.String(), "invalid_grant") {
				t.Errorf("got page %q, want the tenant's error on the terminal only", w.Body.String())
			}
		})
	}
}

// A token the run cannot use ends it with exit 1, and the browser is told
// the login failed, not that the user is logged in.
func TestLoginLandingUnusableToken(t *testing.T) {
	for _, tt := range []struct {
		name, access string
	}{
		{"a space", "eyJ.x y.z"},
		{"a terminal escape", "eyJ.x\x1b[2J.z"},
		{"only a space", " "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			as := newAuthServer(t)
			as.fixedAccess = tt.access
			b := &redirectingBrowser{t: t, as: as, back: func(code, state string) url.Values {
				return url.Values{"code": {code}, "state": {state}}
			}}
			r := runWith(t, b, loginArgs(as)...)
			if want := "cannot use"; r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, want) {
				t.Errorf("got exit code %d, stdout %q and stderr %q; want 1, nothing and %q", r.code, r.stdout, r.stderr, want)
			}
			if landing := b.landing(); landing != http.StatusBadRequest {
				t.Errorf("got landing status %d, want 400: the run has no token", landing)
			}
		})
	}
}

// A login that has exchanged the code returns at once, so the redirect
// waiting for the outcome may find both the outcome and the login's end:
// the outcome is its answer, never "the login ended".
func TestLoginOutcomeBeforeEnd(t *testing.T) {
	for _, tt := range []struct {
		name    string
		outcome error
		want    error
	}{
		{"exchanged", nil, nil},
		{"refused", errors.New("oauth2: invalid_grant"), errNotExchanged},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 64 { // each a coin toss for a select that picks either ready case
				cb := newCallback("s", "https://tenant.example/")
				cb.exchanged <- tt.outcome
				close(cb.over)
				if got := cb.awaitExchange(t.Context()); got != tt.want {
					t.Fatalf("try %d: got %v, want %v", i+1, got, tt.want)
				}
			}
		})
	}
}

// redirectInBackground sends the browser's redirect back with query to cb
// from a goroutine of its own, as a browser's request waits while the
// login exchanges the code; answered is closed once cb has answered into w.
func redirectInBackground(cb *callback, query string) (w *httptest.ResponseRecorder, answered <-chan struct{}) {
	w = httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		cb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/callback?"+query, nil))
	}()
	return w, done
}

// A second redirect with the state while the first waits for the exchange
// (a second tab, a browser opening the URL twice) is told the login is
// over at once, and the first still gets the exchange's outcome.
func TestLoginSecondRedirectWhileExchanging(t *testing.T) {
	cb := newCallback("s", "https://tenant.example/")
	first, answered := redirectInBackground(cb, "code=c&state=s")
	<-cb.done // the login has the first redirect's code and exchanges it
	second, secondDone := redirectInBackground(cb, "code=c2&state=s")
	select {
	case <-secondDone:
	case <-time.After(10 * time.Second): // a hang detector: it must not wait for the exchange at all
		t.Fatal("the second redirect waits for the first one's exchange, want it answered at once")
	}
	if second.Code != http.StatusBadRequest || !strings.Contains(second.Body.String(), "already over") {
		t.Errorf("second redirect: got %d %q, want 400 saying the login is already over", second.Code, second.Body.String())
	}
	cb.exchanged <- nil
	<-answered
	if first.Code != http.StatusOK {
		t.Errorf("first redirect: got %d %q, want 200", first.Code, first.Body.String())
	}
	select {
	case res := <-cb.done:
		t.Errorf("got a second result %+v, want the login decided by the first redirect only", res)
	default:
	}
}

// The loopback listener answers only the tenant's redirect: a GET of
// callbackPath. Anything else is 404 and never decides the login.
func TestLoginCallbackOtherRequests(t *testing.T) {
	for _, tt := range []struct{ method, target string }{
		{http.MethodGet, "/favicon.ico"},
		{http.MethodGet, "/callback/x?code=c&state=s"},
		{http.MethodPost, "/callback?code=c&state=s"},
		{http.MethodPut, "/callback?code=c&state=s"},
	} {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			cb := newCallback("s", "https://tenant.example/")
			w := httptest.NewRecorder()
			cb.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
			if w.Code != http.StatusNotFound {
				t.Errorf("got status %d, want 404", w.Code)
			}
			select {
			case res := <-cb.done:
				t.Errorf("got result %+v, want none: the login still waits", res)
			default:
			}
		})
	}
}

// urlWatcher is the user of -no-browser: it reads the printed login URL
// from stderr and visits it.
type urlWatcher struct {
	strings.Builder
	visit func(string)
	seen  bool
}

var printedURL = regexp.MustCompile(`(?m)^  (http://\S+/authorize\?\S+)$`)

func (w *urlWatcher) Write(p []byte) (int, error) {
	n, err := w.Builder.Write(p)
	if m := printedURL.FindStringSubmatch(w.String()); m != nil && !w.seen {
		w.seen = true
		w.visit(m[1])
	}
	return n, err
}

func TestLoginNoBrowser(t *testing.T) {
	as := newAuthServer(t)
	b := &redirectingBrowser{t: t, as: as, back: func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }}
	stderr := &urlWatcher{visit: func(u string) {
		if err := b.Open(t.Context(), u); err != nil {
			t.Error(err)
		}
	}}
	var stdout strings.Builder
	code := run(t.Context(), loginArgs(as, "-no-browser"), func(string) string { return "" }, &stdout, stderr, unusedBrowser{t: t})
	if code != 0 || stdout.String() != "at-1\n" {
		t.Errorf("got exit code %d and stdout %q, want 0 and at-1 (stderr %s)", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "open this URL in a browser") {
		t.Errorf("got stderr %q, want the URL to open", stderr.String())
	}
}

// TestLoginFreshSecrets: each login has a state and a PKCE verifier of its
// own (RFC 7636 §4.1: a new verifier for every authorization request).
func TestLoginFreshSecrets(t *testing.T) {
	as := newAuthServer(t)
	for i := range 2 {
		b := &redirectingBrowser{t: t, as: as, back: func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }}
		if r := runWith(t, b, loginArgs(as)...); r.code != 0 {
			t.Fatalf("login %d: got exit code %d, want 0 (stderr %s)", i+1, r.code, r.stderr)
		}
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if len(as.states) != 2 || as.states[0] == as.states[1] {
		t.Errorf("got states %q, want two different ones", as.states)
	}
	if len(as.challenges) != 2 || as.challenges[0] == as.challenges[1] {
		t.Errorf("got code challenges %q, want two different ones", as.challenges)
	}
}

// loopbackProbe checks, before the user logs in, that the redirect's
// listener answers on 127.0.0.1 only: on Linux all of 127/8 reaches the
// machine, so another address of it stands for the network.
type loopbackProbe struct {
	t    *testing.T
	then browser
}

func (b loopbackProbe) Open(ctx context.Context, authURL string) error {
	u, _ := url.Parse(authURL)
	redirect, _ := url.Parse(u.Query().Get("redirect_uri"))
	other := net.JoinHostPort("127.0.0.2", redirect.Port())
	if c, err := net.Dial("tcp", other); err == nil {
		c.Close()
		b.t.Errorf("got a connection to the redirect's port at %s, want it refused: the listener must be on 127.0.0.1 only", other)
	}
	return b.then.Open(ctx, authURL)
}

func TestLoginListensOnLoopbackOnly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs 127.0.0.2 to reach the machine, as on Linux")
	}
	as := newAuthServer(t)
	b := loopbackProbe{t: t, then: &redirectingBrowser{t: t, as: as, back: func(code, state string) url.Values { return url.Values{"code": {code}, "state": {state}} }}}
	if r := runWith(t, b, loginArgs(as)...); r.code != 0 {
		t.Errorf("got exit code %d, want 0 (stderr %s)", r.code, r.stderr)
	}
}
