package httpapi

import (
	"errors"
	"net/http"
	"strings"

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
	scheme, rest, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false, nil
	}
	if r.URL.RawQuery != "" && r.URL.Query().Has("access_token") {
		return "", false, errTwoMethods
	}
	// Extra spaces between scheme and token are tolerated; anything else
	// (a second token, a comma) reaches the verifier and is malformed there.
	return strings.TrimLeft(rest, " "), true, nil
}

// authenticate verifies the bearer token, when there is one, and records
// the caller's claims for the handler. Without credentials it lets the
// request through with no claims: the domain decides whether that is enough.
func (h *handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok, err := bearerToken(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if ok {
			claims, err := h.verifier.Verify(r.Context(), token)
			h.metrics.verification(verificationOutcome(err))
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			st := stateFrom(r.Context())
			st.claims = &claims
		}
		next.ServeHTTP(w, r)
	})
}

// verificationOutcome labels a Verify result for metrics.
func verificationOutcome(err error) (outcome, reason string) {
	var invalid *ports.InvalidTokenError
	switch {
	case err == nil:
		return "valid", ""
	case errors.As(err, &invalid):
		return "invalid", string(invalid.Reason)
	case errors.Is(err, ports.ErrKeysUnavailable):
		return "unavailable", ""
	default:
		return "error", ""
	}
}
