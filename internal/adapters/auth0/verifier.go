// Package auth0 verifies Auth0-issued RS256 access tokens. It is the
// production implementation of ports.TokenVerifier.
//
// A token goes through three gates, cheapest first: the pre-parse checks
// (precheck.go) that refuse malformed and hostile input in microseconds, the
// key lookup by kid from the tenant's JWKS (keys.go), then go-jwt-middleware's
// validator for the signature and the registered claims.
package auth0

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/auth0/go-jwt-middleware/v2/validator"
	"go.uber.org/zap"
	jose "gopkg.in/go-jose/go-jose.v2"
	"gopkg.in/go-jose/go-jose.v2/jwt"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
const DefaultLeeway = 30 * time.Second

// Config is what the verifier needs to know about the tenant and the API.
type Config struct {
	// Domain is the tenant, e.g. "example.eu.auth0.com"; a scheme and a
	// trailing slash are accepted. The issuer is derived from it.
	Domain string
	// Audiences are the API identifiers a token may be issued for (any of).
	Audiences []string
	// Leeway is the tolerated clock skew (default DefaultLeeway).
	Leeway time.Duration
	// Permissions makes Auth0 RBAC's "permissions" array count as scopes.
	Permissions bool
	// RequireAtJWT accepts only typ at+jwt (Auth0's RFC 9068 token profile).
	RequireAtJWT bool
	// MaxTokenBytes caps a token's length (default DefaultMaxTokenBytes).
	MaxTokenBytes int
	// AllowInsecureLoopback permits an http issuer on a loopback host.
	// Only dev mode sets it, for the local dev tenant.
	AllowInsecureLoopback bool
}

// KeyFinder returns the tenant's verification key for a kid. *KeySource is
// the implementation; the interface lets tests pin a key.
type KeyFinder interface {
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// Verifier implements ports.TokenVerifier for one Auth0 tenant and API.
type Verifier struct {
	issuer      string
	permissions bool
	opts        precheckOptions
	keys        KeyFinder
	validator   *validator.Validator
	log         *zap.Logger
}

var _ ports.TokenVerifier = (*Verifier)(nil)

// New builds a verifier that takes its keys from keys.
func New(cfg Config, keys KeyFinder, log *zap.Logger) (*Verifier, error) {
	issuer, err := Issuer(cfg.Domain, cfg.AllowInsecureLoopback)
	if err != nil {
		return nil, err
	}
	if len(cfg.Audiences) == 0 || slicesHasEmpty(cfg.Audiences) {
		return nil, errors.New("auth0: at least one non-empty audience is required (set AUTH0_AUDIENCE)")
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Leeway < 0 || cfg.Leeway > 5*time.Minute {
		return nil, fmt.Errorf("auth0: leeway %s is outside 0s..5m", cfg.Leeway)
	}
	if cfg.MaxTokenBytes == 0 {
		cfg.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if cfg.MaxTokenBytes < 1024 {
		return nil, fmt.Errorf("auth0: max token bytes %d is below 1024", cfg.MaxTokenBytes)
	}
	v := &Verifier{
		issuer:      issuer,
		permissions: cfg.Permissions,
		opts:        precheckOptions{maxTokenBytes: cfg.MaxTokenBytes, requireAtJWT: cfg.RequireAtJWT},
		keys:        keys,
		log:         log,
	}
	v.validator, err = validator.New(keyFromContext, validator.RS256, issuer, cfg.Audiences,
		validator.WithAllowedClockSkew(cfg.Leeway))
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	return v, nil
}

// Issuer returns the tenant's issuer, exactly "https://DOMAIN/".
func (v *Verifier) Issuer() string { return v.issuer }

// Verify implements ports.TokenVerifier.
func (v *Verifier) Verify(ctx context.Context, raw string) (domain.Claims, error) {
	t, err := precheck(raw, v.opts)
	if err != nil {
		return domain.Claims{}, err
	}
	// The key is chosen here by the header's exact kid; the validator is
	// handed that one key and never a set to guess from.
	key, err := v.keys.Key(ctx, *t.header.Kid)
	if err != nil {
		return domain.Claims{}, err
	}
	if _, err := v.validator.ValidateToken(context.WithValue(ctx, keyContext{}, key), raw); err != nil {
		return domain.Claims{}, validatorError(err)
	}
	return v.domainClaims(&t.claims), nil
}

func (v *Verifier) domainClaims(c *tokenClaims) domain.Claims {
	var scopes []string
	for s := range strings.SplitSeq(c.Scope, " ") {
		if s != "" {
			scopes = append(scopes, s)
		}
	}
	if v.permissions {
		scopes = append(scopes, c.Permissions...)
	}
	return domain.Claims{Subject: c.Sub, Scopes: scopes}
}

type keyContext struct{}

func keyFromContext(ctx context.Context) (any, error) {
	key, ok := ctx.Value(keyContext{}).(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("no verification key in context")
	}
	return key, nil
}

// validatorError maps the validator's wrapped errors to reasons.
func validatorError(err error) error {
	switch {
	case errors.Is(err, jose.ErrCryptoFailure):
		return ports.Invalid(ports.ReasonBadSignature, "the token signature is invalid")
	case errors.Is(err, jwt.ErrExpired):
		return ports.Invalid(ports.ReasonExpired, "the token has expired")
	case errors.Is(err, jwt.ErrNotValidYet):
		return ports.Invalid(ports.ReasonNotYetValid, "the token is not valid yet")
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return ports.Invalid(ports.ReasonIssuedInFuture, "the token is issued in the future")
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return ports.Invalid(ports.ReasonWrongIssuer, "the token is not issued by this tenant")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return ports.Invalid(ports.ReasonWrongAudience, "the token is not issued for this API")
	default:
		return ports.Invalid(ports.ReasonMalformed, "the token could not be parsed")
	}
}

// Issuer derives the exact issuer "https://DOMAIN/" from a tenant domain
// given with or without scheme and trailing slash. Plain http is accepted
// only for a loopback host and only when allowInsecureLoopback is set.
func Issuer(domain string, allowInsecureLoopback bool) (string, error) {
	d := strings.TrimSpace(domain)
	if d == "" {
		return "", errors.New("auth0: the tenant domain is required (set AUTH0_DOMAIN, e.g. example.eu.auth0.com)")
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q is not a tenant domain such as example.eu.auth0.com", domain)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowInsecureLoopback || !issuerHostIsLoopback(u.Hostname()) {
			return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q must use https (http is allowed only for a loopback dev tenant)", domain)
		}
	default:
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q has scheme %q, want https", domain, u.Scheme)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host) + "/", nil
}

func issuerHostIsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func slicesHasEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) == "" {
			return true
		}
	}
	return false
}
