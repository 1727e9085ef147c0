// Package auth0 verifies Auth0-issued RS256 access tokens. It is the
// production implementation of ports.TokenVerifier.
//
// A token goes through gates, cheapest first: the verified-token cache
// (cache.go); the pre-parse checks (precheck.go), which refuse in
// microseconds what go-jwt-middleware's validator would accept (no exp, sub
// or iat, the JWS JSON serialization, b64: false, crit, duplicate members,
// invalid UTF-8, extra dots, oversize); what the decoded claims alone
// refuse (iss, aud, exp, nbf, iat; claimsgate.go), since such a token's
// kid is often one the tenant never published; the key lookup by exact kid
// from the tenant's JWKS (keysource.go), which refetches on an unknown kid;
// then the library's validator.Validator.ValidateToken (validate.go), which
// checks the signature and iss, aud, exp, nbf and iat with our leeway.
package auth0

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/auth0/go-jwt-middleware/v2/validator"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// MinMaxTokenBytes is the smallest token cap New accepts.
const MinMaxTokenBytes = 1024

// MaxCacheSize is the largest CacheSize and RejectCacheSize New accepts, in
// entries: a million verified tokens hold about 1 GiB.
const MaxCacheSize = 1_000_000

// Config is what the verifier needs to know about the API; the tenant
// comes checked as a Tenant.
type Config struct {
	// Audiences are the API identifiers a token may be issued for (any of).
	Audiences []string
	// Permissions makes Auth0 RBAC's "permissions" array count as scopes.
	Permissions bool
	// RequireAtJWT accepts only typ at+jwt tokens carrying jti and client_id
	// (Auth0's RFC 9068 token profile, RFC 9068 §2.2).
	RequireAtJWT bool
	// MaxTokenBytes caps a token's length (default DefaultMaxTokenBytes).
	MaxTokenBytes int
	// CacheSize bounds the verified-token cache to this many entries of
	// about 1 KiB, counted in bytes (default DefaultCacheSize; negative
	// disables it).
	CacheSize int
	// RejectCacheSize bounds the cache of tokens refused for good (default
	// DefaultRejectCacheSize; negative disables it).
	RejectCacheSize int
	// DevTenant says the tenant is the local dev tenant, whose key changes
	// when it restarts: an unknown kid's description then says so. Only dev
	// mode sets it.
	DevTenant bool `koanf:"-"`
}

