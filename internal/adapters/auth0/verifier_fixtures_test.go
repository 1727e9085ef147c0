package auth0_test

// Fixtures of the verifier's tests. Every token is built by hand (base64url
// JSON, crypto/rsa PKCS #1 v1.5 SHA-256) so that malformed, hostile and
// borderline inputs can be expressed exactly. Top-level names carry a "vt"
// prefix: other test files share this directory.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

const (
	vtDomain    = "vt-tenant.eu.auth0.com"
	vtIssuer    = "https://vt-tenant.eu.auth0.com/"
	vtAudience  = "https://api.vt.example/"
	vtAudience2 = "urn:vt:second-api"
	vtKid       = "vt-key-1"
	vtSubject   = "vt-client@clients"
	vtScope     = "read:messages write:messages"

	vtTraversalKid = "../../etc/passwd"
	vtSQLKid       = "' OR 1=1 --"
	vtAttackerKid  = "vt-attacker-key"
)

// vtKeySet holds the keys of the test binary: RSA-2048 keys are slow to
// generate, more so under -race, so they are made once.
type vtKeySet struct {
	main     *rsa.PrivateKey // the tenant's key, published under vtKid
	other    *rsa.PrivateKey // a second tenant-looking key nobody publishes
	attacker *rsa.PrivateKey // the attacker's own key
	ec       *ecdsa.PrivateKey
}

var vtKeys = sync.OnceValue(func() vtKeySet {
	gen := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return vtKeySet{main: gen(), other: gen(), attacker: gen(), ec: ec}
})

// ---- token building -------------------------------------------------------

func vtB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func vtJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// vtObj is a JOSE header or a claims set; the value vtDel removes a member.
type vtObj map[string]any

type vtDelete struct{}

var vtDel = vtDelete{}

func vtMerge(base, over vtObj) vtObj {
	out := vtObj{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if _, del := v.(vtDelete); del {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// vtHeader is an Auth0-shaped header with overrides.
func vtHeader(over vtObj) string {
	return vtJSON(vtMerge(vtObj{"alg": "RS256", "typ": "JWT", "kid": vtKid}, over))
}

// vtClaimsFor is an Auth0-shaped M2M claims set for issuer, with overrides.
func vtClaimsFor(issuer string, over vtObj) string {
	now := time.Now().Unix()
	return vtJSON(vtMerge(vtObj{
		"iss":   issuer,
		"sub":   vtSubject,
		"aud":   vtAudience,
		"iat":   now - 10,
		"exp":   now + 3600,
		"scope": vtScope,
		"azp":   "vt-client",
		"gty":   "client-credentials",
	}, over))
}

func vtClaims(over vtObj) string { return vtClaimsFor(vtIssuer, over) }

// vtRS256 signs input as RS256 does.
func vtRS256(key *rsa.PrivateKey) func(string) []byte {
	return func(input string) []byte {
		h := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func vtRS384(key *rsa.PrivateKey) func(string) []byte {
	return func(input string) []byte {
		h := sha512.Sum384([]byte(input))
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA384, h[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func vtPS256(key *rsa.PrivateKey) func(string) []byte {
	return func(input string) []byte {
		h := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			panic(err)
		}
		return sig
	}
}

// vtES256 signs as JWS ES256 does: r || s, 32 bytes each.
func vtES256(key *ecdsa.PrivateKey) func(string) []byte {
	return func(input string) []byte {
		h := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
		if err != nil {
			panic(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
}

func vtHS256(secret []byte) func(string) []byte {
	return func(input string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return m.Sum(nil)
	}
}

// vtSign builds a compact JWS of the exact header and payload bytes given.
func vtSign(sign func(string) []byte, headerJSON, payloadJSON string) string {
	input := vtB64([]byte(headerJSON)) + "." + vtB64([]byte(payloadJSON))
	return input + "." + vtB64(sign(input))
}

// vtSignSegments signs already encoded segments (for non-canonical base64).
func vtSignSegments(sign func(string) []byte, h, p string) string {
	input := h + "." + p
	return input + "." + vtB64(sign(input))
}

// vtToken is a token signed by the tenant's key.
func vtToken(header, claims vtObj) string {
	return vtSign(vtRS256(vtKeys().main), vtHeader(header), vtClaims(claims))
}

// vtNonCanonical sets an unused trailing bit of a base64url segment whose
// length is not a multiple of 4: a lenient decoder yields the same bytes.
func vtNonCanonical(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(seg)%4 == 0 {
		panic("segment has no unused bits")
	}
	i := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[i|1])
}

// vtPadTo3 pads JSON with trailing spaces until its length is 1 mod 3, so
// that its base64url encoding ends in a character with four unused bits.
func vtPadTo3(s string) string {
	for len(s)%3 != 1 {
		s += " "
	}
	return s
}

func vtSegments(tok string) []string { return strings.Split(tok, ".") }

// vtPublicPEM returns the public key as PKIX PEM, PKCS #1 PEM and PKIX DER:
// the "secrets" of the classic RS256→HS256 key-confusion attack.
func vtPublicPEM(pub *rsa.PublicKey) (pkixPEM, pkcs1PEM, der []byte) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	pkixPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pkcs1PEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)})
	return pkixPEM, pkcs1PEM, der
}

// vtJWK is pub as a JWKS entry.
func vtJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": vtB64(pub.N.Bytes()), "e": vtB64(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// vtSelfSigned is a certificate for the attacker's key, base64 DER as x5c wants.
func vtSelfSigned(key *rsa.PrivateKey) string {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "vt-tenant.eu.auth0.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// ---- fakes and listeners --------------------------------------------------

// vtStaticKeys is a KeyFinder pinned to a kid → key map. It answers an
// unknown kid the way *auth0.KeySource does with a key set held, and err
// (when set) the way it does when no key set can be had.
type vtStaticKeys struct {
	mu    sync.Mutex
	keys  map[string]*rsa.PublicKey
	err   error
	calls atomic.Int64
}

func (s *vtStaticKeys) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	return nil, ports.Invalid(ports.ReasonUnknownKey, "no key matches the token's kid")
}

func (s *vtStaticKeys) set(kid string, key *rsa.PublicKey, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[string]*rsa.PublicKey{}
	}
	if key == nil {
		delete(s.keys, kid)
	} else {
		s.keys[kid] = key
	}
	s.err = err
}

// vtListener counts every request it receives; the verifier must never
// contact a URL taken from a token (jku, x5u).
type vtListener struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func vtNewListener(t *testing.T) *vtListener {
	t.Helper()
	l := &vtListener{}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		l.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, vtJSON(map[string]any{"keys": []any{vtJWK(vtAttackerKid, &vtKeys().attacker.PublicKey)}}))
	}))
	t.Cleanup(l.srv.Close)
	return l
}

