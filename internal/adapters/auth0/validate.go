package auth0

// The library's part: go-jwt-middleware's validator checks the signature and
// the registered claims of every token that is not a cache hit. Its errors
// become our stable reasons here, by go-jose's exported errors.

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/auth0/go-jwt-middleware/v2/validator"
	jose "gopkg.in/go-jose/go-jose.v2"
	josejson "gopkg.in/go-jose/go-jose.v2/json"
	"gopkg.in/go-jose/go-jose.v2/jwt"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// accessClaims are the claims beyond the registered ones that the service
// reads: scope (RFC 8693 §4.2) and Auth0 RBAC's permissions.
type accessClaims struct {
	Scope       string   `json:"scope"`
	Permissions []string `json:"permissions"`
}

// Validate implements validator.CustomClaims. It has nothing left to
// refuse: the strict pre-parse decoder has refused a scope that is not a
// string and permissions that are not an array of strings, and scope
// tokens are matched exactly, whatever bytes they hold (RFC 8693 §4.2).
func (c *accessClaims) Validate(context.Context) error { return nil }

// newLibraryValidator builds the library's validator for RS256 tokens of
// issuer for any of audiences. The key comes from keyFunc: the library
// passes it only the context, so the verifier puts the kid's key there.
func newLibraryValidator(issuer string, audiences []string, leeway time.Duration,
	keyFunc func(context.Context) (any, error)) (*validator.Validator, error) {
	v, err := validator.New(keyFunc, validator.RS256, issuer, audiences,
		validator.WithAllowedClockSkew(leeway),
		validator.WithCustomClaims(func() validator.CustomClaims { return &accessClaims{} }))
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	return v, nil
}

type keyContextKey struct{}

// withKey hands key to keyFromContext through the library.
func withKey(ctx context.Context, key *rsa.PublicKey) context.Context {
	return context.WithValue(ctx, keyContextKey{}, key)
}

// errNoKey is a bug: the library was called without a key in the context.
var errNoKey = errors.New("auth0: no key in the validator's context")

// keyFromContext is the library's key function.
func keyFromContext(ctx context.Context) (any, error) {
	if key, ok := ctx.Value(keyContextKey{}).(*rsa.PublicKey); ok {
		return key, nil
	}
	return nil, errNoKey
}

// errBadSignature is how go-jose reports a signature that does not verify
// (and, for RS256 with an RSA key, nothing else).
var errBadSignature = jose.ErrCryptoFailure

// The refusals of the registered claims, the library's and ours alike.
var (
	errWrongIssuer    = ports.Invalid(ports.ReasonWrongIssuer, "the token is not issued by this tenant")
	errWrongAudience  = ports.Invalid(ports.ReasonWrongAudience, "the token is not issued for this API")
	errNotYetValid    = ports.Invalid(ports.ReasonNotYetValid, "the token is not valid yet")
	errExpired        = ports.Invalid(ports.ReasonExpired, "the token has expired")
	errIssuedInFuture = ports.Invalid(ports.ReasonIssuedInFuture, "the token is issued in the future")
)

// libraryError maps a ValidateToken error to a stable reason, by the
// sentinel errors go-jose exports, never by message text. An error that is
// no token's fault (a missing key in the context) is returned as is: a 500.
func libraryError(err error) error {
	var (
		invalid *ports.InvalidTokenError
		typeErr *josejson.UnmarshalTypeError // e.g. a numeric jti or sub
	)
	switch {
	case errors.As(err, &invalid):
		return invalid
	case errors.Is(err, errNoKey):
		return err
	case errors.Is(err, errBadSignature):
		return ports.Invalid(ports.ReasonBadSignature, "the token signature is invalid")
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return errWrongIssuer
	case errors.Is(err, jwt.ErrInvalidAudience):
		return errWrongAudience
	case errors.Is(err, jwt.ErrNotValidYet):
		return errNotYetValid
	case errors.Is(err, jwt.ErrExpired):
		return errExpired
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return errIssuedInFuture
	case errors.Is(err, jwt.ErrUnmarshalAudience): // aud null: no audience at all
		return errWrongAudience
	case errors.Is(err, jwt.ErrUnmarshalNumericDate), errors.As(err, &typeErr):
		return ports.Invalid(ports.ReasonInvalidClaim, "a registered claim has the wrong type")
	case errors.Is(err, jose.ErrUnsupportedAlgorithm):
		return ports.Invalid(ports.ReasonUnsupportedAlgorithm, "only RS256 is accepted")
	default:
		return ports.Invalid(ports.ReasonMalformed, "the token is not a valid JWS")
	}
}

// domainClaims turns the library's result into the domain's claims.
func (v *Verifier) domainClaims(res any) (domain.Claims, error) {
	vc, ok := res.(*validator.ValidatedClaims)
	if !ok {
		return domain.Claims{}, fmt.Errorf("auth0: the validator returned %T", res)
	}
	ac, ok := vc.CustomClaims.(*accessClaims)
	if !ok {
		return domain.Claims{}, fmt.Errorf("auth0: the validator returned custom claims %T", vc.CustomClaims)
	}
	var scopes []string
	for s := range strings.SplitSeq(ac.Scope, " ") {
		if s != "" {
			scopes = append(scopes, s)
		}
	}
	if v.permissions {
		scopes = append(scopes, ac.Permissions...)
	}
	return domain.Claims{Subject: vc.RegisteredClaims.Subject, Scopes: scopes}, nil
}
