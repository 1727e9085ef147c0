package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// loginTimeout bounds how long a login waits for the browser to come back,
// so a forgotten terminal does not keep a listener open for ever.
const loginTimeout = 5 * time.Minute

// callbackPath is where the tenant sends the browser back. Any path would
// do for a loopback redirect (RFC 8252 §7.3); the port is what varies.
const callbackPath = "/callback"

// browser shows the user the tenant's login page. The command opens the
// system browser (RFC 8252 §4.1: never an embedded web view); tests drive
// a headless one, or a plain HTTP client. Open returns once the page is
// on its way, without waiting for the user: the redirect back is answered
// only after the code has been exchanged, which login does once Open has
// returned.
type browser interface {
	Open(ctx context.Context, url string) error
}

// errStateMismatch means the browser came back with a state this login did
// not send: a forged or stale redirect (RFC 6749 §10.12), so its code is
// never exchanged. The login ignores it and keeps waiting, so a page or
// process that finds the port cannot end the login.
var errStateMismatch = errors.New("this redirect carried a state this login did not send (a forged or stale redirect), so it was ignored; the login is still waiting for its own")

// authorizeError is an error the tenant sent back on the redirect
// (RFC 6749 §4.1.2.1), such as access_denied.
type authorizeError struct {
	code, description string
}

func (e *authorizeError) Error() string {
	said := e.code
	if e.description != "" {
		said += ": " + e.description
	}
	if e.code == "access_denied" {
		return "the login was denied (" + said + ")"
	}
	return "the tenant refused the login (" + said + ")"
}

// loginConfig is the authorization code flow's client side for one run.
func loginConfig(o *options, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.clientID, // a public client: no secret (RFC 8252 §8.5)
		Endpoint: oauth2.Endpoint{
			AuthURL:   o.issuer + "authorize",
			TokenURL:  o.tokenURL,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURL,
		Scopes:      o.scopes,
	}
}

// login runs the authorization code grant with PKCE (RFC 7636, S256) as a
// native app (RFC 8252): it listens on an ephemeral loopback port, has b
// show the tenant's /authorize page (or prints its URL when b is nil),
// waits for the redirect, checks its state and exchanges the code. It
// returns the token response, with a refresh token when the tenant issued
// one (scope offline_access).
func login(ctx context.Context, o *options, b browser, log io.Writer) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	if err := reachable(ctx, o.issuer); err != nil {
		return nil, err
	}

	// 127.0.0.1 rather than localhost: no resolver, no IPv6 surprise
	// (RFC 8252 §7.3, §8.3).
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.redirectPort)))
	if err != nil {
		return nil, fmt.Errorf("cannot listen on a loopback port for the login redirect: %w", err)
	}
	redirectURL := "http://" + ln.Addr().String() + callbackPath
	cfg := loginConfig(o, redirectURL)

	state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier() // 32 random bytes each, base64url
	authURL := cfg.AuthCodeURL(state,
		oauth2.S256ChallengeOption(verifier),
		// Auth0 issues a JWT for the API only when it is named.
		oauth2.SetAuthURLParam("audience", o.audience))

	cb := newCallback(state, o.issuer)
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln) // ends with ErrServerClosed at Shutdown
	}()
	defer func() {
		close(cb.over) // a redirect still waiting for the exchange is told the login ended
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		<-served
	}()

	if b == nil {
		fmt.Fprintf(log, "messages: to log in, open this URL in a browser:\n\n  %s\n\n", authURL)
	} else {
		fmt.Fprintf(log, "messages: opening the login page in your browser; if it does not open, visit:\n\n  %s\n\n", authURL)
		if err := b.Open(ctx, authURL); err != nil {
			fmt.Fprintf(log, "messages: could not open a browser (%v); open the URL above by hand\n", err)
		}
	}
	fmt.Fprintf(log, "messages: waiting for the login to come back to %s\n", redirectURL)

	var res callbackResult
	select {
	case res = <-cb.done:
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no login within %s; run the command again", loginTimeout)
		}
		return nil, ctx.Err()
	}
	if res.err != nil {
		return nil, res.err
	}
	// The verifier proves this process started the flow (RFC 7636 §4.5);
	// the redirect URI must be the one sent to /authorize (RFC 6749 §4.1.3).
	// The browser's answer says whether it worked, for the run: a token it
	// cannot use did not.
	t, err := cfg.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		cb.exchanged <- err
		return nil, fmt.Errorf("exchanging the authorization code: %w", err)
	}
	if err := usable(t); err != nil {
		cb.exchanged <- err
		return nil, err
	}
	cb.exchanged <- nil
	return t, nil
}

// reachable checks that the tenant answers at all (any status will do)
// before the user is sent to its login page: otherwise the browser shows an
// error and login waits loginTimeout for a redirect that cannot come.
func reachable(ctx context.Context, issuer string) error {
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+".well-known/openid-configuration", nil)
	if err != nil {
		return err
	}
	client := http.DefaultClient
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok {
		client = c
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the tenant at %s does not answer: %w", issuer, err)
	}
	_ = resp.Body.Close()
	return nil
}

