// Package ports holds the interfaces the core needs from the outside world.
// Here "ports" are the core's own interfaces, implemented by adapters.
package ports

import (
	"context"
	"errors"

	"github.com/example/messages-api/internal/domain"
)

// TokenVerifier turns a bearer access token into verified claims.
//
// Verify returns one of:
//   - the token's claims and a nil error;
//   - a *InvalidTokenError, whose Reason says why the token was refused
//     (the caller answers 401 invalid_token);
//   - an error wrapping ErrKeysUnavailable when no key to check the token
//     with can be had right now (tenant unreachable, nothing cached; the
//     caller answers 503 and the client retries later);
//   - ctx's error when ctx ends first.
//
// Any other error is a fault of the verifier (a key it cannot use, claims
// it cannot read): the caller answers 500 and logs it. A context error
// that is not ctx's is taken for a timeout inside the verifier: 503.
//
// Verify never logs or returns the token itself.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (domain.Claims, error)
}

// ErrKeysUnavailable means the verification keys cannot be had right now.
var ErrKeysUnavailable = errors.New("verification keys unavailable")

// Reason is a stable, machine-readable code for why a token was refused.
// Codes appear in logs and metrics labels, so the set stays small and fixed.
type Reason string

// The reasons a token is refused.
const (
	ReasonMalformed            Reason = "malformed"             // not a compact JWS of JSON objects
	ReasonTooLarge             Reason = "too_large"             // longer than the configured cap
	ReasonUnsupportedAlgorithm Reason = "unsupported_algorithm" // alg other than exactly RS256
	ReasonUnsupportedType      Reason = "unsupported_type"      // typ not accepted
	ReasonUnsupportedHeader    Reason = "unsupported_header"    // crit or another header we refuse
	ReasonMissingKeyID         Reason = "missing_kid"           // kid absent, empty or too long
	ReasonUnknownKey           Reason = "unknown_key"           // kid not in the tenant's key set
	ReasonBadSignature         Reason = "bad_signature"         // signature does not verify
	ReasonMissingClaim         Reason = "missing_claim"         // a required claim (exp, sub, iat; jti, client_id for at+jwt: RFC 9068 §2.2) is absent
	ReasonInvalidClaim         Reason = "invalid_claim"         // a claim has the wrong JSON type
	ReasonExpired              Reason = "expired"               // exp passed, beyond the leeway
	ReasonNotYetValid          Reason = "not_yet_valid"         // nbf in the future, beyond the leeway
	ReasonIssuedInFuture       Reason = "issued_in_future"      // iat in the future, beyond the leeway
	ReasonWrongIssuer          Reason = "wrong_issuer"          // iss is not the tenant
	ReasonWrongAudience        Reason = "wrong_audience"        // aud names none of our audiences
)

// Known reports whether r is one of the reasons above.
func (r Reason) Known() bool {
	switch r {
	case ReasonMalformed, ReasonTooLarge, ReasonUnsupportedAlgorithm, ReasonUnsupportedType,
		ReasonUnsupportedHeader, ReasonMissingKeyID, ReasonUnknownKey, ReasonBadSignature,
		ReasonMissingClaim, ReasonInvalidClaim, ReasonExpired, ReasonNotYetValid,
		ReasonIssuedInFuture, ReasonWrongIssuer, ReasonWrongAudience:
		return true
	}
	return false
}

// InvalidTokenError says a token was refused and why.
type InvalidTokenError struct {
	Reason Reason
	// Description is a short human-readable explanation. It never contains
	// the token and uses only the characters RFC 6750 allows in
	// error_description.
	Description string
}

func (e *InvalidTokenError) Error() string {
	return "invalid token: " + string(e.Reason) + ": " + e.Description
}

// Invalid builds an *InvalidTokenError.
func Invalid(reason Reason, description string) error {
	return &InvalidTokenError{Reason: reason, Description: description}
}
