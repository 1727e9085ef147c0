package auth0

// The key source: the tenant's RSA signing keys, fetched from its JWKS and
// cached in an immutable map behind an atomic pointer.
//
// Unlike go-jwt-middleware's jwks.CachingProvider, a fetch never holds a lock
// that lookups wait on, a failed refresh keeps the last good keys (until
// MaxStaleAge), a non-200 answer or an empty set is a failure rather than an
// empty key set, an unknown kid triggers a shared, rate-limited refetch, and
// concurrent callers with nothing cached share one fetch instead of queueing.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/ports"
)

// Defaults for the zero values of KeySourceConfig.
const (
	defaultFetchTimeout       = 5 * time.Second
	defaultMaxBodyBytes       = 1 << 20
	defaultRefreshInterval    = 10 * time.Minute
	defaultMinRefreshInterval = time.Minute
	defaultMaxRefreshInterval = 24 * time.Hour
	defaultUnknownKeyCooldown = 5 * time.Second
	defaultMaxStaleAge        = 24 * time.Hour
	defaultRetryInterval      = 5 * time.Second
)

const (
	minModulusBits = 2048
	// maxModulusBits bounds the cost of one signature check; Auth0 uses
	// 2048-bit keys.
	maxModulusBits = 8192
	jwkExponent    = 65537

	// maxRetryFactor bounds the backoff: retries never wait longer than
	// maxRetryFactor*RetryInterval (plus jitter).
	maxRetryFactor = 4

	// failureWarnInterval rate-limits warnings while fetches keep failing.
	failureWarnInterval = time.Minute

	maxLoggedKids   = 16
	maxLoggedKidLen = 64
)

// KeySourceConfig configures a KeySource. Zero values are replaced by the
// defaults in brackets by NewKeySource.
type KeySourceConfig struct {
	Issuer                string        `koanf:"-"` // exact issuer, e.g. "https://tenant.auth0.com/" (always ends in "/"); derived from AUTH0_DOMAIN
	AllowInsecureLoopback bool          `koanf:"-"` // dev mode only: allow http:// when the issuer host is loopback (127.0.0.0/8, ::1, localhost)
	FetchTimeout          time.Duration // [5s] whole-request timeout for discovery and JWKS fetches
	MaxBodyBytes          int64         // [1 MiB] a larger body is rejected without reading it all
	RefreshInterval       time.Duration // [10m] default TTL of a good key set
	MinRefreshInterval    time.Duration // [1m] lower bound when honouring Cache-Control max-age
	MaxRefreshInterval    time.Duration // [24h] upper bound when honouring Cache-Control max-age
	UnknownKeyCooldown    time.Duration // [5s] at most one refetch for unknown kids per cooldown
	MaxStaleAge           time.Duration // [24h] keep serving last good keys this long after the last good fetch
	RetryInterval         time.Duration // [5s] background retry interval while there are no keys / fetches fail
}

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
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time
	ttl       time.Duration
}

// flight is one fetch attempt, shared by every caller that joins it.
type flight struct {
	done chan struct{} // closed when the attempt is over
	err  error         // its outcome; set before done is closed
}

// KeySource serves the tenant's RSA signing keys by kid. It is safe for
// concurrent use.
type KeySource struct {
	cfg          KeySourceConfig
	issuer       *url.URL
	discoveryURL string
	client       *http.Client
	log          *zap.Logger
	now          func() time.Time // injectable for tests; must be safe for concurrent use

	set atomic.Pointer[keySet]

	// ctx bounds every fetch and ends at Stop.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	started     bool
	stopped     bool
	flight      *flight   // the attempt in progress, nil when none; callers join it
	lastAttempt time.Time // start of the last fetch attempt
	lastErr     error     // outcome of the last fetch attempt
	failures    int       // consecutive failed attempts
	lastWarn    time.Time // last warning about a failed attempt
	jwksURI     string    // from discovery, once it succeeded

	onFetch func(ok bool, d time.Duration) // set before Start; for metrics
}

// OnFetch registers f to learn the outcome and duration of every fetch
// attempt (discovery included). Call it before Start or the first Key.
func (k *KeySource) OnFetch(f func(ok bool, d time.Duration)) { k.onFetch = f }