// reachTimeout bounds reachable: a tenant that takes longer to answer one
// request will not serve a login either.
const reachTimeout = 10 * time.Second

type callbackResult struct {
	code string
	err  error
}

// callback receives the browser's redirect on the loopback listener. The
// first redirect with this login's state decides the login, and is
// answered once its code has been exchanged (the page says "logged in"
// only when the terminal will); later ones are told it is over, and ones
// without it are refused and ignored.
type callback struct {
	state, issuer string
	decided       atomic.Bool         // a redirect with the state has come
	done          chan callbackResult // buffered, 1: the deciding redirect's result
	exchanged     chan error          // buffered, 1: the code exchange's outcome
	over          chan struct{}       // closed when login returns
}

func newCallback(state, issuer string) *callback {
	return &callback{state: state, issuer: issuer, done: make(chan callbackResult, 1),
		exchanged: make(chan error, 1), over: make(chan struct{})}
}

// errNotExchanged is the landing page's word for a code that could not be
// exchanged (refused, no answer in time, the user's Ctrl-C): the terminal
// prints why.
var errNotExchanged = errors.New("this login's code could not be exchanged for a token the command can use; the terminal says why. Run the command again")

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != callbackPath || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	// ParseQuery keeps the pairs it could read, the state among them, and
	// says when it could not read one, which r.URL.Query would drop.
	q, qerr := url.ParseQuery(r.URL.RawQuery)
	res := callbackResult{err: errStateMismatch}
	if got := q.Get("state"); subtle.ConstantTimeCompare([]byte(got), []byte(c.state)) == 1 {
		if c.decided.CompareAndSwap(false, true) {
			res = c.check(q, qerr)
			c.done <- res // never blocks: the buffer is for this one send
			if res.err == nil {
				res.err = c.awaitExchange(r.Context())
			}
		} else {
			res = callbackResult{err: errors.New("this login is already over; run the command again to log in")}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL holds the code
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page := landing{Title: "Logged in", Message: "You are logged in. You can close this tab and go back to the terminal."}
	if res.err != nil {
		w.WriteHeader(http.StatusBadRequest)
		page = landing{Title: "Login failed", Message: clean(res.err.Error()), Failed: true}
	}
	_ = landingPage.Execute(w, page)
}

// awaitExchange is nil once login has exchanged the code, or why the
// landing page must not say the user is logged in.
func (c *callback) awaitExchange(ctx context.Context) error {
	var err error
	select {
	case err = <-c.exchanged:
	case <-c.over:
		// login sends the outcome before it returns, and select picks
		// either of two ready cases: a sent outcome is the answer.
		select {
		case err = <-c.exchanged:
		default:
			return errors.New("the login ended before this login's code was exchanged; the terminal says why. Run the command again")
		}
	case <-ctx.Done(): // the browser went away: no one to answer
		return ctx.Err()
	}
	if err != nil {
		return errNotExchanged
	}
	return nil
}

// check reads the parameters of a redirect that carries this login's
// state (RFC 6749 §4.1.2, §4.1.2.1); qerr is the query's parse error. A
// pair that could not be read, or a parameter given twice, may have been the
// iss to check or the error to report, so such a redirect ends the login.
func (c *callback) check(q url.Values, qerr error) callbackResult {
	if qerr != nil {
		return callbackResult{err: errors.New("the login redirect's query could not be read (bad percent-encoding or a semicolon), so one of its parameters would be lost; run the command again")}
	}
	// RFC 6749 §3.1: no parameter more than once; the copy not read could be the iss or error to heed.
	for _, name := range []string{"state", "code", "iss", "error", "error_description", "error_uri"} {
		if len(q[name]) > 1 {
			return callbackResult{err: fmt.Errorf("the login redirect carried %q more than once, so which one counts is unknown; run the command again", name)}
		}
	}
	// RFC 9207: a tenant that names itself, even as nothing, must be the
	// one we asked.
	if iss, present := q["iss"]; present && iss[0] != c.issuer && iss[0]+"/" != c.issuer {
		return callbackResult{err: fmt.Errorf("the login redirect came from issuer %q, not %q", clean(iss[0]), c.issuer)}
	}
	// RFC 6749 §4.1.2.1: the error parameter says the login failed, even
	// empty (or nothing printable), and even beside a code.
	if codes, present := q["error"]; present {
		if clean(codes[0]) == "" {
			return callbackResult{err: errors.New("the login redirect carried an empty error, so whether the login failed is unknown; run the command again")}
		}
		return callbackResult{err: &authorizeError{code: clean(codes[0]), description: clean(q.Get("error_description"))}}
	}
	code := q.Get("code")
	if code == "" {
		return callbackResult{err: errors.New("the login redirect carried neither a code nor an error")}
	}
	return callbackResult{code: code}
}

type landing struct {
	Title, Message string
	Failed         bool
}

var landingPage = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>messages: {{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p id="{{if .Failed}}error{{else}}done{{end}}">{{.Message}}</p></body></html>
`))
