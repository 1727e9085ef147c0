package auth0

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"hash/maphash"
	"slices"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// Defaults of the verified-token cache.
const (
	// DefaultCacheSize bounds the verified-token cache; an entry holds its
	// token (about 1 KiB with the claims), so the default costs about 20 MiB.
	DefaultCacheSize = 20_000
	// DefaultRejectCacheSize bounds the cache of tokens that failed for good.
	DefaultRejectCacheSize = 10_000
)

// tokenHash keys both caches: a seeded maphash of the whole token, 20x
// cheaper than SHA-256. Entries keep their token and a hit compares it in
// full, so a collision can only cost a miss, never another token's claims.
type tokenHash uint64

var hashSeed = maphash.MakeSeed()

func hashToken(raw string) tokenHash { return tokenHash(maphash.String(hashSeed, raw)) }

// verified is what a fully verified token leaves in the cache: enough to
// answer again without RSA, and to re-check what can change (time, keys).
type verified struct {
	token   string
	claims  domain.Claims
	exp     float64  // whole seconds, as the library reads it (libraryDate)
	nbf     *float64 // likewise; nil when the token has none
	kid     string
	key     *rsa.PublicKey
	version uint64 // of the key set key came from
}

// tokenCache remembers fully verified tokens, and tokens refused for a
// reason that time cannot cure, each in its own bounded cache. Clients reuse
// one token until it expires, so most requests are hits.
type tokenCache struct {
	ok     *otter.Cache[tokenHash, *verified]
	reject *otter.Cache[tokenHash, *rejected]
	hits   atomic.Uint64
	misses atomic.Uint64
}

func (c *tokenCache) hit()  { c.hits.Add(1) }
func (c *tokenCache) miss() { c.misses.Add(1) }

func newTokenCache(size, rejectSize int, leeway time.Duration) *tokenCache {
	if size <= 0 {
		return nil
	}
	c := &tokenCache{
		ok: otter.Must(&otter.Options[tokenHash, *verified]{
			// Bounded in bytes, not entries: size entries of about 1 KiB.
			// Large RBAC tokens then mean fewer entries, not more memory.
			MaximumWeight: uint64(size) * entryBudget,
			Executor:      inline,
			Weigher:       func(_ tokenHash, e *verified) uint32 { return e.weight() },
			// An entry lives until its token expires (plus the leeway);
			// hits re-check the time claims anyway.
			ExpiryCalculator: otter.ExpiryCreatingFunc(func(e otter.Entry[tokenHash, *verified]) time.Duration {
				return time.Until(time.Unix(int64(e.Value.exp), 0).Add(leeway + time.Second))
			}),
		}),
	}
	if rejectSize > 0 {
		c.reject = otter.Must(&otter.Options[tokenHash, *rejected]{
			MaximumSize:      rejectSize,
			Executor:         inline,
			ExpiryCalculator: otter.ExpiryCreating[tokenHash, *rejected](10 * time.Minute),
		})
	}
	return c
}

// stop ends the goroutine otter runs for each cache with expiry; the caches
// still answer afterwards, expiring entries as they are read.
func (c *tokenCache) stop() {
	if c == nil {
		return
	}
	c.ok.StopAllGoroutines()
	if c.reject != nil {
		c.reject.StopAllGoroutines()
	}
}

// inline runs the caches' maintenance on the goroutine that reads or
// writes: otter's default starts a goroutine for each drain of its read
// buffer (every few dozen hits), and waking an idle core for it costs the
// request path more than the drain itself. Neither cache uses Compute or
// OnDeletion, which an inline executor could deadlock.
func inline(fn func()) { fn() }

// Memory accounting of the verified-token cache.
const (
	entryBudget   = 1024 // bytes per configured entry
	entryOverhead = 256  // the entry, key pointer and cache bookkeeping beside the token and claims
	scopeOverhead = 24   // a scope's string header in the slice, and its allocation's rounding
)

