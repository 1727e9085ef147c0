package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// maxBodyBytes bounds how much of a response body is read and printed.
const maxBodyBytes = 1 << 20

// run is the whole command; it returns the exit code.
// b opens the login page for -login.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, b browser) int {
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usageText)
		return 0
	}
	if err != nil {
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintln(stderr, "messages: "+line)
		}
		fmt.Fprintln(stderr, `run "messages -h" for usage`)
		return 2
	}

	// One client for the tenant and the API: bounded in time, never
	// following a redirect (the token must go to the configured API only).
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		Timeout:       o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)

	var (
		cache  *tokenCache
		cached *oauth2.Token
		renew  = earlyExpiry
	)
	if o.cacheFile != "" {
		cache = newTokenCache(o.cacheFile, &o)
		if cached, renew, err = cache.load(stderr); err != nil {
			fmt.Fprintln(stderr, "messages: "+err.Error())
			return 2
		}
	}
	f := newSource(ctx, &o, cached, b, stderr)
	var ls *lockedSource
	if cache != nil {
		lock, err := cache.openLock()
		if err != nil {
			fmt.Fprintln(stderr, "messages: "+err.Error())
			return 2
		}
		defer lock.Close()
		// New tokens come through the cache's lock, and are saved under it.
		ls = &lockedSource{ctx: ctx, next: f, cache: cache, lock: lock, log: stderr, wait: o.timeout}
		if cached != nil {
			ls.have = cached.AccessToken
		}
		f = ls
	}
	// The token is reused for every call until shortly before it expires.
	ts := oauth2.ReuseTokenSourceWithExpiry(cached, f, renew)

	// A new token is a new *oauth2.Token from ts, compared by pointer: the
	// tenant may reissue the same access token string (same claims within a
	// second), and it was bought all the same (lockedSource saved it).
	current, printed := cached, ""
	target := o.api.String() + o.path
	failed, retried, newUsed := 0, false, false
	for i := 0; i < o.calls; i++ {
		tok, err := ts.Token()
		if err != nil {
			// The error may quote the server (a certificate's names): never its control characters.
			fmt.Fprintln(stderr, "messages: "+strings.Map(dropControl, explainTokenError(err, &o)))
			return 1
		}
		if tok != current {
			current = tok
			// Reused for as long as its lifetime allows (each new token is billed).
			ts = oauth2.ReuseTokenSourceWithExpiry(tok, f, renewBefore(tok))
		}
		if o.printToken && tok.AccessToken != printed {
			// A token that never reached stdout (a full disk) must not end in exit 0.
			if _, err := fmt.Fprintln(stdout, tok.AccessToken); err != nil {
				fmt.Fprintf(stderr, "messages: cannot print the token: %v\n", err)
				return 1
			}
			printed = tok.AccessToken
		}
		if o.path == "" {
			return 0 // -print-token alone
		}

		resp, body, err := get(ctx, client, target, tok)
		if err != nil {
			// The error may quote the API's server (a certificate's names): never its control characters.
			fmt.Fprintf(stderr, "messages: GET %s: %s\n", target, strings.Map(dropControl, err.Error()))
			if errors.Is(err, syscall.ECONNREFUSED) {
				fmt.Fprintf(stderr, "messages: is the API running at %s? (locally: go run ./cmd/api -dev, which -dev finds at HOST and PORT as the service does; elsewhere, pass -api URL or set API_URL)\n", o.api)
			}
			// No answer at all: the next calls would most likely wait or
			// fail the same way, -n times over.
			if left := o.calls - i - 1; left > 0 && ctx.Err() == nil {
				fmt.Fprintf(stderr, "messages: stopping: the other %d call(s) are not made\n", left)
			}
			return 1
		}
		// A cached token can be stale in ways its expiry does not tell (the
		// tenant rotated its keys, or the dev tenant restarted with a new
		// one): on 401, get a new token once and repeat the call; unless a
		// token bought so was refused too, when the API refuses for another
		// reason, and each token bought for it would be billed for nothing.
		refused := resp.StatusCode == http.StatusUnauthorized
		if refused && cached != nil && tok.AccessToken == cached.AccessToken && !retried {
			retried = true
			if !cache.refusedFresh.IsZero() {
				fmt.Fprintf(stderr, "messages: the API refused the cached token, as it refused it when it was new (%s): not getting another, "+
					"since the refusal is not the token's age; is %s the API of this tenant and audience? (delete %s to buy a new token anyway)\n",
					cache.refusedFresh.Format(time.RFC3339), o.api, cache.path)
			} else {
				fmt.Fprintln(stderr, "messages: the API refused the cached token; getting a new one")
				ts = oauth2.ReuseTokenSourceWithExpiry(nil, f, earlyExpiry)
				i--
				continue
			}
		}
		// By pointer, as current: the new token may repeat the old string.
		if ls != nil && retried && !newUsed && tok != cached && refused {
			fmt.Fprintf(stderr, "messages: the API refused the new token too: the refusal is not the token's age; is %s the API of this tenant and audience? "+
				"Later runs will not buy another token for a 401 while this one lasts\n", o.api)
			ls.markRefused(tok, true)
		}
		if retried && tok != cached {
			newUsed = true // only the new token's first call tells: a later 401 may be its age
		}
		if ls != nil && !cache.refusedFresh.IsZero() && tok == cached && !refused {
			cache.refusedFresh = time.Time{} // accepted: a later 401 may be its age again
			ls.markRefused(tok, false)
		}
		if err := printResponse(stdout, resp, body); err != nil {
			// An answer nobody got (a full disk) must not end in exit 0, and
			// the calls left would be billed tokens for nothing.
			fmt.Fprintf(stderr, "messages: cannot print the response: %v\n", err)
			return 1
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			failed++
		}
	}
	fmt.Fprintf(stderr, "messages: %d call(s), %d new token(s), %d call(s) not 2xx\n", o.calls, f.fetched(), failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// renewBefore is how long before its expiry a new token stops being
// reused: earlyExpiry, or half the lifetime of a token that lives less than
// twice that, which earlyExpiry alone would never reuse.
func renewBefore(tok *oauth2.Token) time.Duration {
	if life := time.Until(tok.Expiry); !tok.Expiry.IsZero() && life < 2*earlyExpiry {
		return max(life/2, 0)
	}
	return earlyExpiry
}

// source is where new tokens come from, counting them.
type source interface {
	oauth2.TokenSource
	fetched() int
}

// newSource returns the client-credentials fetcher, or with -login the
// login source, holding the cached refresh token when there is one.
func newSource(ctx context.Context, o *options, cached *oauth2.Token, b browser, log io.Writer) source {
	if !o.login {
		return newFetcher(ctx, o, log)
	}
	s := &loginSource{ctx: ctx, o: o, browser: b, log: log}
	if o.noBrowser {
		s.browser = nil
	}
	if cached != nil {
		s.refresh = cached.RefreshToken
	}
	return s
}

// get calls target with the token and reads the (bounded) body.
func get(ctx context.Context, client *http.Client, target string, tok *oauth2.Token) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	tok.SetAuthHeader(req)
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the response: %w", err)
	}
	return resp, body, nil
}

// printResponse writes the status line, the RFC 6750 challenge when there
// is one (it says why a token was refused) and the body, none of them able
// to drive the terminal they are printed on (see clean, printable).
func printResponse(w io.Writer, resp *http.Response, body []byte) error {
	var out bytes.Buffer // one write, one error to check
	fmt.Fprintf(&out, "%s %s\n", clean(resp.Proto), clean(resp.Status))
	if c := resp.Header.Get("WWW-Authenticate"); c != "" {
		fmt.Fprintf(&out, "WWW-Authenticate: %s\n", clean(c))
	}
	body = printable(body)
	out.Write(body)
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\n")) {
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}

// printable is body without its control characters but newline and tab
// (see dropControl), invalid UTF-8 read as U+FFFD: whatever answers at the
// API's address, a proxy's error page included, must not retitle, clear or
// rewrite the terminal of the person reading it. A JSON body keeps its
// meaning: JSON has no raw C0 characters, and a C1 one is only ever inside
// a string.
func printable(body []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		return dropControl(r)
	}, body)
}