// NewKeySource validates cfg, fills in defaults and returns a KeySource that
// does nothing until Start or the first Key call. client may be nil; a given
// client is copied so that redirects are never followed, and FetchTimeout is
// enforced through the request context either way. log may be nil.
func NewKeySource(cfg KeySourceConfig, client *http.Client, log *zap.Logger) (*KeySource, error) {
	cfg, issuer, err := normalizeKeySourceConfig(cfg)
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
		cfg:          cfg,
		issuer:       issuer,
		discoveryURL: cfg.Issuer + ".well-known/openid-configuration",
		client:       &c,
		log:          log.With(zap.String("component", "auth0_keys")),
		now:          time.Now,
		ctx:          ctx,
		cancel:       cancel,
	}, nil
}

func normalizeKeySourceConfig(cfg KeySourceConfig) (KeySourceConfig, *url.URL, error) {
	issuer, err := checkKeySourceIssuer(cfg.Issuer, cfg.AllowInsecureLoopback)
	if err != nil {
		return cfg, nil, err
	}
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"FetchTimeout", &cfg.FetchTimeout, defaultFetchTimeout},
		{"RefreshInterval", &cfg.RefreshInterval, defaultRefreshInterval},
		{"MinRefreshInterval", &cfg.MinRefreshInterval, defaultMinRefreshInterval},
		{"MaxRefreshInterval", &cfg.MaxRefreshInterval, defaultMaxRefreshInterval},
		{"UnknownKeyCooldown", &cfg.UnknownKeyCooldown, defaultUnknownKeyCooldown},
		{"MaxStaleAge", &cfg.MaxStaleAge, defaultMaxStaleAge},
		{"RetryInterval", &cfg.RetryInterval, defaultRetryInterval},
	}
	for _, d := range durations {
		switch {
		case *d.v < 0:
			return cfg, nil, fmt.Errorf("auth0 key source: %s must not be negative, got %s", d.name, *d.v)
		case *d.v == 0:
			*d.v = d.def
		}
	}
	switch {
	case cfg.MaxBodyBytes < 0:
		return cfg, nil, fmt.Errorf("auth0 key source: MaxBodyBytes must not be negative, got %d", cfg.MaxBodyBytes)
	case cfg.MaxBodyBytes == 0:
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	}
	if cfg.MinRefreshInterval > cfg.MaxRefreshInterval {
		return cfg, nil, fmt.Errorf("auth0 key source: MinRefreshInterval %s exceeds MaxRefreshInterval %s",
			cfg.MinRefreshInterval, cfg.MaxRefreshInterval)
	}
	return cfg, issuer, nil
}

func checkKeySourceIssuer(raw string, allowInsecureLoopback bool) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("auth0 key source: Issuer is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("auth0 key source: Issuer is not a URL: %w", err)
	}
	if u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return nil, fmt.Errorf("auth0 key source: Issuer %q has no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("auth0 key source: Issuer %q must not have user info, a query or a fragment", raw)
	}
	if !strings.HasSuffix(raw, "/") {
		return nil, fmt.Errorf("auth0 key source: Issuer %q must end in \"/\" (Auth0's iss does)", raw)
	}
	switch {
	case strings.HasPrefix(raw, "https://"):
	case strings.HasPrefix(raw, "http://"):
		if !allowInsecureLoopback {
			return nil, fmt.Errorf("auth0 key source: Issuer %q is not https (http needs AllowInsecureLoopback and a loopback host)", raw)
		}
		if !LoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("auth0 key source: Issuer %q is http on a host that is not loopback", raw)
		}
	default:
		return nil, fmt.Errorf("auth0 key source: Issuer %q must start with https://", raw)
	}
	return u, nil
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
// fetch happens any more.
func (k *KeySource) Stop() {
	k.mu.Lock()
	k.stopped = true
	k.mu.Unlock()
	k.cancel()
	k.wg.Wait()
}

// Ready reports whether a good key set not older than MaxStaleAge is held.
func (k *KeySource) Ready() bool { return k.current() != nil }

