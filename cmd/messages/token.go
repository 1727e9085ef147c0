package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"
	"unicode"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// earlyExpiry is how long before its expiry a token stops being reused, so
// a call never starts with a token about to expire in flight.
const earlyExpiry = 60 * time.Second

// fetcher gets a new token from the tenant on every Token call and says so
// on stderr. oauth2.ReuseTokenSourceWithExpiry sits in front of it.
type fetcher struct {
	ctx    context.Context // carries the HTTP client (oauth2.HTTPClient)
	cfg    *clientcredentials.Config
	o      *options
	log    io.Writer
	issued int // tokens fetched in this run
}

func newFetcher(ctx context.Context, o *options, log io.Writer) *fetcher {
	return &fetcher{
		ctx: ctx,
		cfg: &clientcredentials.Config{
			ClientID:     o.clientID,
			ClientSecret: o.clientSecret,
			TokenURL:     o.tokenURL,
			Scopes:       o.scopes,
			// Auth0 needs the API's identifier to issue a JWT for it.
			EndpointParams: url.Values{"audience": {o.audience}},
			// client_id and client_secret in the form body, as Auth0's
			// samples send them; this skips the auto-detection round trip.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		o:   o,
		log: log,
	}
}

func (f *fetcher) Token() (*oauth2.Token, error) {
	t, err := f.cfg.Token(f.ctx)
	if err != nil {
		return nil, err
	}
	if err := usable(t); err != nil {
		return nil, err
	}
	f.issued++
	scope, _ := t.Extra("scope").(string)
	fmt.Fprintf(f.log, "messages: got a new access token for client %q (audience %s, scope %q, expires in %s)\n",
		f.o.clientID, f.o.audience, clean(scope), expiresIn(t))
	return t, nil
}

func (f *fetcher) fetched() int { return f.issued }

// bearerToken is RFC 6750 section 2.1's b64token, the only shape of
// access token this command sends, prints or caches.
var bearerToken = regexp.MustCompile(`^[A-Za-z0-9._~+/-]+=*$`)

// unusableError says why a token response cannot be used. It never holds
// the token: a garbled one may carry terminal escapes, or be a real token
// in the wrong place.
type unusableError struct{ why string }

func (e *unusableError) Error() string {
	return "the tenant answered with a token this command cannot use: " + e.why
}

// usable checks a new token before it is sent, printed or cached: an
// access token that is a b64token, of type Bearer (RFC 6749 section 7.1:
// a client must not use a token type it does not understand), not already
// expired (a negative expires_in would otherwise have every call fetch a
// new one).
func usable(t *oauth2.Token) error {
	if why := unusable(t.AccessToken, t.TokenType); why != "" {
		return &unusableError{why}
	}
	if !t.Expiry.IsZero() && !t.Expiry.After(time.Now()) {
		return &unusableError{fmt.Sprintf("it has already expired (expires_in %s; a token's lifetime must be positive)", time.Until(t.Expiry).Round(time.Second))}
	}
	return nil
}

// unusable says what is wrong with an access token and its type (from the
// tenant or a cache file), or returns "".
func unusable(accessToken, tokenType string) string {
	switch {
	case !bearerToken.MatchString(accessToken):
		return "its access_token is not a bearer token (RFC 6750 §2.1: letters, digits, -._~+/ and = padding)"
	case tokenType != "" && !strings.EqualFold(tokenType, "bearer"):
		return fmt.Sprintf("its token_type %q is not Bearer, the only type this command sends (RFC 6750)", clean(tokenType))
	}
	return ""
}

func expiresIn(t *oauth2.Token) string {
	if t.Expiry.IsZero() {
		return "an unknown time"
	}
	return time.Until(t.Expiry).Round(time.Second).String()
}

// tenantRefusedHint follows a refused connection to the tenant: -dev
// finds the dev tenant through DEV_TENANT_ADDR, as the service does, so a
// service started with another environment is elsewhere.
const tenantRefusedHint = " (is the tenant right? the local dev tenant runs with: go run ./cmd/api -dev;" +
	" -dev looks for it at DEV_TENANT_ADDR as the service does: run both with the same environment, or pass -domain http://HOST:PORT)"

// explainTokenError turns a failed token request into a message that says
// what is wrong and what to change, from Auth0's {"error",
// "error_description"} answer when there is one.
func explainTokenError(err error, o *options) string {
	if o.login {
		return explainLoginError(err, o)
	}
	re, ok := errors.AsType[*oauth2.RetrieveError](err)
	if !ok {
		if errors.Is(err, context.Canceled) {
			return "interrupted while getting a token"
		}
		msg := fmt.Sprintf("cannot get a token from %s: %v", o.tokenURL, err)
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			msg += tenantRefusedHint
		case strings.Contains(err.Error(), "HTTP response to HTTPS client"):
			msg += " (a local dev tenant speaks plain http: give the domain as http://HOST:PORT)"
		}
		return msg
	}
	code, desc, said := oauthError(re)
	switch {
	case code == "":
		return notOAuth(re, o)
	case notFound(re):
		return noTokenEndpoint(re, o, said)
	case code == "invalid_client" || (code == "access_denied" && desc == "Unauthorized"):
		where := "the application's settings in the Auth0 dashboard"
		if o.dev {
			where = "the dev tenant's clients (the service's dev_tenant.clients; -dev knows their secrets)"
		}
		return fmt.Sprintf("the tenant refused the client credentials (%s): the client id %q or its client secret is wrong; "+
			"check %s and %s against %s", said, o.clientID, o.setting("client-id"), o.setting("client-secret"), where)
	case strings.HasPrefix(desc, "Service not enabled within domain"):
		where := "an API registered in this tenant (Dashboard > Applications > APIs > your API > Identifier)"
		if o.dev {
			where = "the dev tenant's API (the service's dev_tenant.audience), or leave it out for -dev's"
		}
		return fmt.Sprintf("the audience %q is not an API of the tenant %s (%s): set %s to the identifier of %s",
			o.audience, o.issuer, said, o.setting("audience"), where)
	case strings.HasPrefix(desc, "Client has not been granted scopes"):
		_, scopes, _ := strings.Cut(desc, ":")
		return fmt.Sprintf("the client %q has not been granted the scope(s) %s for the audience %q (%s): grant them to the application "+
			"(Dashboard > Applications > APIs > your API > Machine To Machine Applications) or drop them from -scope",
			o.clientID, strings.TrimSpace(scopes), o.audience, said)
	case strings.HasPrefix(desc, "Client is not authorized to access"):
		return fmt.Sprintf("the client %q is not authorized for the API %q (%s): authorize the application for this API "+
			"(Dashboard > Applications > APIs > your API > Machine To Machine Applications)",
			o.clientID, o.audience, said)
	case code == "unauthorized_client":
		return fmt.Sprintf("the client %q may not use the client-credentials grant (%s): use a Machine to Machine application, "+
			"or enable the Client Credentials grant in its advanced settings", o.clientID, said)
	default:
		return fmt.Sprintf("the tenant refused the token request with %s (%s)", status(re), said)
	}
}

