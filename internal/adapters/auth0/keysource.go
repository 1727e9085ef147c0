package auth0

// The key source: the tenant's RSA signing keys, fetched from its JWKS and
// cached in an immutable map behind an atomic pointer.
//
// Unlike go-jwt-middleware's jwks.CachingProvider, a fetch never holds a lock
// that lookups wait on, a failed refresh keeps the last good keys (until
// MaxStaleAge; never one whose private half it published), a non-200 answer
// or an empty set is a failure rather than an empty key set, an unknown kid
// triggers a shared, rate-limited refetch, and concurrent callers with
// nothing cached share one fetch instead of queueing.

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/example/messages-api/internal/ports"
)

// KeyStats describes the key set held, for metrics and readiness.
type KeyStats struct {
	// Keys is the number of usable keys: 0 when none is held or the held
	// set is older than MaxStaleAge.
	Keys int
	// LastGoodFetch is when the held set was fetched; zero if never.
	LastGoodFetch time.Time
}

// keySet is immutable once published.
type keySet struct {
	keys      map[string][]*rsa.PublicKey // by kid; one to maxKeysPerKid different keys each
	fetchedAt time.Time
	ttl       time.Duration
	version   uint64          // bumped when the keys differ from the previous set's
	givenAway map[string]bool // kids a failed fetch's JWKS gave away, held or not (forgetLeaked)
}

// size is the number of keys held: more than the kids when kids are shared.
func (s *keySet) size() int {
	n := 0
	for _, keys := range s.keys {
		n += len(keys)
	}
	return n
}

// KeySource serves the tenant's RSA signing keys by kid. It is safe for
// concurrent use.
type KeySource struct {
	cfg    KeySourceConfig
	tenant Tenant
	client *http.Client
	owned  bool // client was built here, not given: Stop closes its connections
	log    *zap.Logger
	now    func() time.Time // injectable for tests; must be safe for concurrent use

	set atomic.Pointer[keySet]

	// ctx bounds every fetch and ends at Stop.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// fetches shares one attempt among every caller that joins it. An
	// attempt Forgets itself (under mu) when its outcome is in place, so a
	// caller that then finds none in flight starts a new one.
	fetches singleflight.Group

	mu          sync.Mutex
	started     bool
	stopped     bool
	inFlight    bool      // an attempt is registered in fetches; callers join it
	lastAttempt time.Time // start of the last fetch attempt
	lastErr     error     // outcome of the last fetch attempt
	failures    int       // consecutive failed attempts
	lastWarn    time.Time // last warning about a failed attempt
	jwksURI     string    // from discovery, once it succeeded

	// compromised holds the moduli of keys a JWKS gave away, at most
	// maxCompromised: a key whose private half was published stays
	// untrusted when a later JWKS publishes it without it. Only attempts
	// touch it, and they never overlap.
	compromised     []*big.Int
	compromisedFull bool // warned that compromised is full

	// ignored summarises the JWKS entries the last fetch that parsed
	// dropped (see logIgnored). Only attempts touch it, and they never overlap.
	ignored string

	onFetch func(ok bool, d time.Duration) // set before Start; for metrics
}

// OnFetch registers f to learn the outcome and duration of every fetch
// attempt (discovery included). Call it before Start or the first Key.
func (k *KeySource) OnFetch(f func(ok bool, d time.Duration)) { k.onFetch = f }

// NewKeySource validates cfg, fills in defaults and returns a KeySource for
// tenant's keys that does nothing until Start or the first Key call. The
// tenant is taken as NewTenant checked it. client may be nil; a given client
// is copied so that redirects are never followed, and FetchTimeout is
// enforced through the request context either way. log may be nil.
func NewKeySource(tenant Tenant, cfg KeySourceConfig, client *http.Client, log *zap.Logger) (*KeySource, error) {
	if !tenant.valid() {
		return nil, errors.New("auth0 key source: a tenant from NewTenant is required")
	}
	cfg, err := normalizeKeySourceConfig(cfg)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	var c http.Client
	if client != nil {
		c = *client
	} else {
		c.Timeout = cfg.FetchTimeout
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			c.Transport = t.Clone()
		}
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	ctx, cancel := context.WithCancel(context.Background())
	return &KeySource{
		cfg:    cfg,
		tenant: tenant,
		client: &c,
		owned:  client == nil,
		log:    log.With(zap.String("component", "auth0_keys")),
		now:    time.Now,
		ctx:    ctx,
		cancel: cancel,
	}, nil
}

// Start begins the background warm-up and refresh loop. It does not block.
// Calling it again, or after Stop, does nothing.
func (k *KeySource) Start() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.started || k.stopped {
		return
	}
	k.started = true
	k.wg.Add(1)
	go k.run()
}

// Stop ends background work, including a fetch in progress, and waits for it
// to finish. It is idempotent and safe when Start never ran. Keys already
// held keep being served by Key until they are older than MaxStaleAge, but no
// fetch happens any more. Stop closes the connections of the client it
// built (a given client's are its owner's): one left open keeps a server
// in the same process from shutting down, for 5 seconds when its dial
// completed after the fetch was cancelled and it never sent a request.
func (k *KeySource) Stop() {
	k.mu.Lock()
	k.stopped = true
	k.mu.Unlock()
	k.cancel()
	k.wg.Wait()
	if k.owned {
		// Also closes those that go idle later, and cancels dials no
		// fetch waits for any more.
		k.client.CloseIdleConnections()
	}
}