// Stats describes the key set held.
func (k *KeySource) Stats() KeyStats {
	s := k.set.Load()
	if s == nil {
		return KeyStats{}
	}
	st := KeyStats{LastGoodFetch: s.fetchedAt}
	if k.fresh(s) {
		st.Keys = len(s.keys)
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

// Key returns the tenant's RSA public key with the given kid.
//
// A kid in the held key set is answered at once, with no lock and no fetch.
// Otherwise the caller joins (or starts) the one shared fetch, at most one per
// UnknownKeyCooldown, and waits for it until ctx ends or FetchTimeout passes.
// Errors:
//   - ctx's own error when ctx ends first;
//   - *ports.InvalidTokenError with ReasonUnknownKey when a key set is held
//     but has no such kid (ReasonMissingKeyID for an empty kid);
//   - an error wrapping ports.ErrKeysUnavailable when no key set (or only
//     one older than MaxStaleAge) is held and none could be fetched.
func (k *KeySource) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if s := k.current(); s != nil {
		if key := s.keys[kid]; key != nil {
			return key, nil
		}
	}
	if kid == "" {
		return nil, ports.Invalid(ports.ReasonMissingKeyID, "the token has no kid")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fetchErr, ctxDone := k.await(ctx, kid)
	if ctxDone {
		return nil, fetchErr
	}
	s := k.current()
	if s == nil {
		if fetchErr == nil {
			fetchErr = errors.New("no current key set")
		}
		// %v, not %w: a fetch's context.DeadlineExceeded must not look
		// like the caller's own ctx ending.
		return nil, fmt.Errorf("%w: %v", ports.ErrKeysUnavailable, fetchErr)
	}
	if key := s.keys[kid]; key != nil {
		return key, nil
	}
	return nil, ports.Invalid(ports.ReasonUnknownKey, "no key matches the token's kid")
}

// await joins the attempt in progress or, unless the last one started less
// than UnknownKeyCooldown ago, starts one, and waits for it until ctx ends or
// FetchTimeout passes. ctxDone says the returned error is ctx's own.
//
// A caller that finds a refetch due (the cooldown is over) is promised a
// fetch that starts after it arrived. If it had to join an attempt that was
// already running (one slower than the cooldown, or one finishing its
// bookkeeping), that attempt may have read the JWKS before the tenant
// published kid; so when kid is still unknown afterwards, the caller follows
// up once, under the cooldown again. The cooldown still bounds how often
// fetches start, so a kid storm costs at most one fetch per cooldown.
func (k *KeySource) await(ctx context.Context, kid string) (err error, ctxDone bool) {
	k.mu.Lock()
	due := k.coolingDownLocked(k.now()) == nil
	f, joined, err := k.flightLocked(false)
	k.mu.Unlock()
	if err != nil {
		return err, false
	}

	t := time.NewTimer(k.cfg.FetchTimeout)
	defer t.Stop()
	err, over, ctxDone := k.wait(ctx, f, t.C)
	if !over || !joined || !due || k.has(kid) {
		return err, ctxDone
	}
	k.mu.Lock()
	f, _, err = k.flightLocked(false)
	k.mu.Unlock()
	if err != nil {
		// Most likely a cooldown: another attempt started after this
		// caller arrived, and its keys are what Key looks at next.
		return err, false
	}
	err, _, ctxDone = k.wait(ctx, f, t.C)
	return err, ctxDone
}

// wait waits for f to be over (over), ctx to end (ctxDone) or timeout.
func (k *KeySource) wait(ctx context.Context, f *flight, timeout <-chan time.Time) (err error, over, ctxDone bool) {
	select {
	case <-f.done:
		return f.err, true, false
	case <-ctx.Done():
		return ctx.Err(), false, true
	case <-timeout:
		return fmt.Errorf("no key set fetched within %s", k.cfg.FetchTimeout), false, false
	}
}

// has reports whether a current key set holds kid.
func (k *KeySource) has(kid string) bool {
	s := k.current()
	return s != nil && s.keys[kid] != nil
}

// flightLocked returns the attempt in progress (joined) or starts one. A
// caller (force false) starts none while the last attempt is less than
// UnknownKeyCooldown old; the background loop (force) paces itself. k.mu
// must be held: deciding and starting (or joining) under one hold of the
// lock is what makes "the cooldown is over and no attempt is running" mean
// that the caller gets a new attempt, never the tail of an older one.
func (k *KeySource) flightLocked(force bool) (f *flight, joined bool, err error) {
	if k.flight != nil {
		return k.flight, true, nil
	}
	if k.stopped {
		return nil, false, errors.New("key source stopped")
	}
	now := k.now()
	if !force {
		if err := k.coolingDownLocked(now); err != nil {
			return nil, false, err
		}
	}
	f = &flight{done: make(chan struct{})}
	k.flight = f
	k.lastAttempt = now
	// Holding mu while calling wg.Add means no Add can race with Stop's Wait.
	k.wg.Add(1)
	go k.attempt(f)
	return f, false, nil
}

// coolingDownLocked returns a non-nil error when the last attempt started
// less than UnknownKeyCooldown before now. k.mu must be held. It is cheap: a
// flood of unknown kids lands here, and the message is built only if read.
func (k *KeySource) coolingDownLocked(now time.Time) error {
	if k.lastAttempt.IsZero() {
		return nil
	}
	since := now.Sub(k.lastAttempt)
	if since >= k.cfg.UnknownKeyCooldown {
		return nil
	}
	return &cooldownError{since: since, wait: k.cfg.UnknownKeyCooldown - since, last: k.lastErr}
}

// cooldownError says no fetch was made because the last one was too recent.
type cooldownError struct {
	since, wait time.Duration
	last        error // outcome of the last attempt
}

func (e *cooldownError) Error() string {
	msg := fmt.Sprintf("not refetching for another %s (cooldown): the last attempt was %s ago",
		e.wait.Round(time.Millisecond), e.since.Round(time.Millisecond))
	if e.last != nil {
		msg += " and failed: " + e.last.Error()
	}
	return msg
}

// attempt runs flight f, started by flightLocked, so attempts never
// overlap. It ends f only once all its bookkeeping is done.
func (k *KeySource) attempt(f *flight) {
	defer k.wg.Done()

	prev := k.set.Load()
	began := time.Now()
	err := k.fetch()
	if k.onFetch != nil {
		k.onFetch(err == nil, time.Since(began))
	}

	now := k.now()
	k.mu.Lock()
	k.lastErr = err
	failures := k.failures
	warn := false
	if err != nil {
		k.failures++
		// The first failure of a run, then at most one warning a minute.
		// A fetch cut short by Stop is not worth a warning.
		if warn = k.ctx.Err() == nil && (failures == 0 || now.Sub(k.lastWarn) >= failureWarnInterval); warn {
			k.lastWarn = now
		}
	} else {
		k.failures = 0
	}
	k.mu.Unlock()

	switch {
	case err != nil:
		fields := []zap.Field{zap.Error(err), zap.Int("consecutive_failures", failures+1)}
		if held := k.current(); held != nil {
			fields = append(fields, zap.Bool("serving_cached_keys", true),
				zap.Int("keys", len(held.keys)), zap.Time("last_good_fetch", held.fetchedAt))
		} else {
			fields = append(fields, zap.Bool("serving_cached_keys", false))
		}
		if warn {
			k.log.Warn("fetching the tenant's signing keys failed", fields...)
		} else {
			k.log.Debug("fetching the tenant's signing keys failed", fields...)
		}
	case failures > 0:
		k.log.Info("fetching the tenant's signing keys works again", zap.Int("failed_attempts", failures))
	}
	if err == nil {
		k.logChange(prev, k.set.Load())
	}

	// Clearing k.flight and ending f under mu: whoever then finds no
	// flight finds this attempt's outcome in place.
	k.mu.Lock()
	k.flight = nil
	f.err = err
	close(f.done)
	k.mu.Unlock()
}

// fetch runs discovery (until it has succeeded once) and the JWKS fetch,
// together bounded by FetchTimeout, and publishes the new key set.
func (k *KeySource) fetch() error {
	ctx, cancel := context.WithTimeout(k.ctx, k.cfg.FetchTimeout)
	defer cancel()

	jwksURI, err := k.discover(ctx)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	body, header, err := k.get(ctx, jwksURI)
	if err != nil {
		return fmt.Errorf("JWKS: %w", err)
	}
	keys, rep, err := parseJWKS(body)
	if err != nil {
		return fmt.Errorf("JWKS from %s: %w", jwksURI, err)
	}
	if len(rep.reasons) > 0 {
		k.log.Warn("ignored entries of the tenant's JWKS",
			zap.Int("entries", rep.entries), zap.Int("kept", len(keys)),
			zap.String("reasons", rep.reasonSummary()), zap.Strings("ignored_kids", rep.kids))
	}
	if len(keys) == 0 {
		return fmt.Errorf("JWKS from %s: none of its %d entries is a usable key (keeping the previous keys)", jwksURI, rep.entries)
	}
	k.set.Store(&keySet{
		keys:      keys,
		fetchedAt: k.now(),
		ttl:       jwksCacheTTL(header, k.cfg.RefreshInterval, k.cfg.MinRefreshInterval, k.cfg.MaxRefreshInterval, k.cfg.MaxStaleAge),
	})
	return nil
}

func (k *KeySource) logChange(prev, next *keySet) {
	if next == nil {
		return
	}
	if prev == nil {
		k.log.Info("loaded the tenant's signing keys",
			zap.Int("keys", len(next.keys)), zap.Strings("kids", quoteKidsForLog(next.keys, nil)), zap.Duration("ttl", next.ttl))
		return
	}
	added, removed := quoteKidsForLog(next.keys, prev.keys), quoteKidsForLog(prev.keys, next.keys)
	if len(added) > 0 || len(removed) > 0 {
		k.log.Info("the tenant's signing keys changed",
			zap.Int("keys", len(next.keys)), zap.Strings("added", added), zap.Strings("removed", removed), zap.Duration("ttl", next.ttl))
		return
	}
	k.log.Debug("refreshed the tenant's signing keys", zap.Int("keys", len(next.keys)), zap.Duration("ttl", next.ttl))
}

// quoteKidsForLog lists, sorted and made safe to log, the kids of a that are not in b.
func quoteKidsForLog(a, b map[string]*rsa.PublicKey) []string {
	var out []string
	for kid := range a {
		if _, ok := b[kid]; !ok {
			out = append(out, kid)
		}
	}
	slices.Sort(out)
	if len(out) > maxLoggedKids {
		out = out[:maxLoggedKids]
	}
	for i, kid := range out {
		out[i] = quoteForLog(kid)
	}
	return out
}

// quoteForLog quotes a tenant-supplied kid for a log line, bounding its length.
func quoteForLog(kid string) string {
	if len(kid) > maxLoggedKidLen {
		return strconv.QuoteToASCII(kid[:maxLoggedKidLen]) + "..."
	}
	return strconv.QuoteToASCII(kid)
}

// discover returns the jwks_uri, fetching the discovery document until that
// has succeeded once.
func (k *KeySource) discover(ctx context.Context) (string, error) {
	k.mu.Lock()
	cached := k.jwksURI
	k.mu.Unlock()
	if cached != "" {
		return cached, nil
	}
	body, _, err := k.get(ctx, k.discoveryURL)
	if err != nil {
		return "", err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return "", fmt.Errorf("%s is not a JSON object", k.discoveryURL)
	}
	issuer, ok := jwkJSONString(doc["issuer"])
	if !ok {
		return "", fmt.Errorf("%s has no issuer string", k.discoveryURL)
	}
	if issuer != k.cfg.Issuer {
		return "", fmt.Errorf("%s names issuer %s, want exactly %q", k.discoveryURL, quoteForLog(issuer), k.cfg.Issuer)
	}
	jwksURI, ok := jwkJSONString(doc["jwks_uri"])
	if !ok {
		return "", fmt.Errorf("%s has no jwks_uri string", k.discoveryURL)
	}
	if err := k.checkJWKSURI(jwksURI); err != nil {
		return "", err
	}
	k.mu.Lock()
	k.jwksURI = jwksURI
	k.mu.Unlock()
	k.log.Info("discovered the tenant's JWKS", zap.String("jwks_uri", jwksURI))
	return jwksURI, nil
}

// checkJWKSURI accepts only an https URL on the issuer's host and port (http
// only in loopback dev mode).
func (k *KeySource) checkJWKSURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Host == "" {
		return fmt.Errorf("jwks_uri %s is not an absolute URL", quoteForLog(raw))
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("jwks_uri %s must not have user info or a fragment", quoteForLog(raw))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && k.cfg.AllowInsecureLoopback && LoopbackHost(u.Hostname()):
	default:
		return fmt.Errorf("jwks_uri %s is not https", quoteForLog(raw))
	}
	if !strings.EqualFold(u.Hostname(), k.issuer.Hostname()) || urlPort(u) != urlPort(k.issuer) {
		return fmt.Errorf("jwks_uri %s is not on the issuer's host %s", quoteForLog(raw), k.issuer.Host)
	}
	return nil
}

func urlPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

// get fetches rawURL: status 200 only, redirects not followed, body capped at
// MaxBodyBytes.
func (k *KeySource) get(ctx context.Context, rawURL string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return nil, nil, fmt.Errorf("GET %s: status %d (redirects are not followed)", rawURL, resp.StatusCode)
		}
		return nil, nil, fmt.Errorf("GET %s: status %d, want 200", rawURL, resp.StatusCode)
	}
	limit := k.cfg.MaxBodyBytes
	if resp.ContentLength > limit {
		return nil, nil, fmt.Errorf("GET %s: Content-Length %d exceeds the %d-byte cap", rawURL, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: reading the body: %w", rawURL, err)
	}
	if int64(len(body)) > limit {
		return nil, nil, fmt.Errorf("GET %s: body exceeds the %d-byte cap", rawURL, limit)
	}
	return body, resp.Header, nil
}

