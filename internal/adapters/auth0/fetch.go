package auth0

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"go.uber.org/zap"
)

// Fetching: discovery, the JWKS request and the publication of a new key set.

// jwksAccept asks for a JWK Set by its media type (RFC 7517 §8.5), or
// plain JSON, which is what most servers label it.
const jwksAccept = "application/jwk-set+json, application/json"

// fetch runs discovery (until it has succeeded once) and the JWKS fetch,
// together bounded by FetchTimeout, and publishes the new key set.
func (k *KeySource) fetch() error {
	ctx, cancel := context.WithTimeout(k.ctx, k.cfg.FetchTimeout)
	defer cancel()

	jwksURI, err := k.discover(ctx)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	body, header, err := k.get(ctx, jwksURI, jwksAccept)
	if err != nil {
		return fmt.Errorf("JWKS: %w", err)
	}
	shown := RedactURL(jwksURI) // accepted with a query, where a credential may be
	keys, rep, err := parseJWKS(body)
	k.remember(rep.given, rep.leaked.moduli)
	if err == nil {
		k.dropCompromised(keys, &rep)
		k.logIgnored(rep, len(keys))
		if len(keys) == 0 {
			err = fmt.Errorf("none of its %d entries is a usable key", rep.entries)
		}
	}
	if err != nil {
		// The last good keys serve on through a bad fetch, but not those
		// this one gave away: anyone who read it can sign with them. The
		// error says which, when there are any to serve.
		dropped := k.forgetLeaked(&rep.leaked, rep.privateKids)
		switch held := k.current(); {
		case held != nil && held.size() > 0 && dropped > 0:
			err = fmt.Errorf("%w (keeping the previous keys but the %d it gave away)", err, dropped)
		case held != nil && held.size() > 0:
			err = fmt.Errorf("%w (keeping the previous keys)", err)
		case dropped > 0:
			err = fmt.Errorf("%w (dropping the %d previous keys it gave away: none left)", err, dropped)
		}
		return fmt.Errorf("JWKS from %s: %w", shown, err)
	}
	next := &keySet{
		keys:      keys,
		fetchedAt: k.now(),
		ttl:       jwksCacheTTL(header, k.cfg.RefreshInterval, k.cfg.MinRefreshInterval, k.cfg.MaxRefreshInterval, k.cfg.MaxStaleAge),
	}
	next.version = 1
	if prev := k.set.Load(); prev != nil {
		next.version = prev.version
		if !sameKeySet(prev.keys, keys) {
			next.version++
		}
	}
	k.set.Store(next)
	return nil
}

// forgetLeaked drops from the held key set every key that leaked gives
// away, and records as given away the kids left without a key by that,
// and those of the document's private objects (leaked's, as far as its
// scan went, and privateKids, the set's private entries) that have none,
// publishing a copy (under a new version when keys were dropped); it
// returns how many keys it dropped. Only attempts call it, and they never
// overlap.
func (k *KeySource) forgetLeaked(leaked *leaks, privateKids []string) (dropped int) {
	prev := k.set.Load()
	if prev == nil || !leaked.any() {
		return 0
	}
	keys := make(map[string][]*rsa.PublicKey, len(prev.keys))
	for kid, held := range prev.keys {
		keys[kid] = slices.Clone(held) // lookups may be reading prev's
	}
	var rep jwksReport
	dropLeaked(keys, leaked, &rep)
	k.remember(rep.given)
	given := maps.Clone(prev.givenAway)
	for _, kid := range slices.Concat(rep.givenKids, leaked.kids, privateKids) { // not those only unchecked: they may be fine
		if len(keys[kid]) == 0 && !given[kid] {
			if given == nil {
				given = make(map[string]bool)
			}
			given[kid] = true
		}
	}
	if len(rep.reasons) == 0 && len(given) == len(prev.givenAway) {
		return 0 // nothing held given away, and no kid newly given away
	}
	next := &keySet{keys: keys, fetchedAt: prev.fetchedAt, ttl: prev.ttl, version: prev.version, givenAway: given}
	if len(rep.reasons) > 0 {
		next.version++
	}
	k.set.Store(next)
	if len(rep.reasons) > 0 {
		k.log.Warn("dropped held signing keys: the tenant's JWKS published private key material (reasons say how it reached them)",
			zap.Strings("kids", rep.kids), zap.String("reasons", rep.reasonSummary()), zap.Int("keys_left", next.size()))
	}
	return prev.size() - next.size()
}

// maxCompromised bounds the moduli KeySource remembers as given away.
const maxCompromised = 64

// remember adds moduli, of keys a JWKS gave away, to those remembered,
// while there is room, and warns once when there is none. Only attempts
// call it.
func (k *KeySource) remember(moduli ...[]*big.Int) {
	for _, n := range slices.Concat(moduli...) {
		switch {
		case slices.ContainsFunc(k.compromised, equals(n)):
		case len(k.compromised) < maxCompromised:
			k.compromised = append(k.compromised, n)
		case !k.compromisedFull:
			k.compromisedFull = true
			k.log.Warn("the tenant's JWKS gave away more keys than are remembered: those past the limit may be trusted again if published without their private half",
				zap.Int("remembered", maxCompromised))
		}
	}
}