// weight is about the bytes e holds, in the cache's unit: the token, the
// subject and every scope. Scopes count apart from the token: an RBAC
// token's permissions are one JSON string each, so a few base64 bytes in
// the token become a 16-byte header and an allocation in memory.
func (e *verified) weight() uint32 {
	n := len(e.token) + entryOverhead + len(e.claims.Subject)
	for _, s := range e.claims.Scopes {
		n += scopeOverhead + len(s)
	}
	return uint32(min(n, 1<<30))
}

// rejected is a token refused for good, and why. It keeps a SHA-256 of the
// token, not the token: anyone can forge 16 KiB tokens with a bad
// signature, and remembering them must cost a fixed ~100 bytes each.
type rejected struct {
	digest  [sha256.Size]byte
	err     *ports.InvalidTokenError
	version uint64 // of the key set it was refused under: a change forgets it
}

// permanent reports whether a refusal holds whatever the time or the key
// set: those are the ones worth remembering.
func permanent(r ports.Reason) bool {
	switch r {
	case ports.ReasonUnknownKey, ports.ReasonNotYetValid, ports.ReasonIssuedInFuture:
		return false // a key may appear; time may cure these
	}
	return true
}

func (c *tokenCache) size() int {
	if c == nil {
		return 0
	}
	return c.ok.EstimatedSize()
}

// CacheStats reports the verified-token cache's hits (including remembered
// rejections), misses and entries; all zero when the cache is disabled.
func (v *Verifier) CacheStats() (hits, misses uint64, entries int) {
	if v.cache == nil {
		return 0, 0, 0
	}
	return v.cache.hits.Load(), v.cache.misses.Load(), v.cache.size()
}

// errStale means a cached entry no longer holds: drop it, verify afresh.
var errStale = errors.New("stale cache entry")

// revalidate re-checks what can change for a cached token: time, and
// whether its key is still the tenant's (a key that left the JWKS, or a
// kid bound to another key, makes the entry stale). A failed key lookup is
// the request's answer, as the full verification's would be: that lookup
// may have waited FetchTimeout for the tenant already, and verifying afresh
// would look the kid up, and wait, again.
func (v *Verifier) revalidate(ctx context.Context, e *verified) (domain.Claims, error) {
	if err := v.checkTimes(e.exp, e.nbf, v.now()); err != nil {
		return domain.Claims{}, err
	}
	holds, err := v.stillHolds(ctx, e)
	if err != nil {
		return domain.Claims{}, &lookupError{err: v.keyError(err)}
	}
	if !holds {
		return domain.Claims{}, errStale
	}
	// A copy: a caller writing to its claims must not change later answers.
	c := e.claims
	c.Scopes = slices.Clone(c.Scopes)
	return c, nil
}

// lookupError is a cached entry's failed key lookup: revalidate's answer,
// and the entry is dropped (its key may be gone for good).
type lookupError struct{ err error }

func (e *lookupError) Error() string { return e.err.Error() }

// stillHolds reports whether e's kid still names the key e was verified
// with; err is the key lookup's. It allocates nothing when the key is
// still held: it runs on every cache hit.
func (v *Verifier) stillHolds(ctx context.Context, e *verified) (bool, error) {
	if v.set == nil {
		key, err := v.keys.Key(ctx, e.kid)
		if err == nil && key == nil { // no key for the kid, as keysFor reads it
			err = ports.Invalid(ports.ReasonUnknownKey, UnknownKeyDescription)
		}
		return err == nil && sameKey(key, e.key), err
	}
	keys, _, err := v.set.lookup(ctx, e.kid)
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if sameKey(k, e.key) {
			return true, nil
		}
	}
	return false, nil
}

// keySetVersion is the key set's version, 0 when keys does not version it.
func (v *Verifier) keySetVersion() uint64 {
	if v.set == nil {
		return 0
	}
	return v.set.KeySetVersion()
}

// sameKey compares public keys without allocating (rsa.PublicKey.Equal
// allocates; constant time buys nothing for public values).
func sameKey(a, b *rsa.PublicKey) bool {
	return a == b || a.E == b.E && a.N.Cmp(b.N) == 0
}
