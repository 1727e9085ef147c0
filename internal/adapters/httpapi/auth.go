package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// bearerToken extracts the access token from the Authorization header
// (RFC 6750 §2.1). ok is false when the request carries no bearer
// credentials: no header, or another scheme. A token only in the
// access_token query parameter is not accepted (§5.3: tokens do not belong
// in URLs), so it counts as no credentials; a token sent both ways is a
// 400 (§2: one method per request).
func bearerToken(r *http.Request) (token string, ok bool, err error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, errTwoHeaders
	}
	v := values[0]
	// A scheme is a token (RFC 9110 §11.4), so any character a token cannot
	// hold ends it as a space does: "Bearer<TAB>token", "Bearer:token" or
	// "Bearer=token" is a malformed Bearer credential for the verifier to
	// refuse, not another scheme.
	i := schemeEnd(v)
	if !strings.EqualFold(v[:i], "Bearer") {
		return "", false, nil
	}
	if hasQueryToken(r) {
		return "", false, errTwoMethods
	}
	// Extra spaces between scheme and token are tolerated; anything else
	// (a tab, a second token, a comma) reaches the verifier and is
	// malformed there.
	return strings.TrimLeft(v[i:], " "), true, nil
}

// schemeEnd is the length of the token (RFC 9110 §5.6.2: tchar) that v
// starts with: its authentication scheme.
func schemeEnd(v string) int {
	for i := 0; i < len(v); i++ {
		if !isTchar(v[i]) {
			return i
		}
	}
	return len(v)
}

// isTchar reports a character of RFC 9110's token (§5.6.2).
func isTchar(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// hasQueryToken reports whether the query has an access_token parameter
// (RFC 6750 §2.3), read as a URL form is (the URL Standard's
// application/x-www-form-urlencoded parser): pairs split on "&" only, each
// name percent-decoded, the value never looked at. url.ParseQuery drops a
// whole pair for a ";" or a bad escape in its value, which would hide the
// token it holds.
func hasQueryToken(r *http.Request) bool {
	const name = "access_token"
	for q := r.URL.RawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		key, _, _ := strings.Cut(pair, "=")
		if key == name {
			return true
		}
		// An escaped name ("access%5Ftoken") decodes to it; one longer than
		// every character escaped cannot, and a bad escape leaves a "%" in it.
		if len(key) <= 3*len(name) && strings.ContainsAny(key, "%+") {
			if k, err := url.QueryUnescape(key); err == nil && k == name {
				return true
			}
		}
	}
	return false
}

// absence says why a request has no bearer credentials. It is still no
// credentials (RFC 6750 §3.1: the challenge carries no error code), but a
// token in the wrong place gets a body that says where it belongs.
type absence uint8

const (
	absent    absence = iota // no Authorization header, no access_token
	inQuery                  // only ?access_token=
	notBearer                // an Authorization header of another scheme
)

// whyAbsent classifies a request bearerToken found no credentials in. A
// token in the query comes first, whatever the header holds: its hint says
// where the token belongs too, and a URL with a token in it is the leak
// to stop (proxies and servers log URLs).
func whyAbsent(r *http.Request) absence {
	switch v := r.Header.Values("Authorization"); {
	case hasQueryToken(r):
		return inQuery
	case len(v) > 0 && v[0] != "": // an empty header (a client's empty token variable) holds no credentials of any scheme
		return notBearer
	}
	return absent
}

// extractToken is the middleware's TokenExtractor: our RFC 6750 rules.
func (h *handler) extractToken(r *http.Request) (string, error) {
	token, ok, err := bearerToken(r)
	switch {
	case err != nil:
		return "", err
	case !ok:
		stateFrom(r.Context()).absence = whyAbsent(r)
		return "", nil
	case token == "":
		// "Bearer" alone is credentials, and the verifier's to refuse:
		// the middleware would take an empty token for none.
		_, err := h.validateToken(r.Context(), "")
		if err == nil {
			err = errors.New("the verifier accepted an empty token")
		}
		return "", err
	}
	return token, nil
}

// authenticate is go-jwt-middleware's CheckJWT with our extractor and our
// one error mapping. Credentials are optional: without them the request
// goes on with no claims, and the domain decides whether that is enough.
// OPTIONS never needs a token.
func (h *handler) authenticate() func(http.Handler) http.Handler {
	return jwtmiddleware.New(h.validateToken,
		jwtmiddleware.WithTokenExtractor(h.extractToken),
		jwtmiddleware.WithErrorHandler(h.writeMiddlewareError),
		jwtmiddleware.WithCredentialsOptional(true),
		jwtmiddleware.WithValidateOnOptions(false),
	).CheckJWT
}

// writeMiddlewareError hands writeError our own error: the middleware wraps
// each of the verifier's in "jwt invalid: ..." and each of our extractor's
// (which holds the verifier's for "Bearer" alone) in "error extracting
// token: ...", which the failure's log line would repeat, calling a tenant
// outage an invalid token. Those are its only wrappers, one deep; its own
// ErrJWTMissing wraps nothing.
func (h *handler) writeMiddlewareError(w http.ResponseWriter, r *http.Request, err error) {
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	h.writeError(w, r, err)
}

// validateToken adapts ports.TokenVerifier to the middleware: the claims
// it returns are what the middleware puts in the request's context.
func (h *handler) validateToken(ctx context.Context, token string) (any, error) {
	claims, err := h.verifier.Verify(ctx, token)
	h.metrics.verification(verificationOutcome(ctx, err))
	if err != nil {
		return nil, err
	}
	stateFrom(ctx).claims = &claims // for the access log
	return &claims, nil
}

// claimsFrom returns the claims the middleware stored, nil without any.
func claimsFrom(r *http.Request) *domain.Claims {
	c, _ := r.Context().Value(jwtmiddleware.ContextKey{}).(*domain.Claims)
	return c
}

// verificationOutcome labels a Verify result under ctx for metrics: valid,
// invalid (with the port's reason, or "other" for a code not among them),
// unavailable (answered 503: no keys, the verifier's own context error,
// taken for a timeout inside it, or the shutdown timeout), cancelled (ctx
// ended first: the client hung up, or a deadline a parent router set
// passed) or error. The classes follow writeError's answers.
func verificationOutcome(ctx context.Context, err error) (outcome, reason string) {
	if err == nil {
		return "valid", "" // before errors.As's target, which escapes: a valid token allocates nothing here
	}
	var invalid *ports.InvalidTokenError
	switch {
	case errors.As(err, &invalid):
		if !invalid.Reason.Known() { // gate: each code a verifier made up would be a new series, without bound
			return "invalid", "other"
		}
		return "invalid", string(invalid.Reason)
	case errors.Is(err, ports.ErrKeysUnavailable):
		return "unavailable", ""
	case errors.Is(err, context.Canceled) && context.Cause(ctx) == errCutOff:
		return "unavailable", "" // answered 503: the shutdown timeout cut it off
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err())):
		return "cancelled", ""
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "unavailable", ""
	default:
		return "error", ""
	}
}