// KeySetVersion identifies the key set held: it changes when a fetch brings
// keys that differ from the previous set's, not on every refresh.
func (k *KeySource) KeySetVersion() uint64 {
	if s := k.set.Load(); s != nil {
		return s.version
	}
	return 0
}

// Ready reports whether a good key set not older than MaxStaleAge is held,
// with a key left in it (forgetLeaked may have emptied it).
func (k *KeySource) Ready() bool {
	s := k.current()
	return s != nil && len(s.keys) > 0
}

// Stats describes the key set held.
func (k *KeySource) Stats() KeyStats {
	s := k.set.Load()
	if s == nil {
		return KeyStats{}
	}
	st := KeyStats{LastGoodFetch: s.fetchedAt}
	if k.fresh(s) {
		st.Keys = s.size()
	}
	return st
}

func (k *KeySource) current() *keySet {
	if s := k.set.Load(); s != nil && k.fresh(s) {
		return s
	}
	return nil
}

func (k *KeySource) fresh(s *keySet) bool {
	return k.now().Sub(s.fetchedAt) <= k.cfg.MaxStaleAge
}

// Key returns the tenant's RSA public key with the given kid: the first one
// when several different keys share it (see lookup). Errors are those of
// lookup.
func (k *KeySource) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	keys, _, err := k.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	return keys[0], nil
}

// lookup returns the tenant's RSA public keys with the given kid: one, or
// up to maxKeysPerKid when different signing keys share it (RFC 7517 §4.5),
// and the version of the key set they come from. The slice is shared:
// callers must not modify it.
//
// A kid in the held key set is answered at once, with no lock and no fetch.
// Otherwise the caller joins (or starts) the one shared fetch, at most one per
// UnknownKeyCooldown, and waits for it until ctx ends or FetchTimeout passes.
// Errors:
//   - ctx's own error when ctx ends first;
//   - *ports.InvalidTokenError with ReasonUnknownKey when a key set is held
//     but has no such kid, and the tenant's current one has none either,
//     or when the kid's key was dropped as given away (ReasonMissingKeyID
//     for an empty kid);
//   - an error wrapping ports.ErrKeysUnavailable when no key set (or only
//     one older than MaxStaleAge) is held and none could be fetched, or
//     when the held one has no such kid and could not be refreshed.
func (k *KeySource) lookup(ctx context.Context, kid string) ([]*rsa.PublicKey, uint64, error) {
	if s := k.current(); s != nil {
		if keys := s.keys[kid]; len(keys) > 0 {
			return keys, s.version, nil
		}
	}
	if kid == "" {
		return nil, 0, ports.Invalid(ports.ReasonMissingKeyID, "the token has no kid")
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	ctxDone, fetchErr := k.await(ctx, kid)
	if ctxDone {
		return nil, 0, fetchErr
	}
	s := k.current()
	if s == nil {
		if fetchErr == nil {
			fetchErr = errors.New("no current key set")
		}
		// %v, not %w: a fetch's context.DeadlineExceeded must not look
		// like the caller's own ctx ending.
		return nil, 0, fmt.Errorf("%w: %v", ports.ErrKeysUnavailable, fetchErr)
	}
	if keys := s.keys[kid]; len(keys) > 0 {
		return keys, s.version, nil
	}
	if s.givenAway[kid] {
		// Known, and no fault of the key set's freshness: a 503 would have
		// the token's clients retry a key that is gone for good.
		return nil, s.version, ports.Invalid(ports.ReasonUnknownKey, GivenAwayKeyDescription)
	}
	if refreshFailed(fetchErr) {
		// The held set may only be out of date: a kid the tenant rotated in
		// while it cannot be reached is no fault of the token's, and a 401
		// would send its clients for new tokens that fail the same way.
		return nil, 0, fmt.Errorf("%w: the key set could not be refreshed: %v", ports.ErrKeysUnavailable, fetchErr)
	}
	return nil, s.version, ports.Invalid(ports.ReasonUnknownKey, UnknownKeyDescription)
}

// refreshFailed reports whether err, await's, says the held key set could
// not be brought up to date: a fetch that failed or ran out of time, or a
// cooldown after one that did. A cooldown after a good fetch is no failure:
// the tenant's key set was read moments ago.
func refreshFailed(err error) bool {
	if cd, ok := errors.AsType[*cooldownError](err); ok {
		return cd.last != nil
	}
	return err != nil
}

// UnknownKeyDescription is the error_description of an unknown kid.
const UnknownKeyDescription = "no key matches the token's kid"

// GivenAwayKeyDescription is the error_description of a kid whose key the
// tenant's JWKS gave away, while the key set cannot be refreshed.
const GivenAwayKeyDescription = "the token's key is no longer trusted: the tenant published its private half; get a new token"