// KeyFinder returns the tenant's verification key for a kid. *KeySource is
// the implementation; the interface lets tests pin a key. A nil key with no
// error counts as no key for the kid.
type KeyFinder interface {
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// keySetFinder is a KeyFinder that returns every key sharing a kid, and
// the version of the key set it holds (*KeySource): a token is checked
// against each key under its kid, and a refusal remembered under one key
// set is forgotten when the set changes.
type keySetFinder interface {
	lookup(ctx context.Context, kid string) (keys []*rsa.PublicKey, version uint64, err error)
	KeySetVersion() uint64
}

// Verifier implements ports.TokenVerifier for one Auth0 tenant and API.
type Verifier struct {
	issuer      string
	audiences   []string
	leeway      float64 // seconds
	permissions bool
	opts        precheckOptions
	keys        KeyFinder
	set         keySetFinder // keys, when it is one; else nil
	library     *validator.Validator
	devTenant   bool
	cache       *tokenCache // nil when disabled
	now         func() time.Time
}

var _ ports.TokenVerifier = (*Verifier)(nil)

// Stop ends the background goroutines of the verifier's caches. Call it once
// the verifier is done with; it still verifies afterwards.
func (v *Verifier) Stop() { v.cache.stop() }

// New builds a verifier for tenant's tokens that takes its keys from keys.
// Zero sizes in cfg take the defaults. It fails when keys is nil, tenant
// did not come from NewTenant, an audience is missing or empty, or
// MaxTokenBytes or a cache size is out of its range.
func New(tenant Tenant, cfg Config, keys KeyFinder) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("auth0: a key finder is required")
	}
	if !tenant.valid() {
		return nil, errors.New("auth0: a tenant from NewTenant is required")
	}
	if len(cfg.Audiences) == 0 || slicesHasEmpty(cfg.Audiences) {
		return nil, errors.New("auth0: at least one non-empty audience is required (set AUTH0_AUDIENCE)")
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
	if cfg.CacheSize > MaxCacheSize || cfg.RejectCacheSize > MaxCacheSize {
		return nil, fmt.Errorf("auth0: cache sizes %d and %d: each at most %d", cfg.CacheSize, cfg.RejectCacheSize, MaxCacheSize)
	}
	v := &Verifier{
		issuer:      tenant.Issuer(),
		audiences:   cfg.Audiences,
		leeway:      tenant.Leeway().Seconds(),
		permissions: cfg.Permissions,
		opts:        precheckOptions{maxTokenBytes: cfg.MaxTokenBytes, requireAtJWT: cfg.RequireAtJWT},
		keys:        keys,
		devTenant:   cfg.DevTenant,
		cache:       newTokenCache(cfg.CacheSize, cfg.RejectCacheSize, tenant.Leeway()),
		now:         time.Now,
	}
	v.set, _ = keys.(keySetFinder)
	var err error
	if v.library, err = newLibraryValidator(tenant.Issuer(), cfg.Audiences, tenant.Leeway(), keyFromContext); err != nil {
		return nil, err
	}
	return v, nil
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
		if lost, ok := errors.AsType[*lookupError](err); ok {
			v.cache.hit()
			v.cache.ok.Invalidate(h)
			return domain.Claims{}, lost.err
		}
		if err != errStale {
			v.cache.hit()
			return claims, err
		}
		v.cache.ok.Invalidate(h)
	}
	if v.cache.reject != nil {
		if r, ok := v.cache.reject.GetIfPresent(h); ok && r.digest == sha256.Sum256([]byte(raw)) {
			if r.version == v.keySetVersion() {
				v.cache.hit()
				err := *r.err
				return domain.Claims{}, &err
			}
			// The key set changed since: the kid may now name the key
			// the token was signed with.
			v.cache.reject.Invalidate(h)
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
		// e != nil: refused by the library (the key set version is known).
		v.cache.reject.Set(h, &rejected{digest: sha256.Sum256([]byte(raw)), err: invalid, version: e.version})
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

// verify runs the pre-parse checks, finds the token's keys and hands the
// token to the library. e is non-nil once the library has checked the token
// against a key: on success it is the cache entry.
func (v *Verifier) verify(ctx context.Context, raw string, dots [2]int) (domain.Claims, *verified, error) {
	t, err := decode(raw, dots, v.opts)
	if err != nil {
		return domain.Claims{}, nil, err
	}
	if err := v.refuseByClaims(&t.claims); err != nil {
		return domain.Claims{}, nil, err
	}
	// The key is chosen by the header's exact kid, never guessed from a set.
	kid := *t.header.Kid
	keys, version, err := v.keysFor(ctx, kid)
	if err != nil {
		return domain.Claims{}, nil, v.keyError(err)
	}
	var (
		res any
		key *rsa.PublicKey
	)
	// Several different keys share the kid only in a misconfigured JWKS;
	// only a failed signature check moves on to the next one.
	for _, key = range keys {
		res, err = v.library.ValidateToken(withKey(ctx, key), raw)
		if !errors.Is(err, errBadSignature) {
			break
		}
	}
	e := &verified{kid: kid, key: key, version: version}
	e.exp, e.nbf = t.claims.libraryDates()
	if err != nil {
		return domain.Claims{}, e, libraryError(err)
	}
	e.claims, err = v.domainClaims(res)
	if err != nil {
		return domain.Claims{}, nil, err
	}
	return e.claims, e, nil
}

// keysFor returns the keys under kid, and the version of the key set they
// come from: several keys and a version only from a keySetFinder.
func (v *Verifier) keysFor(ctx context.Context, kid string) ([]*rsa.PublicKey, uint64, error) {
	if v.set != nil {
		return v.set.lookup(ctx, kid)
	}
	key, err := v.keys.Key(ctx, kid)
	if err != nil {
		return nil, 0, err
	}
	if key == nil { // gate: a finder's (nil, nil) would reach the library as a nil key, which panics
		return nil, 0, ports.Invalid(ports.ReasonUnknownKey, UnknownKeyDescription)
	}
	return []*rsa.PublicKey{key}, 0, nil
}

// keyError adds, for the dev tenant, why a kid may be unknown: its key is
// made afresh when it restarts, and tokens from before are then orphans.
func (v *Verifier) keyError(err error) error {
	var invalid *ports.InvalidTokenError
	if v.devTenant && errors.As(err, &invalid) && invalid.Reason == ports.ReasonUnknownKey && invalid.Description == UnknownKeyDescription {
		return ports.Invalid(ports.ReasonUnknownKey,
			"no key matches the token's kid: the dev tenant's key may have changed since the token was issued, get a new token")
	}
	return err
}

func slicesHasEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) == "" {
			return true
		}
	}
	return false
}