// oauthError returns the tenant's error code and description (RFC 6749
// §5.2), cleaned, and both as one "code: description".
func oauthError(re *oauth2.RetrieveError) (code, desc, said string) {
	code, desc = clean(re.ErrorCode), clean(re.ErrorDescription)
	said = code
	if desc != "" {
		said += ": " + desc
	}
	return code, desc, said
}

func status(re *oauth2.RetrieveError) string {
	if re.Response == nil {
		return "no status"
	}
	// The reason phrase is the tenant's text, control characters included.
	return clean(re.Response.Status)
}

func notFound(re *oauth2.RetrieveError) bool {
	return re.Response != nil && re.Response.StatusCode == http.StatusNotFound
}

// noTokenEndpoint explains a 404 with an OAuth-shaped error body: a server
// that is not the tenant (the API itself, say) at -domain.
func noTokenEndpoint(re *oauth2.RetrieveError, o *options, said string) string {
	return fmt.Sprintf("the token endpoint %s answered %s (%s), so there is none there: is %q the Auth0 tenant domain (%s)?",
		o.tokenURL, status(re), said, strings.TrimSuffix(o.issuer, "/"), o.setting("domain"))
}

// notOAuth explains an answer without an OAuth error: most likely not an
// Auth0 tenant at all.
func notOAuth(re *oauth2.RetrieveError, o *options) string {
	return fmt.Sprintf("the token endpoint %s answered %s without an OAuth error: is %q the Auth0 tenant domain (%s)?",
		o.tokenURL, status(re), strings.TrimSuffix(o.issuer, "/"), o.setting("domain"))
}

// clean drops control characters from text a server chose, so it cannot
// play tricks on the terminal, and bounds its length.
func clean(s string) string {
	s = strings.Map(dropControl, s)
	const maxRunes = 300
	if r := []rune(s); len(r) > maxRunes {
		s = string(r[:maxRunes]) + "..."
	}
	return s
}

// dropControl maps a control character to -1, for strings.Map and
// bytes.Map: C0, DEL and C1, which hold the terminal's escape sequences,
// and the line and paragraph separators and bidi controls (Unicode's
// Bidi_Control), which break a line or reorder how the rest of it reads.
func dropControl(r rune) rune {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
		return -1
	}
	return r
}