// run is the background loop: warm up at once, refresh before the TTL ends,
// retry with jittered, bounded backoff while fetches fail.
func (k *KeySource) run() {
	defer k.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-t.C:
		}
		// Joining a caller's attempt in progress counts as this round's.
		k.mu.Lock()
		f, _, err := k.flightLocked(true)
		k.mu.Unlock()
		if err != nil {
			return // stopped
		}
		select {
		case <-k.ctx.Done():
			return
		case <-f.done:
			err = f.err
		}
		var delay time.Duration
		switch s := k.set.Load(); {
		case err == nil && s != nil:
			failures = 0
			delay = jwksRefreshDelay(s.ttl)
		default:
			failures++
			delay = jwksRetryDelay(k.cfg.RetryInterval, failures)
		}
		t.Reset(delay)
	}
}

// jwksRefreshDelay is a random point between 80% and 95% of ttl, so that many
// instances do not refresh in step and the keys are renewed before they age.
func jwksRefreshDelay(ttl time.Duration) time.Duration {
	return time.Duration(float64(ttl) * (0.80 + 0.15*rand.Float64()))
}

// jwksRetryDelay doubles base per consecutive failure up to maxRetryFactor*base,
// then applies ±20% jitter.
func jwksRetryDelay(base time.Duration, failures int) time.Duration {
	d := base
	for i := 1; i < failures && d < maxRetryFactor*base; i++ {
		d *= 2
	}
	d = min(d, maxRetryFactor*base)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// jwksCacheTTL is how long a key set fetched with this response header is good
// for: a single valid Cache-Control max-age clamped to [lo, hi], lo for
// no-store or no-cache, def otherwise; never longer than maxStale.
func jwksCacheTTL(h http.Header, def, lo, hi, maxStale time.Duration) time.Duration {
	ttl := def
	if vals := h.Values("Cache-Control"); len(vals) > 0 {
		var (
			maxAges   int
			maxAge    time.Duration
			invalid   bool
			dontCache bool
		)
		for _, d := range strings.Split(strings.Join(vals, ","), ",") {
			name, val, hasVal := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store":
				dontCache = true
			case "no-cache":
				dontCache = dontCache || !hasVal // no-cache="field" is about fields only
			case "max-age":
				maxAges++
				secs, ok := parseDeltaSeconds(val)
				if !ok {
					invalid = true
				}
				maxAge = secs
			}
		}
		switch {
		case dontCache:
			ttl = lo
		case maxAges == 1 && !invalid:
			ttl = min(max(maxAge, lo), hi)
		}
	}
	return min(ttl, maxStale)
}

