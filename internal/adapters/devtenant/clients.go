package devtenant

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// client is a registered application. Its redirect URIs can grow at run
// time (the example SPA registers its bound origin), so they sit behind mu.
type client struct {
	id         string
	typ        string
	secretHash [sha256.Size]byte
	scopes     []string

	mu           sync.RWMutex
	redirectURIs []string
}

func newClient(id, typ, secret string, scopes, redirectURIs []string) *client {
	return &client{id: id, typ: typ, secretHash: hashSecret(secret), scopes: scopes, redirectURIs: slices.Clone(redirectURIs)}
}

func (c *client) public() bool { return c.typ == TypeSPA || c.typ == TypeNative }

// addRedirectURI registers one more callback URL (idempotent).
func (c *client) addRedirectURI(u string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Contains(c.redirectURIs, u) {
		c.redirectURIs = append(c.redirectURIs, u)
	}
}

// allowsRedirect reports whether uri is one of the client's redirect URIs:
// an exact string match (RFC 6749 section 3.1.2.3), except that a native
// client's http loopback IP URIs match on any port (RFC 8252 section 7.3).
func (c *client) allowsRedirect(uri string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Contains(c.redirectURIs, uri) || c.loopbackMatchLocked(uri, func(r string) string { return r })
}

// loopbackMatchLocked reports whether c is a native client and uri, an http
// loopback IP URL, is form of one of its redirect URIs but for the port
// (RFC 8252 section 7.3); c.mu is held.
func (c *client) loopbackMatchLocked(uri string, form func(redirectURI string) string) bool {
	if c.typ != TypeNative {
		return false
	}
	got, ok := loopbackWithoutPort(uri)
	if !ok {
		return false
	}
	for _, r := range c.redirectURIs {
		if want, ok := loopbackWithoutPort(form(r)); ok && want == got {
			return true
		}
	}
	return false
}

// loopbackWithoutPort returns an http URL on a loopback IP literal with its
// port removed, for comparing native redirects.
func loopbackWithoutPort(s string) (string, bool) {
	u, err := url.Parse(s)
	// Only the port may vary: "HTTP://" is another string (url.Parse would lower it).
	if err != nil || !strings.HasPrefix(s, "http://") || u.User != nil || u.Fragment != "" || strings.Contains(s, "#") {
		return "", false
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil || !ip.IsLoopback() || ip.Zone() != "" {
		return "", false
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		// Any port, but a port: 0 or past 65535 sends the browser nowhere,
		// and an empty one or a leading zero is not a port number as written.
		if n, err := strconv.ParseUint(p, 10, 16); err != nil || n == 0 || strconv.FormatUint(n, 10) != p {
			return "", false
		}
	}
	u.Host = u.Hostname()
	if ip.Is6() {
		u.Host = "[" + u.Host + "]"
	}
	return u.String(), true
}

// allowsOrigin reports whether origin ("http://host:port") is the origin
// of one of the client's redirect URIs: Auth0's "Allowed Web Origins".
func (c *client) allowsOrigin(origin string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.redirectURIs {
		if originOf(r) == origin {
			return true
		}
	}
	return false
}

// allowsLogoutReturn reports whether returnTo is a redirect URI or the
// origin of one, with or without its trailing slash: Auth0's "Allowed
// Logout URLs". A native client's loopback redirect URIs match on any port
// (RFC 8252 section 7.3), and so do their origins.
func (c *client) allowsLogoutReturn(returnTo string) bool {
	origin := strings.TrimSuffix(returnTo, "/")
	if c.allowsRedirect(returnTo) || c.allowsOrigin(origin) {
		return true
	}
	if originOf(origin) != origin {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.loopbackMatchLocked(origin, originOf)
}

// originOf returns scheme://host[:port] of an absolute URL, or "".
func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// user is a dev user who can log in.
type user struct {
	username     string
	sub          string
	passwordHash [sha256.Size]byte
	permissions  []string
}

func hashSecret(s string) [sha256.Size]byte { return sha256.Sum256([]byte(s)) }

// equalHash compares two hashes in constant time, so neither the secret nor
// its length leaks through timing.
func equalHash(got, want [sha256.Size]byte) bool {
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// authenticate finds the m2m client among the candidate ids whose secret
// matches one of the candidate secrets.
func (t *Tenant) authenticate(ids, secrets []string) (*client, bool) {
	for _, id := range ids {
		// An unknown id still costs the same hashing and comparing.
		c, known := t.clients[id]
		var want [sha256.Size]byte
		if known {
			want = c.secretHash
		}
		for _, s := range secrets {
			if equalHash(hashSecret(s), want) && known && c.typ == TypeM2M {
				return c, true
			}
		}
	}
	return nil, false
}

// login checks a user's password; an unknown user costs the same.
func (t *Tenant) login(username, password string) (user, bool) {
	u, known := t.users[username]
	ok := equalHash(hashSecret(password), u.passwordHash)
	return u, ok && known
}

// originAllowed reports whether a browser origin belongs to an spa client.
func (t *Tenant) originAllowed(origin string) bool {
	for _, c := range t.clients {
		if c.typ == TypeSPA && c.allowsOrigin(origin) {
			return true
		}
	}
	return false
}
