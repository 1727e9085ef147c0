package devtenant

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"sync"
	"time"
)

// codeTTL is how long an authorization code may be redeemed (RFC 6749
// section 4.1.2 recommends at most 10 minutes; Auth0 uses 60 seconds).
const codeTTL = 60 * time.Second

// maxPending caps each store so a loop against the dev tenant cannot eat
// memory; the oldest entries go first.
const maxPending = 10_000

// authCode is what a code stands for, bound to the client, the redirect URI
// and the PKCE challenge it was issued with.
type authCode struct {
	clientID    string
	redirectURI string
	challenge   string // BASE64URL(SHA256(code_verifier)), RFC 7636 section 4.2
	grant
	expires time.Time

	spent bool    // presented once: kept to catch a reuse
	fam   *family // the refresh tokens its redemption issued; nil when it was refused
}

// family is the refresh tokens of one code redemption: the first one and
// every one rotated from it. Its tokens and the spent code point at it, so
// a revoked family goes from memory with the last of them.
type family struct{ revoked bool } // guarded by grants.mu

// grant is what a user granted a client: it survives refreshes.
type grant struct {
	user     user
	api      bool     // the request named the API's audience: its access tokens are for it
	scope    []string // requested ∩ granted, in the order requested
	nonce    string
	authTime time.Time
}

// refreshToken is one token of a rotation family.
type refreshToken struct {
	clientID string
	family   *family
	spent    bool
	grant
}

// session is a login at the tenant (a cookie), reused by /authorize for
// single sign-on and prompt=none.
type session struct {
	user     user
	authTime time.Time
}

// grants holds the tenant's short-lived state in memory: codes, refresh
// tokens and login sessions, keyed by the SHA-256 of their values so a
// heap dump shows no usable token.
type grants struct {
	mu       sync.Mutex
	codes    map[[32]byte]*authCode
	refresh  map[[32]byte]*refreshToken
	sessions map[[32]byte]session
	order    [][32]byte // insertion order, for the cap
}

func newGrants() *grants {
	return &grants{
		codes:    map[[32]byte]*authCode{},
		refresh:  map[[32]byte]*refreshToken{},
		sessions: map[[32]byte]session{},
	}
}

// randomToken returns 32 random bytes, base64url: an unguessable code,
// refresh token or session id.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func keyOf(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// remember records k and evicts the oldest entries past the cap.
func (g *grants) remember(k [32]byte) {
	g.order = append(g.order, k)
	for len(g.order) > 3*maxPending {
		old := g.order[0]
		g.order = g.order[1:]
		delete(g.codes, old)
		delete(g.refresh, old)
		delete(g.sessions, old)
	}
}

// put stores v under a new random token in m and returns the token.
func put[V any](g *grants, m map[[32]byte]V, v V) string {
	tok := randomToken()
	g.mu.Lock()
	defer g.mu.Unlock()
	k := keyOf(tok)
	m[k] = v
	g.remember(k)
	return tok
}

// issueCode stores c under a new code and returns the code.
func (g *grants) issueCode(c authCode) string { return put(g, g.codes, &c) }

// codeOutcome says whether a code may be redeemed.
type codeOutcome int

const (
	codeOK codeOutcome = iota
	codeUnknown
	codeRefused // check refused it: spent, nothing issued
	codeRetried // presented before, and that redemption was refused: nothing to revoke
	codeReused  // redeemed before: the refresh tokens it issued are now revoked
)

// takeCode spends the code and, when valid passes it, returns its grant
// and the family its refresh tokens belong to. A code is single-use, even
// when its first redemption was refused, so a verifier cannot be guessed
// at; presenting a redeemed code again revokes that family (RFC 6749
// section 4.1.2: the code was stolen, so what it issued is revoked). valid
// runs under the lock: of two redemptions at once, one is the first.
func (g *grants) takeCode(code string, valid func(*authCode) bool) (authCode, *family, codeOutcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.codes[keyOf(code)]
	switch {
	case !ok:
		return authCode{}, nil, codeUnknown
	case c.spent && c.fam == nil:
		return *c, nil, codeRetried
	case c.spent:
		c.fam.revoked = true
		return *c, nil, codeReused // for the log: whose tokens were revoked
	}
	c.spent = true
	if !valid(c) {
		return *c, nil, codeRefused
	}
	c.fam = &family{}
	return *c, c.fam, codeOK
}

// issueRefresh stores a new refresh token of fam (nil starts a family).
func (g *grants) issueRefresh(clientID string, fam *family, gr grant) string {
	if fam == nil {
		fam = &family{}
	}
	return put(g, g.refresh, &refreshToken{clientID: clientID, family: fam, grant: gr})
}

// refreshOutcome says why a refresh token was refused.
type refreshOutcome int

const (
	refreshOK refreshOutcome = iota
	refreshUnknown
	refreshRevoked
	refreshReused     // a spent token came back: its family is now revoked
	refreshWrongOwner // issued to another client
	refreshNoScope    // none of the requested scopes was granted: not spent
)

// spendRefresh marks tok spent and returns its record. Reusing a spent
// token revokes its whole family, as Auth0's refresh token rotation does,
// since one of the two users of that token is an attacker. A request
// whose scopes (when any) are all outside the grant leaves tok unspent, so
// the client can retry with a valid scope.
func (g *grants) spendRefresh(tok, clientID string, requested []string) (refreshToken, refreshOutcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rt, ok := g.refresh[keyOf(tok)]
	switch {
	case !ok:
		return refreshToken{}, refreshUnknown
	case rt.clientID != clientID:
		return refreshToken{}, refreshWrongOwner
	case rt.family.revoked:
		return refreshToken{}, refreshRevoked
	case rt.spent:
		rt.family.revoked = true
		return *rt, refreshReused // for the log: whose family was revoked
	case len(requested) > 0 && !slices.ContainsFunc(requested, func(s string) bool { return slices.Contains(rt.scope, s) }):
		return refreshToken{}, refreshNoScope
	}
	rt.spent = true
	return *rt, refreshOK
}

// startSession stores a login session and returns its id.
func (g *grants) startSession(s session) string { return put(g, g.sessions, s) }

func (g *grants) session(id string) (session, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.sessions[keyOf(id)]
	return s, ok
}

func (g *grants) endSession(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.sessions, keyOf(id))
}
