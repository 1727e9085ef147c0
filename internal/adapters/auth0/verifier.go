// Package auth0 verifies Auth0-issued RS256 access tokens. It is the
// production implementation of ports.TokenVerifier.
//
// A token goes through gates, cheapest first: the verified-token cache
// (cache.go), the pre-parse checks (precheck.go) that refuse malformed and
// hostile input in microseconds and decode header and payload once, the key
// lookup by exact kid from the tenant's JWKS (keys.go), one RSA PKCS#1 v1.5
// SHA-256 verification, then the registered claims.
//
// go-jwt-middleware's validator was the first engine here. It parses the
// token a second time with go-jose (about 1.8x a raw RSA verification), and
// it accepted RFC 7797 unencoded payloads (b64: false) and skipped the
// future-iat check for huge NumericDates; the checks below are ours, in
// its order and with its leeway rules, and BenchmarkLibraryValidator keeps
// it as the yardstick.
package auth0

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// The clock skew tolerated on exp, nbf and iat: DefaultLeeway when the
// config leaves it zero, at most MaxLeeway ("a few minutes", RFC 8725).
const (
	DefaultLeeway = 30 * time.Second
	MaxLeeway     = 5 * time.Minute
)

// MinMaxTokenBytes is the smallest token cap New accepts.
const MinMaxTokenBytes = 1024

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
	// Only dev mode sets it, for the local dev tenant; no file can.
	AllowInsecureLoopback bool `koanf:"-"`
	// CacheSize bounds the verified-token cache to this many entries of
	// about 1 KiB, counted in bytes (default DefaultCacheSize; negative
	// disables it).
	CacheSize int
	// RejectCacheSize bounds the cache of tokens refused for good (default
	// DefaultRejectCacheSize; negative disables it).
	RejectCacheSize int
}