// ---- assertions -----------------------------------------------------------

// vtDescriptionOK reports whether s uses only RFC 6750 error_description
// characters: %x20-21 / %x23-5B / %x5D-7E.
func vtDescriptionOK(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// vtAttackerStrings returns the token, its segments and every string value
// of its (leniently decoded) header and payload that is long enough not to
// occur in a fixed English description by chance.
func vtAttackerStrings(tok string) []string {
	const minLen = 8
	var out []string
	add := func(s string) {
		if len(s) >= minLen {
			out = append(out, s)
		}
	}
	add(tok)
	segs := strings.Split(tok, ".")
	if len(segs) > 1 {
		for _, s := range segs {
			add(s)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			add(v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, s := range segs[:min(2, len(segs))] {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			continue
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			walk(v)
		}
	}
	return out
}

// vtCheckDescription asserts the RFC 6750 alphabet and that no attacker
// input leaks: neither the token nor any value in it, nor any 4-byte window
// of the explicitly named attacker strings (kids, URLs).
func vtCheckDescription(t *testing.T, desc, tok string, leaks []string) {
	t.Helper()
	if desc == "" {
		t.Errorf("got an empty description, want a short explanation")
	}
	if !vtDescriptionOK(desc) {
		t.Errorf("got description %q, want only RFC 6750 error_description characters", desc)
	}
	for _, s := range vtAttackerStrings(tok) {
		if strings.Contains(desc, s) {
			t.Errorf("got description %q, which contains attacker input %q", desc, s)
		}
	}
	for _, s := range leaks {
		for i := 0; i+4 <= len(s); i++ {
			if w := s[i : i+4]; strings.Contains(desc, w) {
				t.Errorf("got description %q, which contains %q from attacker string %q", desc, w, s)
				break
			}
		}
	}
}

// vtPrecheckReasons are decided before any key lookup.
var vtPrecheckReasons = []ports.Reason{
	ports.ReasonMalformed, ports.ReasonTooLarge, ports.ReasonUnsupportedAlgorithm,
	ports.ReasonUnsupportedType, ports.ReasonUnsupportedHeader, ports.ReasonMissingKeyID,
	ports.ReasonMissingClaim, ports.ReasonInvalidClaim,
}

type vtCase struct {
	name   string
	cfg    func(*vtConfig)
	token  string
	want   *domain.Claims // success with exactly these claims when non-nil
	reason ports.Reason   // the refusal reason when want is nil
	leaks  []string       // attacker strings that must not appear in the description
}

// vtConfig is the tenant's settings, for auth0.NewTenant, and the
// verifier's Config.
type vtConfig struct {
	Domain                string
	Leeway                time.Duration
	AllowInsecureLoopback bool
	auth0.Config
}

func vtBaseConfig() vtConfig {
	return vtConfig{Domain: vtDomain, Config: auth0.Config{Audiences: []string{vtAudience}}}
}

// vtNew checks the tenant as config does, then builds the verifier.
func vtNew(cfg vtConfig, keys auth0.KeyFinder) (*auth0.Verifier, error) {
	tenant, err := auth0.NewTenant(cfg.Domain, cfg.AllowInsecureLoopback, cfg.Leeway)
	if err != nil {
		return nil, err
	}
	return auth0.New(tenant, cfg.Config, keys)
}

func vtRun(t *testing.T, cfg vtConfig, keys auth0.KeyFinder, tc vtCase) {
	t.Helper()
	if tc.cfg != nil {
		tc.cfg(&cfg)
	}
	v, err := vtNew(cfg, keys)
	if err != nil {
		t.Fatalf("New: got error %v, want none", err)
	}
	static, _ := keys.(*vtStaticKeys)
	var before int64
	if static != nil {
		before = static.calls.Load()
	}
	got, err := v.Verify(t.Context(), tc.token)
	if tc.want != nil {
		if err != nil {
			t.Fatalf("got error %v, want claims %+v", err, *tc.want)
		}
		if !reflect.DeepEqual(got, *tc.want) {
			t.Fatalf("got claims %#v, want %#v", got, *tc.want)
		}
		return
	}
	if err == nil {
		t.Fatalf("got claims %+v and no error, want reason %s", got, tc.reason)
	}
	if !reflect.DeepEqual(got, domain.Claims{}) {
		t.Errorf("got claims %+v with an error, want zero claims", got)
	}
	var invalid *ports.InvalidTokenError
	if !errors.As(err, &invalid) {
		t.Fatalf("got error %v (%T), want *ports.InvalidTokenError with reason %s", err, err, tc.reason)
	}
	if invalid.Reason != tc.reason {
		t.Errorf("got reason %s (%q), want %s", invalid.Reason, invalid.Description, tc.reason)
	}
	vtCheckDescription(t, invalid.Description, tc.token, tc.leaks)
	if strings.Contains(err.Error(), tc.token) && len(tc.token) >= 8 {
		t.Errorf("got error text %q, which contains the token", err.Error())
	}
	if static != nil && slices.Contains(vtPrecheckReasons, tc.reason) {
		if n := static.calls.Load() - before; n != 0 {
			t.Errorf("got %d key lookups, want none: the pre-parse checks must refuse %s before any lookup", n, tc.reason)
		}
	}
}

func vtClaimsWant(scopes ...string) *domain.Claims {
	c := &domain.Claims{Subject: vtSubject}
	if len(scopes) > 0 {
		c.Scopes = scopes
	}
	return c
}

// ---- the verified-token cache ----------------------------------------------

// vtVerify runs Verify and returns the reason ("" for success).
func vtVerify(t *testing.T, v *auth0.Verifier, tok string) (domain.Claims, ports.Reason, error) {
	t.Helper()
	c, err := v.Verify(t.Context(), tok)
	if err == nil {
		return c, "", nil
	}
	var invalid *ports.InvalidTokenError
	if errors.As(err, &invalid) {
		return c, invalid.Reason, err
	}
	return c, "", err
}

// vtCachingVerifier is a verifier of the base config with keys from finder
// and the given cache size.
func vtCachingVerifier(t *testing.T, finder *vtStaticKeys, cacheSize int) *auth0.Verifier {
	t.Helper()
	cfg := vtBaseConfig()
	cfg.CacheSize = cacheSize
	v, err := vtNew(cfg, finder)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// vtClockVerifier is a verifier for a synctest bubble, with key under vtKid
// and the given cache size. It is built outside the bubble: the cache's
// own goroutines live as long as the verifier.
func vtClockVerifier(t *testing.T, key *rsa.PublicKey, cacheSize int) *auth0.Verifier {
	t.Helper()
	finder := &vtStaticKeys{}
	finder.set(vtKid, key, nil)
	return vtCachingVerifier(t, finder, cacheSize)
}