// parseDeltaSeconds parses an RFC 9111 delta-seconds value (optionally
// quoted); values too large for a Duration saturate.
func parseDeltaSeconds(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > maxSecs { // only overflow is left
		return time.Duration(maxSecs) * time.Second, true
	}
	return time.Duration(n) * time.Second, true
}

// Reasons a JWKS entry is ignored.
const (
	jwkDropNotObject        = "not_an_object"
	jwkDropMissingKid       = "missing_kid"
	jwkDropDuplicateKid     = "duplicate_kid"
	jwkDropKty              = "kty_not_rsa"
	jwkDropUse              = "use_not_sig"
	jwkDropAlg              = "alg_not_rs256"
	jwkDropBadModulus       = "bad_modulus"
	jwkDropWeakModulus      = "modulus_too_short"
	jwkDropLargeModulus     = "modulus_too_long"
	jwkDropBadExponent      = "bad_exponent"
	jwkDropExponentNot65537 = "exponent_not_65537"
)

// jwksReport says what parseJWKS ignored.
type jwksReport struct {
	entries int
	reasons map[string]int // reason → count
	kids    []string       // safe-to-log kids of ignored entries, at most maxLoggedKids
}

func (r *jwksReport) drop(reason, kid string) {
	if r.reasons == nil {
		r.reasons = make(map[string]int)
	}
	r.reasons[reason]++
	if len(r.kids) < maxLoggedKids {
		if kid == "" {
			r.kids = append(r.kids, "<none>")
		} else {
			r.kids = append(r.kids, quoteForLog(kid))
		}
	}
}