// KeyFinder returns the tenant's verification key for a kid. *KeySource is
// the implementation; the interface lets tests pin a key.
type KeyFinder interface {
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// Verifier implements ports.TokenVerifier for one Auth0 tenant and API.
type Verifier struct {
	issuer      string
	audiences   []string
	leeway      float64 // seconds
	permissions bool
	opts        precheckOptions
	keys        KeyFinder
	cache       *tokenCache // nil when disabled
	now         func() time.Time
}

var _ ports.TokenVerifier = (*Verifier)(nil)

// New builds a verifier that takes its keys from keys.
func New(cfg Config, keys KeyFinder) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("auth0: a key finder is required")
	}
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
	if cfg.Leeway < 0 || cfg.Leeway > MaxLeeway {
		return nil, fmt.Errorf("auth0: leeway %s is outside 0s..5m", cfg.Leeway)
	}
	if cfg.MaxTokenBytes == 0 {
		cfg.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if cfg.MaxTokenBytes < MinMaxTokenBytes {
		return nil, fmt.Errorf("auth0: max token bytes %d is below 1024", cfg.MaxTokenBytes)
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.RejectCacheSize == 0 {
		cfg.RejectCacheSize = DefaultRejectCacheSize
	}
	return &Verifier{
		issuer:      issuer,
		audiences:   cfg.Audiences,
		leeway:      cfg.Leeway.Seconds(),
		permissions: cfg.Permissions,
		opts:        precheckOptions{maxTokenBytes: cfg.MaxTokenBytes, requireAtJWT: cfg.RequireAtJWT},
		keys:        keys,
		cache:       newTokenCache(cfg.CacheSize, cfg.RejectCacheSize, cfg.Leeway),
		now:         time.Now,
	}, nil
}

// Issuer returns the tenant's issuer, exactly "https://DOMAIN/".
func (v *Verifier) Issuer() string { return v.issuer }

// Verify implements ports.TokenVerifier.
func (v *Verifier) Verify(ctx context.Context, raw string) (domain.Claims, error) {
	if v.cache == nil || raw == "" || len(raw) > v.opts.maxTokenBytes {
		return v.verifyFresh(ctx, raw)
	}
	// A hit costs a hash of a length-capped string and one comparison; the
	// byte-by-byte shape scan runs only on a miss.
	h := hashToken(raw)
	if e, ok := v.cache.ok.GetIfPresent(h); ok && e.token == raw {
		claims, err := v.revalidate(ctx, e)
		if err != errStale {
			v.cache.hit()
			return claims, err
		}
		v.cache.ok.Invalidate(h)
	}
	if v.cache.reject != nil {
		if r, ok := v.cache.reject.GetIfPresent(h); ok && r.digest == sha256.Sum256([]byte(raw)) {
			v.cache.hit()
			err := *r.err
			return domain.Claims{}, &err
		}
	}
	v.cache.miss()
	dots, err := scan(raw, v.opts.maxTokenBytes)
	if err != nil {
		return domain.Claims{}, err
	}
	claims, e, err := v.verify(ctx, raw, dots)
	var invalid *ports.InvalidTokenError
	switch {
	case err == nil:
		e.token = strings.Clone(raw)                    // not pinning the request's header memory
		e.claims.Scopes = slices.Clone(e.claims.Scopes) // the caller owns what it got
		v.cache.ok.Set(h, e)
	case v.cache.reject != nil && e != nil && errors.As(err, &invalid) && permanent(invalid.Reason):
		// e != nil: refused after the RSA check, the expensive part.
		v.cache.reject.Set(h, &rejected{digest: sha256.Sum256([]byte(raw)), err: invalid})
	}
	return claims, err
}

// verifyFresh verifies without the cache.
func (v *Verifier) verifyFresh(ctx context.Context, raw string) (domain.Claims, error) {
	dots, err := scan(raw, v.opts.maxTokenBytes)
	if err != nil {
		return domain.Claims{}, err
	}
	c, _, err := v.verify(ctx, raw, dots)
	return c, err
}

// errStale means a cached entry no longer holds: drop it, verify afresh.
var errStale = errors.New("stale cache entry")

// revalidate re-checks what can change for a cached token: time, and
// whether its key is still the tenant's (a key that left the JWKS, or a
// kid bound to another key, makes the entry stale).
func (v *Verifier) revalidate(ctx context.Context, e *verified) (domain.Claims, error) {
	key, err := v.keys.Key(ctx, e.kid)
	if err != nil || !sameKey(key, e.key) {
		return domain.Claims{}, errStale
	}
	if err := v.checkTimes(e.exp, e.nbf, nil, v.now()); err != nil {
		return domain.Claims{}, err
	}
	// A copy: a caller writing to its claims must not change later answers.
	c := e.claims
	c.Scopes = slices.Clone(c.Scopes)
	return c, nil
}

// sameKey compares public keys without allocating (rsa.PublicKey.Equal
// allocates; constant time buys nothing for public values).
func sameKey(a, b *rsa.PublicKey) bool {
	return a == b || a.E == b.E && a.N.Cmp(b.N) == 0
}

// verify runs every check on a token. e is non-nil once the signature has
// been checked: on success it is the cache entry.
func (v *Verifier) verify(ctx context.Context, raw string, dots [2]int) (domain.Claims, *verified, error) {
	t, err := decode(raw, dots, v.opts)
	if err != nil {
		return domain.Claims{}, nil, err
	}
	// The key is chosen by the header's exact kid, never guessed from a set.
	key, err := v.keys.Key(ctx, *t.header.Kid)
	if err != nil {
		return domain.Claims{}, nil, err
	}
	digest := sha256.Sum256([]byte(t.signingInput))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], t.signature) != nil {
		return domain.Claims{}, &verified{}, ports.Invalid(ports.ReasonBadSignature, "the token signature is invalid")
	}
	c := &t.claims
	e := &verified{exp: *c.Exp, nbf: c.Nbf, kid: *t.header.Kid, key: key}
	if err := v.checkClaims(c, v.now()); err != nil {
		return domain.Claims{}, e, err
	}
	e.claims = v.domainClaims(c)
	return e.claims, e, nil
}

// checkClaims checks iss, aud and the time claims, in the validator's order.
func (v *Verifier) checkClaims(c *tokenClaims, now time.Time) error {
	if c.Iss != v.issuer {
		return ports.Invalid(ports.ReasonWrongIssuer, "the token is not issued by this tenant")
	}
	if !slices.ContainsFunc(v.audiences, func(a string) bool { return slices.Contains(c.Aud, a) }) {
		return ports.Invalid(ports.ReasonWrongAudience, "the token is not issued for this API")
	}
	return v.checkTimes(*c.Exp, c.Nbf, c.Iat, now)
}

// checkTimes applies the leeway to exp, nbf and a future iat.
func (v *Verifier) checkTimes(exp float64, nbf, iat *float64, now time.Time) error {
	t := float64(now.UnixNano()) / 1e9
	switch {
	case nbf != nil && t+v.leeway < *nbf:
		return ports.Invalid(ports.ReasonNotYetValid, "the token is not valid yet")
	case t-v.leeway > exp:
		return ports.Invalid(ports.ReasonExpired, "the token has expired")
	case iat != nil && t+v.leeway < *iat:
		return ports.Invalid(ports.ReasonIssuedInFuture, "the token is issued in the future")
	}
	return nil
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
	if err != nil || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q is not a tenant domain such as example.eu.auth0.com", domain)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowInsecureLoopback || !LoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q must use https (http is allowed only for a loopback dev tenant)", domain)
		}
	default:
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q has scheme %q, want https", domain, u.Scheme)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host) + "/", nil
}

// LoopbackHost reports whether host is localhost or a loopback IP: the only
// place plain http is ever allowed (the dev tenant, local tools).
func LoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
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