// dropCompromised drops every key of keys whose modulus divides one a JWKS
// gave away before: published again without its private half, it is no
// less known. Only attempts call it.
func (k *KeySource) dropCompromised(keys map[string][]*rsa.PublicKey, rep *jwksReport) {
	if len(k.compromised) == 0 {
		return
	}
	dropKeys(keys, rep, func(_ string, key *rsa.PublicKey) string {
		if slices.ContainsFunc(k.compromised, func(n *big.Int) bool { return new(big.Int).Mod(n, key.N).Sign() == 0 }) {
			return jwkDropLeakedBefore
		}
		return ""
	})
}

// sameKeySet reports whether a and b hold the same keys under the same kids.
func sameKeySet(a, b map[string][]*rsa.PublicKey) bool {
	if len(a) != len(b) {
		return false
	}
	for kid, ka := range a {
		kb := b[kid]
		if len(ka) != len(kb) {
			return false
		}
		for i := range ka {
			if !sameKey(ka[i], kb[i]) {
				return false
			}
		}
	}
	return true
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
	body, _, err := k.get(ctx, k.tenant.DiscoveryURL(), "application/json")
	if err != nil {
		return "", err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return "", fmt.Errorf("%s is not a JSON object", k.tenant.DiscoveryURL())
	}
	issuer, ok := jwkJSONString(doc["issuer"])
	if !ok {
		return "", fmt.Errorf("%s has no issuer string", k.tenant.DiscoveryURL())
	}
	if issuer != k.tenant.Issuer() {
		return "", fmt.Errorf("%s names issuer %s, want exactly %q", k.tenant.DiscoveryURL(), quoteForLog(RedactURL(issuer)), k.tenant.Issuer())
	}
	jwksURI, ok := jwkJSONString(doc["jwks_uri"])
	if !ok {
		return "", fmt.Errorf("%s has no jwks_uri string", k.tenant.DiscoveryURL())
	}
	if err := k.checkJWKSURI(jwksURI); err != nil {
		return "", err
	}
	k.mu.Lock()
	k.jwksURI = jwksURI
	k.mu.Unlock()
	k.log.Info("discovered the tenant's JWKS", zap.String("jwks_uri", RedactURL(jwksURI)))
	return jwksURI, nil
}

// maxJWKSURI bounds a jwks_uri, in bytes: it is logged when discovered and
// in every failed fetch's error.
const maxJWKSURI = 2048

// checkJWKSURI accepts only an https URL on the issuer's host and port (http
// only in loopback dev mode), of at most maxJWKSURI printable ASCII bytes.
func (k *KeySource) checkJWKSURI(raw string) error {
	shown := quoteForLog(RedactURL(raw)) // every error below quotes it: never a credential in it
	// Gate: url.Parse takes any length and raw controls, bidi marks and
	// line separators in a path, which the logs would then carry as given,
	// on every failed fetch and every request it left without keys. A URI
	// has none of them (RFC 3986 §2).
	if len(raw) > maxJWKSURI || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return fmt.Errorf("jwks_uri %s is not a URI: longer than %d bytes, or with a character no URI holds unencoded", shown, maxJWKSURI)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Host == "" {
		return fmt.Errorf("jwks_uri %s is not an absolute URL", shown)
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("jwks_uri %s must not have user info or a fragment", shown)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && k.tenant.InsecureLoopback() && LoopbackHost(u.Hostname()):
	default:
		return fmt.Errorf("jwks_uri %s is not https", shown)
	}
	if !strings.EqualFold(u.Hostname(), k.tenant.issuerURL.Hostname()) || urlPort(u) != urlPort(k.tenant.issuerURL) {
		return fmt.Errorf("jwks_uri %s is not on the issuer's host %s", shown, k.tenant.issuerURL.Host)
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
// MaxBodyBytes. Its errors name rawURL redacted, as RedactURL does.
func (k *KeySource) get(ctx context.Context, rawURL, accept string) ([]byte, http.Header, error) {
	shown := RedactURL(rawURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", shown, unquoteURL(err))
	}
	req.Header.Set("Accept", accept)
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", shown, unquoteURL(err))
	}
	// A refusal's body is closed unread: over HTTP/2 (Auth0's) that keeps
	// the connection, and reading a stalled one would cost the whole fetch
	// timeout and hide the status from the requests waiting on the fetch.
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return nil, nil, fmt.Errorf("GET %s: status %d (redirects are not followed)", shown, resp.StatusCode)
		}
		return nil, nil, fmt.Errorf("GET %s: status %d, want 200", shown, resp.StatusCode)
	}
	limit := k.cfg.MaxBodyBytes
	if resp.ContentLength > limit {
		return nil, nil, fmt.Errorf("GET %s: Content-Length %d exceeds the %d-byte cap", shown, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: reading the body: %w", shown, unquoteURL(err))
	}
	if int64(len(body)) > limit {
		return nil, nil, fmt.Errorf("GET %s: body exceeds the %d-byte cap", shown, limit)
	}
	return body, resp.Header, nil
}

// unquoteURL is err without the *url.Error around it, whose text quotes
// the URL whole, query included; errors.Is still sees through to the cause.
func unquoteURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