func (r *jwksReport) reasonSummary() string {
	parts := make([]string, 0, len(r.reasons))
	for reason, n := range r.reasons {
		parts = append(parts, reason+"="+strconv.Itoa(n))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

var jwkBase64 = base64.RawURLEncoding.Strict()

// parseJWKS keeps the entries usable as RS256 verification keys. An error
// means the document itself is unusable; entries are dropped one by one.
func parseJWKS(body []byte) (map[string]*rsa.PublicKey, jwksReport, error) {
	var rep jwksReport
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, rep, errors.New("not a JSON object")
	}
	raw, ok := doc["keys"]
	if t := bytes.TrimSpace(raw); !ok || len(t) == 0 || t[0] != '[' {
		return nil, rep, errors.New(`no "keys" array`)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, rep, errors.New(`no "keys" array`)
	}
	rep.entries = len(entries)

	objs := make([]map[string]json.RawMessage, len(entries))
	kids := make([]string, len(entries))
	count := make(map[string]int, len(entries))
	for i, e := range entries {
		if json.Unmarshal(e, &objs[i]) != nil {
			objs[i] = nil
			continue
		}
		if kid, ok := jwkJSONString(objs[i]["kid"]); ok && kid != "" {
			kids[i] = kid
			count[kid]++
		}
	}

	keys := make(map[string]*rsa.PublicKey, len(entries))
	for i, obj := range objs {
		kid := kids[i]
		var reason string
		switch {
		case obj == nil:
			reason = jwkDropNotObject
		case kid == "":
			reason = jwkDropMissingKid
		case count[kid] > 1:
			reason = jwkDropDuplicateKid
		default:
			var key *rsa.PublicKey
			key, reason = jwkRSAKey(obj)
			if key != nil {
				keys[kid] = key
				continue
			}
		}
		rep.drop(reason, kid)
	}
	return keys, rep, nil
}

// jwkRSAKey returns the key an entry describes, or why it is not usable.
func jwkRSAKey(obj map[string]json.RawMessage) (*rsa.PublicKey, string) {
	if kty, ok := jwkJSONString(obj["kty"]); !ok || kty != "RSA" {
		return nil, jwkDropKty
	}
	if raw, present := obj["use"]; present {
		if use, ok := jwkJSONString(raw); !ok || use != "sig" {
			return nil, jwkDropUse
		}
	}
	if raw, present := obj["alg"]; present {
		if alg, ok := jwkJSONString(raw); !ok || alg != "RS256" {
			return nil, jwkDropAlg
		}
	}
	nb, ok := jwkBase64Field(obj["n"])
	if !ok {
		return nil, jwkDropBadModulus
	}
	n := new(big.Int).SetBytes(nb)
	switch bits := n.BitLen(); {
	case bits < minModulusBits:
		return nil, jwkDropWeakModulus
	case bits > maxModulusBits:
		return nil, jwkDropLargeModulus
	case n.Bit(0) == 0:
		return nil, jwkDropBadModulus // an RSA modulus is odd
	}
	eb, ok := jwkBase64Field(obj["e"])
	if !ok || len(eb) > 8 {
		return nil, jwkDropBadExponent
	}
	if e := new(big.Int).SetBytes(eb); !e.IsInt64() || e.Int64() != jwkExponent {
		return nil, jwkDropExponentNot65537
	}
	return &rsa.PublicKey{N: n, E: jwkExponent}, ""
}

func jwkBase64Field(raw json.RawMessage) ([]byte, bool) {
	s, ok := jwkJSONString(raw)
	if !ok || s == "" {
		return nil, false
	}
	b, err := jwkBase64.DecodeString(s)
	return b, err == nil && len(b) > 0
}

// jwkJSONString decodes raw if it is a JSON string.
func jwkJSONString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
