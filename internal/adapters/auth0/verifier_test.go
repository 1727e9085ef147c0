package auth0_test

// Attack-driven tests for the production token verifier. Every token is built
// by hand (base64url JSON, crypto/rsa PKCS #1 v1.5 SHA-256) so that malformed,
// hostile and borderline inputs can be expressed exactly. Top-level names
// carry a "vt" prefix: other test files share this directory.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
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
	"testing/synctest"
	"time"

	"go.uber.org/zap"

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

// ---- the attack table -----------------------------------------------------

func vtClaimsWant(scopes ...string) *domain.Claims {
	c := &domain.Claims{Subject: vtSubject}
	if len(scopes) > 0 {
		c.Scopes = scopes
	}
	return c
}

func TestVerifierAttacks(t *testing.T) {
	keys := vtKeys()
	static := &vtStaticKeys{keys: map[string]*rsa.PublicKey{
		vtKid:                    &keys.main.PublicKey,
		strings.Repeat("k", 256): &keys.main.PublicKey,
	}}
	jku := vtNewListener(t)

	now := time.Now().Unix()
	mainRS := vtRS256(keys.main)
	valid := vtToken(nil, nil)
	validSegs := vtSegments(valid)

	pkixPEM, pkcs1PEM, der := vtPublicPEM(&keys.main.PublicKey)
	hs256 := func(secret []byte) string {
		return vtSign(vtHS256(secret), vtHeader(vtObj{"alg": "HS256"}), vtClaims(nil))
	}
	algNone := func(alg, sig string) string {
		return vtB64([]byte(vtHeader(vtObj{"alg": alg}))) + "." + vtB64([]byte(vtClaims(nil))) + "." + sig
	}
	attackerJWK := vtJWK(vtAttackerKid, &keys.attacker.PublicKey)
	attackerSigned := func(header vtObj) string {
		return vtSign(vtRS256(keys.attacker), vtHeader(header), vtClaims(nil))
	}
	raw := func(headerJSON, payloadJSON string) string { return vtSign(mainRS, headerJSON, payloadJSON) }
	defaultHeader := vtHeader(nil)

	// Exactly at and one byte over the size cap, with a padded valid token.
	padded := vtToken(nil, vtObj{"pad": strings.Repeat("x", 1200)})
	maxAt := func(n int) func(*vtConfig) { return func(c *vtConfig) { c.MaxTokenBytes = n } }

	// Non-canonical base64url in each segment, correctly signed where it
	// matters: a lenient decoder would accept these.
	ncHeader := vtNonCanonical(vtB64([]byte(vtPadTo3(defaultHeader))))
	ncPayload := vtNonCanonical(vtB64([]byte(vtPadTo3(vtClaims(nil)))))
	claims0 := vtClaims(nil)
	headerSeg := vtB64([]byte(defaultHeader))
	payloadSeg := vtB64([]byte(claims0))

	tampered := validSegs[0] + "." + vtB64([]byte(vtClaims(vtObj{"scope": "read:messages admin"}))) + "." + validSegs[2]

	jwsGeneral := fmt.Sprintf(`{"payload":%q,"signatures":[{"protected":%q,"signature":%q}]}`, validSegs[1], validSegs[0], validSegs[2])
	jwsFlattened := fmt.Sprintf(`{"payload":%q,"protected":%q,"signature":%q}`, validSegs[1], validSegs[0], validSegs[2])
	jweHeader := vtB64([]byte(vtJSON(vtObj{"alg": "RSA-OAEP", "enc": "A256GCM", "kid": vtKid})))
	jwe := jweHeader + "." + vtB64(make([]byte, 256)) + "." + vtB64(make([]byte, 12)) + "." + vtB64([]byte("ciphertext")) + "." + vtB64(make([]byte, 16))

	// Standard base64 with padding ("==" on the header) for every segment.
	stdHeader := base64.StdEncoding.EncodeToString([]byte(vtPadTo3(defaultHeader)))
	stdPayload := base64.StdEncoding.EncodeToString([]byte(claims0))
	stdToken := stdHeader + "." + stdPayload + "." + base64.StdEncoding.EncodeToString(mainRS(stdHeader+"."+stdPayload))

	// RFC 7797 framing: the signing input is BASE64URL(header) "." payload.
	b64FalseHeader := vtB64([]byte(vtHeader(vtObj{"b64": false})))
	b64False := b64FalseHeader + "." + payloadSeg + "." + vtB64(mainRS(b64FalseHeader+"."+claims0))

	withRequireAt := func(c *vtConfig) { c.RequireAtJWT = true }
	withPermissions := func(c *vtConfig) { c.Permissions = true }
	withAudiences := func(auds ...string) func(*vtConfig) {
		return func(c *vtConfig) { c.Audiences = auds }
	}
	bigLimit := maxAt(1 << 20)

	tests := []vtCase{
		// The happy paths, asserted exactly.
		{name: "valid token", token: valid, want: vtClaimsWant("read:messages", "write:messages")},
		{name: "scope with repeated and edge spaces splits on single spaces", token: vtToken(nil, vtObj{"scope": "  read:messages   write:messages "}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "scope tab is not a separator", token: vtToken(nil, vtObj{"scope": "read:messages\twrite:messages"}), want: vtClaimsWant("read:messages\twrite:messages")},
		{name: "no scope claim gives no scopes", token: vtToken(nil, vtObj{"scope": vtDel}), want: vtClaimsWant()},
		{name: "empty scope gives no scopes", token: vtToken(nil, vtObj{"scope": ""}), want: vtClaimsWant()},
		{name: "permissions ignored without Config.Permissions", token: vtToken(nil, vtObj{"permissions": []string{"delete:messages"}}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "permissions added with Config.Permissions", cfg: withPermissions, token: vtToken(nil, vtObj{"scope": "openid", "permissions": []string{"read:messages", "delete:messages"}}), want: vtClaimsWant("openid", "read:messages", "delete:messages")},
		{name: "permissions only with Config.Permissions", cfg: withPermissions, token: vtToken(nil, vtObj{"scope": vtDel, "permissions": []string{"read:messages"}}), want: vtClaimsWant("read:messages")},
		{name: "permissions of the wrong type", token: vtToken(nil, vtObj{"permissions": "read:messages"}), reason: ports.ReasonInvalidClaim},
		{name: "scope of the wrong type (array)", token: vtToken(nil, vtObj{"scope": []string{"read:messages"}}), reason: ports.ReasonInvalidClaim},
		{name: "unknown claims are ignored", token: vtToken(nil, vtObj{"https://vt.example/roles": []string{"admin"}}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "alg written with a JSON escape is still RS256", token: raw(`{"alg":"\u0052S256","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},

		// Audience.
		{name: "aud as a string", token: vtToken(nil, vtObj{"aud": vtAudience}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "aud as an array with ours last", token: vtToken(nil, vtObj{"aud": []string{"https://vt-tenant.eu.auth0.com/userinfo", vtAudience}}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "any of several configured audiences", cfg: withAudiences(vtAudience, vtAudience2), token: vtToken(nil, vtObj{"aud": vtAudience2}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "token for another API", token: vtToken(nil, vtObj{"aud": "https://api.other.example/"}), reason: ports.ReasonWrongAudience},
		{name: "aud differs only in case", token: vtToken(nil, vtObj{"aud": strings.ToUpper(vtAudience)}), reason: ports.ReasonWrongAudience},
		{name: "aud without the trailing slash", token: vtToken(nil, vtObj{"aud": strings.TrimSuffix(vtAudience, "/")}), reason: ports.ReasonWrongAudience},
		{name: "aud missing", token: vtToken(nil, vtObj{"aud": vtDel}), reason: ports.ReasonWrongAudience},
		{name: "aud empty array", token: vtToken(nil, vtObj{"aud": []string{}}), reason: ports.ReasonWrongAudience},
		{name: "aud as a number", token: vtToken(nil, vtObj{"aud": 1}), reason: ports.ReasonInvalidClaim},
		{name: "aud array with a number", token: vtToken(nil, vtObj{"aud": []any{vtAudience, 1}}), reason: ports.ReasonInvalidClaim},

		// alg none, every case, with and without a signature.
		{name: "alg none with empty signature", token: algNone("none", ""), reason: ports.ReasonMalformed},
		{name: "alg NONE with empty signature", token: algNone("NONE", ""), reason: ports.ReasonMalformed},
		{name: "alg None with empty signature", token: algNone("None", ""), reason: ports.ReasonMalformed},
		{name: "alg nOnE with empty signature", token: algNone("nOnE", ""), reason: ports.ReasonMalformed},
		{name: "alg none with a signature", token: algNone("none", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg NONE with a signature", token: algNone("NONE", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg None with a signature", token: algNone("None", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg nOnE with a signature", token: algNone("nOnE", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg missing", token: raw(vtHeader(vtObj{"alg": vtDel}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg empty", token: raw(vtHeader(vtObj{"alg": ""}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg lower-case rs256", token: raw(vtHeader(vtObj{"alg": "rs256"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg RS256 with a trailing NUL", token: raw(vtHeader(vtObj{"alg": "RS256\x00"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg as an array", token: raw(vtHeader(vtObj{"alg": []string{"RS256"}}), vtClaims(nil)), reason: ports.ReasonMalformed},

		// Key confusion and other algorithms.
		{name: "HS256 keyed with the public key as PKIX PEM", token: hs256(pkixPEM), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "HS256 keyed with the public key as PKCS1 PEM", token: hs256(pkcs1PEM), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "HS256 keyed with the public key as DER", token: hs256(der), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "HMAC signature under alg RS256", token: vtSign(vtHS256(pkixPEM), defaultHeader, vtClaims(nil)), reason: ports.ReasonBadSignature},
		{name: "RS384 with the tenant key", token: vtSign(vtRS384(keys.main), vtHeader(vtObj{"alg": "RS384"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "PS256 with the tenant key", token: vtSign(vtPS256(keys.main), vtHeader(vtObj{"alg": "PS256"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "ES256 with an EC key", token: vtSign(vtES256(keys.ec), vtHeader(vtObj{"alg": "ES256"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "PSS signature under alg RS256", token: vtSign(vtPS256(keys.main), defaultHeader, vtClaims(nil)), reason: ports.ReasonBadSignature},

		// Signatures.
		{name: "foreign key under the known kid", token: vtSign(vtRS256(keys.other), defaultHeader, vtClaims(nil)), reason: ports.ReasonBadSignature},
		{name: "tampered payload (scope escalation)", token: tampered, reason: ports.ReasonBadSignature},
		{name: "tampered header (typ changed)", token: vtB64([]byte(vtHeader(vtObj{"typ": "at+jwt"}))) + "." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonBadSignature},
		{name: "signature truncated by one byte", token: validSegs[0] + "." + validSegs[1] + "." + vtB64(vtMust(base64.RawURLEncoding.DecodeString(validSegs[2]))[:255]), reason: ports.ReasonBadSignature},
		{name: "signature of another token", token: validSegs[0] + "." + validSegs[1] + "." + vtSegments(vtToken(nil, vtObj{"sub": "x"}))[2], reason: ports.ReasonBadSignature},

		// kid.
		{name: "kid missing", token: raw(vtHeader(vtObj{"kid": vtDel}), vtClaims(nil)), reason: ports.ReasonMissingKeyID},
		{name: "kid empty", token: raw(vtHeader(vtObj{"kid": ""}), vtClaims(nil)), reason: ports.ReasonMissingKeyID},
		{name: "kid null", token: raw(vtHeader(vtObj{"kid": nil}), vtClaims(nil)), reason: ports.ReasonMissingKeyID},
		{name: "kid of 257 bytes", token: raw(vtHeader(vtObj{"kid": strings.Repeat("k", 257)}), vtClaims(nil)), reason: ports.ReasonMissingKeyID, leaks: []string{strings.Repeat("k", 257)}},
		{name: "kid of 256 bytes is accepted", token: raw(vtHeader(vtObj{"kid": strings.Repeat("k", 256)}), vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "kid as a number", token: raw(vtHeader(vtObj{"kid": 1}), vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "kid as an object", token: raw(vtHeader(vtObj{"kid": vtObj{"$ne": ""}}), vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "kid path traversal", token: raw(vtHeader(vtObj{"kid": vtTraversalKid}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{vtTraversalKid}},
		{name: "kid SQL injection", token: raw(vtHeader(vtObj{"kid": vtSQLKid}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{vtSQLKid}},
		{name: "kid with NUL and newline", token: raw(vtHeader(vtObj{"kid": "vt-key-1\x00\n"}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{"vt-key-1\x00\n"}},
		{name: "kid differs in case", token: raw(vtHeader(vtObj{"kid": "VT-KEY-1"}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{"VT-KEY-1"}},

		// Keys offered by the token itself.
		{name: "embedded jwk, attacker kid, attacker signature", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jwk": attackerJWK}), reason: ports.ReasonUnknownKey, leaks: []string{vtAttackerKid}},
		{name: "embedded jwk, tenant kid, attacker signature", token: attackerSigned(vtObj{"jwk": attackerJWK}), reason: ports.ReasonBadSignature},
		{name: "embedded jwk without kid", token: attackerSigned(vtObj{"kid": vtDel, "jwk": attackerJWK}), reason: ports.ReasonMissingKeyID},
		{name: "jku to attacker JWKS, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "jku to attacker JWKS, tenant kid", token: attackerSigned(vtObj{"jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, tenant kid", token: attackerSigned(vtObj{"x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "x5c with attacker certificate, tenant kid", token: attackerSigned(vtObj{"x5c": []string{vtSelfSigned(keys.attacker)}}), reason: ports.ReasonBadSignature},

		// Headers we refuse.
		{name: "crit with b64", token: raw(vtHeader(vtObj{"crit": []string{"b64"}, "b64": false}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "crit with an unknown extension", token: raw(vtHeader(vtObj{"crit": []string{"vt-ext"}, "vt-ext": 1}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "crit empty array", token: raw(vtHeader(vtObj{"crit": []string{}}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "crit null", token: raw(vtHeader(vtObj{"crit": nil}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		// go-jose honours b64: false without crit, so the gate refuses b64 outright.
		{name: "b64 false without crit", token: raw(vtHeader(vtObj{"b64": false}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "b64 false without crit, signed over the unencoded payload (RFC 7797 framing)", token: b64False, reason: ports.ReasonUnsupportedHeader},
		{name: "b64 true without crit", token: raw(vtHeader(vtObj{"b64": true}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "zip on a JWS is ignored, not decompressed", token: raw(vtHeader(vtObj{"zip": "DEF"}), vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},

		// Duplicate member names (encoding/json keeps the last one).
		{name: "duplicate alg, none last", token: raw(`{"alg":"RS256","alg":"none","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "duplicate alg, RS256 last", token: raw(`{"alg":"HS256","alg":"RS256","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "duplicate kid", token: raw(`{"alg":"RS256","kid":"vt-key-1","kid":"../../etc/passwd","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed, leaks: []string{vtTraversalKid}},
		{name: "duplicate aud", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"aud":`, `"aud":"https://api.other.example/","aud":`, 1)), reason: ports.ReasonMalformed},
		{name: "duplicate exp", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"exp":`, fmt.Sprintf(`"exp":%d,"exp":`, now-86400), 1)), reason: ports.ReasonMalformed},
		{name: "duplicate exp via escaped name", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"exp":`, fmt.Sprintf(`"exp":%d,"\u0065xp":`, now-86400), 1)), reason: ports.ReasonMalformed},
		{name: "case-variant alg is a different member", token: raw(`{"alg":"RS256","ALG":"none","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "case-variant EXP does not supply exp", token: raw(defaultHeader, vtClaims(vtObj{"exp": vtDel, "EXP": now + 3600})), reason: ports.ReasonMissingClaim},

		// Serializations and shapes.
		{name: "empty token", token: "", reason: ports.ReasonMalformed},
		{name: "JWS JSON general serialization", token: jwsGeneral, reason: ports.ReasonMalformed},
		{name: "JWS JSON flattened serialization", token: jwsFlattened, reason: ports.ReasonMalformed},
		{name: "JWS JSON with leading space", token: " " + jwsFlattened, reason: ports.ReasonMalformed},
		{name: "five segments (JWE shape)", token: jwe, reason: ports.ReasonMalformed},
		{name: "five segments with an RS256 header", token: valid + ".AAAA.AAAA", reason: ports.ReasonMalformed},
		{name: "two segments (unsigned)", token: validSegs[0] + "." + validSegs[1], reason: ports.ReasonMalformed},
		{name: "one segment", token: validSegs[0], reason: ports.ReasonMalformed},
		{name: "empty header segment", token: "." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonMalformed},
		{name: "empty payload segment (detached)", token: validSegs[0] + ".." + validSegs[2], reason: ports.ReasonMalformed},
		{name: "dots only", token: "..", reason: ports.ReasonMalformed},
		{name: "200000 dots with a large cap", cfg: bigLimit, token: strings.Repeat(".", 200000), reason: ports.ReasonMalformed},
		{name: "200000 dots under the default cap", token: strings.Repeat(".", 200000), reason: ports.ReasonTooLarge},
		{name: "valid token followed by 200000 dots", cfg: bigLimit, token: valid + strings.Repeat(".", 200000), reason: ports.ReasonMalformed},
		{name: "token exactly at MaxTokenBytes", cfg: maxAt(len(padded)), token: padded, want: vtClaimsWant("read:messages", "write:messages")},
		{name: "token one byte over MaxTokenBytes", cfg: maxAt(len(padded) - 1), token: padded, reason: ports.ReasonTooLarge},
		{name: "token over the default cap", token: vtToken(nil, vtObj{"pad": strings.Repeat("x", auth0.DefaultMaxTokenBytes)}), reason: ports.ReasonTooLarge},
		{name: "Bearer prefix left on the token", token: "Bearer " + valid, reason: ports.ReasonMalformed},
		{name: "trailing newline", token: valid + "\n", reason: ports.ReasonMalformed},
		{name: "leading space", token: " " + valid, reason: ports.ReasonMalformed},

		// base64url strictness.
		{name: "padding on the header", token: validSegs[0] + "=." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonMalformed},
		{name: "padding on the signature", token: valid + "==", reason: ports.ReasonMalformed},
		{name: "standard base64 plus", token: validSegs[0] + "." + validSegs[1] + "." + "+" + validSegs[2][1:], reason: ports.ReasonMalformed},
		{name: "standard base64 slash", token: validSegs[0] + "." + validSegs[1] + "." + "/" + validSegs[2][1:], reason: ports.ReasonMalformed},
		{name: "standard base64 encoding of every segment", token: stdToken, reason: ports.ReasonMalformed},
		{name: "non-canonical header base64 (trailing bits), signed", token: vtSignSegments(mainRS, ncHeader, payloadSeg), reason: ports.ReasonMalformed},
		{name: "non-canonical payload base64 (trailing bits), signed", token: vtSignSegments(mainRS, headerSeg, ncPayload), reason: ports.ReasonMalformed},
		{name: "non-canonical signature base64 (trailing bits)", token: validSegs[0] + "." + validSegs[1] + "." + vtNonCanonical(validSegs[2]), reason: ports.ReasonMalformed},
		{name: "header segment of impossible length", token: "eyJhbGci" + "A" + "." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonMalformed},

		// JSON strictness.
		{name: "invalid UTF-8 in a header value", token: raw(`{"alg":"RS256","kid":"vt-key-1","typ":"JWT","x":"`+"\xff\xfe"+`"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in the kid", token: raw(`{"alg":"RS256","kid":"vt-key-1`+"\xc0\xaf"+`","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in a header name", token: raw(`{"alg":"RS256","kid":"vt-key-1","typ":"JWT","`+"\xff"+`":1}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in a payload value", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"sub":"`, `"sub":"`+"\xed\xa0\x80", 1)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in an unknown payload claim", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"x":"`+"\xff"+`",`, 1)), reason: ports.ReasonMalformed},
		// An escaped lone surrogate is valid UTF-8 and valid JSON syntax (RFC
		// 8259 §8.2): JavaScript's JSON.stringify writes one for a string cut
		// in the middle of an emoji, as an Auth0 Action's custom claim can be.
		// Go's decoders, the library's included, read it as U+FFFD.
		{name: "lone surrogate escape in an unknown payload claim", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"https://example.com/name":"Ann \ud83d",`, 1)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "lone surrogate escapes in a nested unknown claim", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"https://example.com/meta":{"n":["\udc00x","\ud800\u0041"]},`, 1)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "lone surrogate escape in an unknown header member", token: raw(`{"alg":"RS256","kid":"vt-key-1","typ":"JWT","x":"\ud83d"}`, vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "lone surrogate escape in sub reads as U+FFFD, as the library reads it", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"sub":"`, `"sub":"\ud83d`, 1)), want: &domain.Claims{Subject: "\ufffd" + vtSubject, Scopes: []string{"read:messages", "write:messages"}}},
		{name: "names that read alike once their lone surrogates are U+FFFD", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"\ud800":1,"\udbff":2,`, 1)), reason: ports.ReasonMalformed},
		{name: "a raw encoded surrogate in an unknown claim is invalid UTF-8", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"x":"`+"\xed\xa0\xbd"+`",`, 1)), reason: ports.ReasonMalformed},
		{name: "header is a JSON array", token: raw(`["RS256"]`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is a JSON string", token: raw(`"RS256"`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is null", token: raw(`null`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is a number", token: raw(`1`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is an empty object", token: raw(`{}`, vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "header with trailing data", token: raw(defaultHeader+`{}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header truncated JSON", token: raw(defaultHeader[:len(defaultHeader)-1], vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "payload is a JSON array", token: raw(defaultHeader, `[{"exp":9999999999}]`), reason: ports.ReasonMalformed},
		{name: "payload is a JSON string", token: raw(defaultHeader, `"claims"`), reason: ports.ReasonMalformed},
		{name: "payload is null", token: raw(defaultHeader, `null`), reason: ports.ReasonMalformed},
		{name: "payload is an empty object", token: raw(defaultHeader, `{}`), reason: ports.ReasonMissingClaim},
		{name: "payload with trailing data", token: raw(defaultHeader, vtClaims(nil)+`x`), reason: ports.ReasonMalformed},
		{name: "payload with a BOM", token: raw(defaultHeader, "\ufeff"+vtClaims(nil)), reason: ports.ReasonMalformed},

		// Registered claims.
		{name: "exp as a string", token: vtToken(nil, vtObj{"exp": fmt.Sprint(now + 3600)}), reason: ports.ReasonInvalidClaim},
		{name: "exp as a boolean", token: vtToken(nil, vtObj{"exp": true}), reason: ports.ReasonInvalidClaim},
		{name: "exp missing", token: vtToken(nil, vtObj{"exp": vtDel}), reason: ports.ReasonMissingClaim},
		{name: "exp null", token: vtToken(nil, vtObj{"exp": nil}), reason: ports.ReasonMissingClaim},
		{name: "exp overflowing float64", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"exp":`, `"exp":1e999,"x":`, 1)), reason: ports.ReasonInvalidClaim},
		{name: "nbf as a string", token: vtToken(nil, vtObj{"nbf": fmt.Sprint(now)}), reason: ports.ReasonInvalidClaim},
		{name: "iat as a string", token: vtToken(nil, vtObj{"iat": fmt.Sprint(now)}), reason: ports.ReasonInvalidClaim},
		{name: "aud null is no audience", token: vtToken(nil, vtObj{"aud": nil}), reason: ports.ReasonWrongAudience},
		// The library decodes jti as a string (RFC 7519 §4.1.7).
		{name: "jti as a number", token: vtToken(nil, vtObj{"jti": 5}), reason: ports.ReasonInvalidClaim},
		{name: "iat beyond int64 seconds (1e300)", token: vtToken(nil, vtObj{"iat": 1e300}), reason: ports.ReasonIssuedInFuture},
		{name: "nbf beyond int64 seconds (1e300)", token: vtToken(nil, vtObj{"nbf": 1e300}), reason: ports.ReasonNotYetValid},
		// go-jose would read it as long expired; the gate says why instead.
		{name: "exp beyond int64 seconds (1e19)", token: vtToken(nil, vtObj{"exp": 1e19}), reason: ports.ReasonInvalidClaim},
		{name: "exp negative", token: vtToken(nil, vtObj{"exp": -1e300}), reason: ports.ReasonExpired},
		{name: "sub as a number", token: vtToken(nil, vtObj{"sub": 42}), reason: ports.ReasonInvalidClaim},
		{name: "iss as a number", token: vtToken(nil, vtObj{"iss": 42}), reason: ports.ReasonInvalidClaim},
		{name: "expired beyond the leeway", token: vtToken(nil, vtObj{"exp": now - 120}), reason: ports.ReasonExpired},
		{name: "expired long ago", token: vtToken(nil, vtObj{"exp": 1}), reason: ports.ReasonExpired},
		{name: "expired within the leeway", token: vtToken(nil, vtObj{"exp": now - 10}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "expired within a custom leeway", cfg: func(c *vtConfig) { c.Leeway = 2 * time.Minute }, token: vtToken(nil, vtObj{"exp": now - 90}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "expired beyond a custom leeway", cfg: func(c *vtConfig) { c.Leeway = 2 * time.Minute }, token: vtToken(nil, vtObj{"exp": now - 150}), reason: ports.ReasonExpired},
		{name: "exp with a fraction", token: vtToken(nil, vtObj{"exp": float64(now) + 3600.5}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "nbf beyond the leeway", token: vtToken(nil, vtObj{"nbf": now + 120}), reason: ports.ReasonNotYetValid},
		{name: "nbf within the leeway", token: vtToken(nil, vtObj{"nbf": now + 10}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "iat beyond the leeway", token: vtToken(nil, vtObj{"iat": now + 120}), reason: ports.ReasonIssuedInFuture},
		{name: "iat within the leeway", token: vtToken(nil, vtObj{"iat": now + 10}), want: vtClaimsWant("read:messages", "write:messages")},

		// Issuer.
		{name: "iss without the trailing slash", token: vtToken(nil, vtObj{"iss": strings.TrimSuffix(vtIssuer, "/")}), reason: ports.ReasonWrongIssuer},
		{name: "iss with http", token: vtToken(nil, vtObj{"iss": "http://" + vtDomain + "/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss in upper case", token: vtToken(nil, vtObj{"iss": strings.ToUpper(vtIssuer)}), reason: ports.ReasonWrongIssuer},
		{name: "iss with two trailing slashes", token: vtToken(nil, vtObj{"iss": vtIssuer + "/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss of another tenant", token: vtToken(nil, vtObj{"iss": "https://other-tenant.eu.auth0.com/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss as a suffix trick", token: vtToken(nil, vtObj{"iss": "https://vt-tenant.eu.auth0.com.evil.example/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss missing", token: vtToken(nil, vtObj{"iss": vtDel}), reason: ports.ReasonWrongIssuer},

		// typ.
		{name: "typ JWT", token: vtToken(vtObj{"typ": "JWT"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ jwt lower case", token: vtToken(vtObj{"typ": "jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ missing", token: vtToken(vtObj{"typ": vtDel}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ null is no typ", token: vtToken(vtObj{"typ": nil}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ at+jwt", token: vtToken(vtObj{"typ": "at+jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ application/at+jwt", token: vtToken(vtObj{"typ": "application/at+jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ AT+JWT", token: vtToken(vtObj{"typ": "AT+JWT"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ JOSE", token: vtToken(vtObj{"typ": "JOSE"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ JOSE+JSON", token: vtToken(vtObj{"typ": "JOSE+JSON"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ jwe", token: vtToken(vtObj{"typ": "jwe"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ empty", token: vtToken(vtObj{"typ": ""}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ of an ID token profile (secevent)", token: vtToken(vtObj{"typ": "secevent+jwt"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ as a number", token: vtToken(vtObj{"typ": 1}, nil), reason: ports.ReasonMalformed},
		{name: "RequireAtJWT accepts at+jwt", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "RequireAtJWT accepts application/at+jwt", cfg: withRequireAt, token: vtToken(vtObj{"typ": "application/at+jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "RequireAtJWT refuses JWT", cfg: withRequireAt, token: vtToken(vtObj{"typ": "JWT"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "RequireAtJWT refuses a missing typ", cfg: withRequireAt, token: vtToken(vtObj{"typ": vtDel}, nil), reason: ports.ReasonUnsupportedType},
		{name: "RequireAtJWT refuses typ null", cfg: withRequireAt, token: vtToken(vtObj{"typ": nil}, nil), reason: ports.ReasonUnsupportedType},
		{name: "RequireAtJWT refuses application/jwt", cfg: withRequireAt, token: vtToken(vtObj{"typ": "application/jwt"}, nil), reason: ports.ReasonUnsupportedType},
	}

	names := map[string]bool{}
	for _, tc := range tests {
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			vtRun(t, vtBaseConfig(), static, tc)
		})
	}
	if n := jku.hits.Load(); n != 0 {
		t.Errorf("got %d requests at the jku/x5u listener, want 0: keys must come only from the tenant", n)
	}
}

func vtMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ---- end to end through a real KeySource ----------------------------------

// vtTenant is a TLS stand-in for an Auth0 tenant: discovery and a JWKS with
// the main key under vtKid. It records every path asked for.
type vtTenant struct {
	srv   *httptest.Server
	mu    sync.Mutex
	paths []string
}

func vtNewTenant(t *testing.T) *vtTenant {
	t.Helper()
	tn := &vtTenant{}
	// Auth0's shape: n and e, and the key's certificate with its SHA-1
	// thumbprint.
	jwk := vtJWK(vtKid, &vtKeys().main.PublicKey)
	jwk["x5c"] = []string{vtSelfSigned(vtKeys().main)}
	der, err := base64.StdEncoding.DecodeString(jwk["x5c"].([]string)[0])
	if err != nil {
		t.Fatal(err)
	}
	x5t := sha1.Sum(der)
	jwk["x5t"] = vtB64(x5t[:])
	tn.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tn.mu.Lock()
		tn.paths = append(tn.paths, r.URL.RequestURI())
		tn.mu.Unlock()
		issuer := "https://" + r.Host + "/"
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprint(w, vtJSON(map[string]any{"issuer": issuer, "jwks_uri": issuer + ".well-known/jwks.json"}))
		case "/.well-known/jwks.json":
			fmt.Fprint(w, vtJSON(map[string]any{"keys": []any{jwk}}))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(tn.srv.Close)
	return tn
}

func (tn *vtTenant) requests() []string {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return slices.Clone(tn.paths)
}

func TestVerifierEndToEnd(t *testing.T) {
	keys := vtKeys()
	tenant := vtNewTenant(t)
	jku := vtNewListener(t)

	tn, err := auth0.NewTenant(tenant.srv.URL, false, 0)
	if err != nil {
		t.Fatalf("NewTenant(%q): got error %v", tenant.srv.URL, err)
	}
	issuer := tn.Issuer()
	ks, err := auth0.NewKeySource(tn, auth0.KeySourceConfig{FetchTimeout: 5 * time.Second}, tenant.srv.Client(), zap.NewNop())
	if err != nil {
		t.Fatalf("NewKeySource: got error %v", err)
	}
	ks.Start()
	t.Cleanup(ks.Stop) // runs before the servers close

	cfg := vtConfig{Domain: tenant.srv.URL, Config: auth0.Config{Audiences: []string{vtAudience}}}
	mainRS := vtRS256(keys.main)
	claims := func(over vtObj) string { return vtClaimsFor(issuer, over) }
	tok := func(header, over vtObj) string { return vtSign(mainRS, vtHeader(header), claims(over)) }
	attackerSigned := func(header vtObj) string { return vtSign(vtRS256(keys.attacker), vtHeader(header), claims(nil)) }
	attackerJWK := vtJWK(vtAttackerKid, &keys.attacker.PublicKey)
	pkixPEM, _, _ := vtPublicPEM(&keys.main.PublicKey)
	valid := tok(nil, nil)
	segs := vtSegments(valid)

	tests := []vtCase{
		{name: "valid token", token: valid, want: vtClaimsWant("read:messages", "write:messages")},
		{name: "valid at+jwt token", token: tok(vtObj{"typ": "at+jwt"}, vtObj{"scope": "read:messages"}), want: vtClaimsWant("read:messages")},
		{name: "unknown kid", token: tok(vtObj{"kid": "vt-rotated-away"}, nil), reason: ports.ReasonUnknownKey, leaks: []string{"vt-rotated-away"}},
		{name: "kid path traversal", token: tok(vtObj{"kid": vtTraversalKid}, nil), reason: ports.ReasonUnknownKey, leaks: []string{vtTraversalKid}},
		{name: "kid SQL injection", token: tok(vtObj{"kid": vtSQLKid}, nil), reason: ports.ReasonUnknownKey, leaks: []string{vtSQLKid}},
		{name: "kid URL-encoded traversal", token: tok(vtObj{"kid": "..%2F..%2Fjwks.json"}, nil), reason: ports.ReasonUnknownKey, leaks: []string{"..%2F..%2Fjwks.json"}},
		{name: "kid empty", token: tok(vtObj{"kid": ""}, nil), reason: ports.ReasonMissingKeyID},
		{name: "foreign key under the known kid", token: vtSign(vtRS256(keys.other), vtHeader(nil), claims(nil)), reason: ports.ReasonBadSignature},
		{name: "tampered payload", token: segs[0] + "." + vtB64([]byte(claims(vtObj{"sub": "admin@clients"}))) + "." + segs[2], reason: ports.ReasonBadSignature},
		{name: "embedded jwk, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jwk": attackerJWK}), reason: ports.ReasonUnknownKey, leaks: []string{vtAttackerKid}},
		{name: "embedded jwk, tenant kid", token: attackerSigned(vtObj{"jwk": attackerJWK}), reason: ports.ReasonBadSignature},
		{name: "jku to attacker JWKS, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "jku to attacker JWKS, tenant kid", token: attackerSigned(vtObj{"jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, tenant kid", token: attackerSigned(vtObj{"x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "jku on the tenant's own host, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jku": issuer + "attacker/jwks.json"}), reason: ports.ReasonUnknownKey},
		{name: "alg none", token: vtB64([]byte(vtHeader(vtObj{"alg": "none"}))) + "." + segs[1] + ".", reason: ports.ReasonMalformed},
		{name: "HS256 keyed with the JWKS key as PEM", token: vtSign(vtHS256(pkixPEM), vtHeader(vtObj{"alg": "HS256"}), claims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "iss without the trailing slash", token: tok(nil, vtObj{"iss": strings.TrimSuffix(issuer, "/")}), reason: ports.ReasonWrongIssuer},
		{name: "iss with http", token: tok(nil, vtObj{"iss": "http" + strings.TrimPrefix(issuer, "https")}), reason: ports.ReasonWrongIssuer},
		{name: "iss of the production-looking tenant", token: tok(nil, vtObj{"iss": vtIssuer}), reason: ports.ReasonWrongIssuer},
		{name: "expired", token: tok(nil, vtObj{"exp": time.Now().Unix() - 3600}), reason: ports.ReasonExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vtRun(t, cfg, ks, tc)
			if n := jku.hits.Load(); n != 0 {
				t.Fatalf("got %d requests at the jku/x5u listener, want 0", n)
			}
		})
	}
	for _, p := range tenant.requests() {
		if p != "/.well-known/openid-configuration" && p != "/.well-known/jwks.json" {
			t.Errorf("got a tenant request for %q, want only discovery and JWKS: a kid or header must never reach a URL", p)
		}
	}
	if n := jku.hits.Load(); n != 0 {
		t.Errorf("got %d requests at the jku/x5u listener, want 0", n)
	}
}

// ---- cost of hostile input --------------------------------------------------

// A dot flood is refused after a few bytes, without allocating per dot.
func TestVerifierDotFloodIsCheap(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	cfg := vtBaseConfig()
	cfg.MaxTokenBytes = 1 << 20
	v, err := vtNew(cfg, keys)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	tests := []struct {
		name  string
		token string
	}{
		{"200000 dots", strings.Repeat(".", 200000)},
		{"segment then 200000 dots", "eyJhbGciOiJSUzI1NiJ9" + strings.Repeat(".", 200000)},
		{"900000 dots", strings.Repeat(".", 900000)},
		{"1 MiB of spaces", strings.Repeat(" ", 1<<20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const runs = 1000
			for range runs {
				if _, err := v.Verify(ctx, tc.token); err == nil {
					t.Fatal("got no error, want malformed")
				}
			}
			allocs := testing.AllocsPerRun(100, func() { _, _ = v.Verify(ctx, tc.token) })
			if allocs > 2 {
				t.Errorf("got %.0f allocations per call, want at most 2", allocs)
			}
			var invalid *ports.InvalidTokenError
			if _, err := v.Verify(ctx, tc.token); !errors.As(err, &invalid) || invalid.Reason != ports.ReasonMalformed {
				t.Errorf("got %v, want reason malformed", err)
			}
		})
	}
	if n := keys.calls.Load(); n != 0 {
		t.Errorf("got %d key lookups, want 0", n)
	}
}

// ---- configuration -----------------------------------------------------------

func TestVerifierIssuer(t *testing.T) {
	tests := []struct {
		name     string
		domain   string
		loopback bool // allowInsecureLoopback
		want     string
		wantErr  bool
		known    string
	}{
		{name: "bare domain", domain: vtDomain, want: vtIssuer},
		{name: "https scheme", domain: "https://" + vtDomain, want: vtIssuer},
		{name: "https scheme and trailing slash", domain: "https://" + vtDomain + "/", want: vtIssuer},
		{name: "bare domain and trailing slash", domain: vtDomain + "/", want: vtIssuer},
		{name: "upper-case domain", domain: "VT-Tenant.EU.Auth0.COM", want: vtIssuer},
		{name: "upper-case scheme", domain: "HTTPS://" + vtDomain, want: vtIssuer},
		{name: "surrounding spaces", domain: "  " + vtDomain + "\t", want: vtIssuer},
		{name: "custom domain with port", domain: "login.vt.example:8443", want: "https://login.vt.example:8443/"},
		{name: "empty", domain: "", wantErr: true},
		{name: "spaces only", domain: "   ", wantErr: true},
		{name: "path", domain: "https://" + vtDomain + "/tenant", wantErr: true},
		{name: "path with trailing slash", domain: vtDomain + "/a/", wantErr: true},
		{name: "double slash path", domain: "https://" + vtDomain + "//", wantErr: true},
		{name: "query", domain: "https://" + vtDomain + "/?x=1", wantErr: true},
		{name: "fragment", domain: "https://" + vtDomain + "#x", wantErr: true},
		{name: "userinfo", domain: "https://user:pass@" + vtDomain, wantErr: true},
		{name: "userinfo without scheme", domain: "evil.example@" + vtDomain, wantErr: true},
		{name: "backslash userinfo trick", domain: "https://" + vtDomain + `\@evil.example`, wantErr: true},
		{name: "space inside", domain: "vt tenant.eu.auth0.com", wantErr: true},
		{name: "other scheme", domain: "ftp://" + vtDomain, wantErr: true},
		{name: "scheme only", domain: "https://", wantErr: true},
		{name: "port without host", domain: "https://:443", wantErr: true},
		{name: "http non-loopback refused", domain: "http://" + vtDomain, wantErr: true},
		{name: "http non-loopback refused with loopback allowed", domain: "http://" + vtDomain, loopback: true, wantErr: true},
		{name: "http loopback refused without the flag", domain: "http://127.0.0.1:3011", wantErr: true},
		{name: "http localhost refused without the flag", domain: "http://localhost:3011", wantErr: true},
		{name: "http 127.0.0.1 with the flag", domain: "http://127.0.0.1:3011", loopback: true, want: "http://127.0.0.1:3011/"},
		{name: "http 127.0.0.2 with the flag", domain: "http://127.0.0.2:3011/", loopback: true, want: "http://127.0.0.2:3011/"},
		{name: "http ::1 with the flag", domain: "http://[::1]:3011", loopback: true, want: "http://[::1]:3011/"},
		{name: "http localhost with the flag", domain: "http://localhost:3011", loopback: true, want: "http://localhost:3011/"},
		{name: "http LOCALHOST with the flag", domain: "http://LOCALHOST:3011", loopback: true, want: "http://localhost:3011/"},
		{name: "http localhost-prefixed host with the flag", domain: "http://localhost.evil.example", loopback: true, wantErr: true},
		{name: "http loopback-looking DNS name with the flag", domain: "http://127.0.0.1.nip.io", loopback: true, wantErr: true},
		{name: "http 0.0.0.0 with the flag", domain: "http://0.0.0.0:3011", loopback: true, wantErr: true},
		{name: "https loopback needs no flag", domain: "https://127.0.0.1:8443", want: "https://127.0.0.1:8443/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := auth0.Issuer(tc.domain, tc.loopback)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Issuer(%q, %v): got %q, want an error", tc.domain, tc.loopback, got)
				}
				if got != "" {
					t.Errorf("Issuer(%q, %v): got %q with the error, want \"\"", tc.domain, tc.loopback, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Issuer(%q, %v): got %q, %v; want %q", tc.domain, tc.loopback, got, err, tc.want)
			}
		})
	}
}

func TestVerifierNewConfig(t *testing.T) {
	keys := &vtStaticKeys{}
	tests := []struct {
		name       string
		cfg        func(*vtConfig)
		wantErr    string // substring of the error; "" means success
		wantIssuer string
	}{
		{name: "minimal", wantIssuer: vtIssuer},
		{name: "several audiences", cfg: func(c *vtConfig) { c.Audiences = []string{vtAudience, vtAudience2} }, wantIssuer: vtIssuer},
		{name: "all options", cfg: func(c *vtConfig) {
			c.Leeway, c.Permissions, c.RequireAtJWT, c.MaxTokenBytes = time.Minute, true, true, 4096
		}, wantIssuer: vtIssuer},
		{name: "domain with scheme", cfg: func(c *vtConfig) { c.Domain = "https://" + vtDomain + "/" }, wantIssuer: vtIssuer},
		{name: "missing domain", cfg: func(c *vtConfig) { c.Domain = "" }, wantErr: "AUTH0_DOMAIN"},
		{name: "domain with a path", cfg: func(c *vtConfig) { c.Domain = vtDomain + "/api" }, wantErr: "AUTH0_DOMAIN"},
		{name: "http domain", cfg: func(c *vtConfig) { c.Domain = "http://" + vtDomain }, wantErr: "https"},
		{name: "http loopback without the flag", cfg: func(c *vtConfig) { c.Domain = "http://127.0.0.1:3011" }, wantErr: "https"},
		{name: "http loopback with the flag", cfg: func(c *vtConfig) {
			c.Domain, c.AllowInsecureLoopback = "http://127.0.0.1:3011", true
		}, wantIssuer: "http://127.0.0.1:3011/"},
		{name: "no audiences", cfg: func(c *vtConfig) { c.Audiences = nil }, wantErr: "audience"},
		{name: "empty audience list", cfg: func(c *vtConfig) { c.Audiences = []string{} }, wantErr: "audience"},
		{name: "empty audience", cfg: func(c *vtConfig) { c.Audiences = []string{""} }, wantErr: "audience"},
		{name: "blank audience among good ones", cfg: func(c *vtConfig) { c.Audiences = []string{vtAudience, "  "} }, wantErr: "audience"},
		{name: "negative leeway", cfg: func(c *vtConfig) { c.Leeway = -time.Second }, wantErr: "leeway"},
		{name: "leeway of 5m", cfg: func(c *vtConfig) { c.Leeway = 5 * time.Minute }, wantIssuer: vtIssuer},
		{name: "leeway over 5m", cfg: func(c *vtConfig) { c.Leeway = 5*time.Minute + time.Nanosecond }, wantErr: "leeway"},
		{name: "MaxTokenBytes 1024", cfg: func(c *vtConfig) { c.MaxTokenBytes = 1024 }, wantIssuer: vtIssuer},
		{name: "MaxTokenBytes 1023", cfg: func(c *vtConfig) { c.MaxTokenBytes = 1023 }, wantErr: "max token bytes"},
		{name: "MaxTokenBytes negative", cfg: func(c *vtConfig) { c.MaxTokenBytes = -1 }, wantErr: "max token bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := vtBaseConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			v, err := vtNew(cfg, keys)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one mentioning %q", err, tc.wantErr)
				}
				if v != nil {
					t.Errorf("got a verifier with the error, want nil")
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got := v.Issuer(); got != tc.wantIssuer {
				t.Errorf("got issuer %q, want %q", got, tc.wantIssuer)
			}
		})
	}
}

// The zero Leeway and MaxTokenBytes mean the documented defaults.
func TestVerifierDefaults(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	v, err := vtNew(vtBaseConfig(), keys)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	edge := int64(auth0.DefaultLeeway / time.Second)
	tests := []struct {
		name   string
		token  string
		reason ports.Reason // "" means accepted
	}{
		{"expired 10s inside DefaultLeeway", vtToken(nil, vtObj{"exp": now.Unix() - edge + 10}), ""},
		{"expired 10s beyond DefaultLeeway", vtToken(nil, vtObj{"exp": now.Unix() - edge - 10}), ports.ReasonExpired},
		{"at DefaultMaxTokenBytes", vtFill(auth0.DefaultMaxTokenBytes), ""},
		{"one byte over DefaultMaxTokenBytes", vtFill(auth0.DefaultMaxTokenBytes + 1), ports.ReasonTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			var invalid *ports.InvalidTokenError
			switch {
			case tc.reason == "" && err != nil:
				t.Fatalf("got %v, want success", err)
			case tc.reason != "" && (!errors.As(err, &invalid) || invalid.Reason != tc.reason):
				t.Fatalf("got %v, want reason %s", err, tc.reason)
			}
		})
	}
}

// vtFill returns a valid token of exactly n bytes, padding the claims with
// an unknown member (and the header with spaces where base64 rounding skips n).
func vtFill(n int) string {
	const sigLen = 342 // RS256 with a 2048-bit key: 256 bytes in base64url
	enc := base64.RawURLEncoding.EncodedLen
	claims := vtClaims(nil)
	for extra := range 3 {
		header := vtHeader(nil) + strings.Repeat(" ", extra)
		start := max(0, base64.RawURLEncoding.DecodedLen(n-sigLen-2-enc(len(header)))-len(claims)-16)
		for pad := start; ; pad++ {
			payload := strings.Replace(claims, "{", `{"pad":"`+strings.Repeat("x", pad)+`",`, 1)
			size := enc(len(header)) + 1 + enc(len(payload)) + 1 + sigLen
			if size == n {
				tok := vtSign(vtRS256(vtKeys().main), header, payload)
				if len(tok) != n {
					panic(fmt.Sprintf("built %d bytes, want %d", len(tok), n))
				}
				return tok
			}
			if size > n {
				break
			}
		}
	}
	panic(fmt.Sprintf("cannot build a token of exactly %d bytes", n))
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

// A cached answer must never outlive what made it true: the key, the clock,
// the caller's copy of the claims.
func TestVerifierCache(t *testing.T) {
	keys := vtKeys()
	newVerifier := vtCachingVerifier
	mainPub, otherPub := &keys.main.PublicKey, &keys.other.PublicKey
	wantOK := vtClaimsWant("read:messages", "write:messages")

	for _, size := range []int{0, -1} { // default cache, and no cache
		t.Run(fmt.Sprintf("CacheSize %d", size), func(t *testing.T) {
			t.Run("valid token twice gives equal claims", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				for i := range 3 {
					got, reason, err := vtVerify(t, v, tok)
					if err != nil || !reflect.DeepEqual(got, *wantOK) {
						t.Fatalf("call %d: got %+v, %s, %v; want %+v", i, got, reason, err, *wantOK)
					}
				}
				if _, _, n := v.CacheStats(); size < 0 && n != 0 {
					t.Errorf("got %d cache entries with the cache disabled, want 0", n)
				}
			})
			t.Run("caller mutating its claims does not change the next answer", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, vtObj{"scope": "openid"})
				first, _, err := vtVerify(t, v, tok)
				if err != nil || len(first.Scopes) != 1 {
					t.Fatalf("got %+v, %v; want one scope", first, err)
				}
				first.Scopes[0] = domain.ScopeReadMessages // a buggy or hostile caller
				first.Subject = "admin@clients"
				second, _, err := vtVerify(t, v, tok)
				if err != nil || !reflect.DeepEqual(second, domain.Claims{Subject: vtSubject, Scopes: []string{"openid"}}) {
					t.Errorf("got %+v, %v on the second call, want the claims as verified: a caller's writes must not reach the cache", second, err)
				}
			})
			t.Run("key removed from the tenant", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				if _, reason, err := vtVerify(t, v, tok); err != nil {
					t.Fatalf("got %s, %v; want success", reason, err)
				}
				finder.set(vtKid, nil, nil)
				if _, reason, err := vtVerify(t, v, tok); reason != ports.ReasonUnknownKey {
					t.Errorf("got %q, %v after the key left the JWKS; want unknown_key", reason, err)
				}
			})
			t.Run("kid rebound to another key", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				if _, reason, err := vtVerify(t, v, tok); err != nil {
					t.Fatalf("got %s, %v; want success", reason, err)
				}
				finder.set(vtKid, otherPub, nil)
				if _, reason, err := vtVerify(t, v, tok); reason != ports.ReasonBadSignature {
					t.Errorf("got %q, %v after the kid was bound to another key; want bad_signature", reason, err)
				}
			})
			t.Run("unknown kid is not remembered once the key appears", func(t *testing.T) {
				finder := &vtStaticKeys{}
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				if _, reason, err := vtVerify(t, v, tok); reason != ports.ReasonUnknownKey {
					t.Fatalf("got %q, %v; want unknown_key", reason, err)
				}
				finder.set(vtKid, mainPub, nil)
				if got, reason, err := vtVerify(t, v, tok); err != nil || !reflect.DeepEqual(got, *wantOK) {
					t.Errorf("got %+v, %q, %v once the key was published; want success", got, reason, err)
				}
			})
			t.Run("keys unavailable passes through and is not remembered", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, nil, fmt.Errorf("%w: tenant down", ports.ErrKeysUnavailable))
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				_, _, err := vtVerify(t, v, tok)
				var invalid *ports.InvalidTokenError
				if !errors.Is(err, ports.ErrKeysUnavailable) || errors.As(err, &invalid) {
					t.Fatalf("got %v, want an error wrapping ports.ErrKeysUnavailable and no InvalidTokenError", err)
				}
				finder.set(vtKid, mainPub, nil)
				if _, reason, err := vtVerify(t, v, tok); err != nil {
					t.Errorf("got %q, %v once keys were back; want success", reason, err)
				}
			})
			t.Run("bad signature stays refused", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				forged := vtSign(vtRS256(keys.attacker), vtHeader(nil), vtClaims(nil))
				for i := range 3 {
					if _, reason, err := vtVerify(t, v, forged); reason != ports.ReasonBadSignature {
						t.Fatalf("call %d: got %q, %v; want bad_signature", i, reason, err)
					}
				}
			})
			t.Run("exp beyond int64 seconds", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				for _, exp := range []float64{1e19, 1e300} {
					tok := vtToken(nil, vtObj{"exp": exp})
					for i := range 2 {
						if _, reason, err := vtVerify(t, v, tok); reason != ports.ReasonInvalidClaim {
							t.Errorf("exp %g, call %d: got %q, %v; want invalid_claim", exp, i, reason, err)
						}
					}
				}
			})
			t.Run("concurrent callers", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				good, forged := vtToken(nil, nil), vtSign(vtRS256(keys.attacker), vtHeader(nil), vtClaims(nil))
				var wg sync.WaitGroup
				errs := make(chan string, 64)
				for i := range 16 {
					wg.Go(func() {
						for range 8 {
							if c, err := v.Verify(context.Background(), good); err != nil || !reflect.DeepEqual(c, *wantOK) {
								errs <- fmt.Sprintf("worker %d: good token gave %+v, %v", i, c, err)
								return
							}
							if _, err := v.Verify(context.Background(), forged); err == nil {
								errs <- fmt.Sprintf("worker %d: forged token accepted", i)
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for e := range errs {
					t.Error(e)
				}
			})
		})
	}
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

// Time moves on for a cached token: it expires, and a not-yet-valid token
// becomes valid. The library reads the time itself, so the test runs in a
// synctest bubble, where time moves only when every goroutine waits.
func TestVerifierCacheTime(t *testing.T) {
	keys := vtKeys()
	for _, size := range []int{0, -1} {
		t.Run(fmt.Sprintf("CacheSize %d", size), func(t *testing.T) {
			t.Parallel()
			v := vtClockVerifier(t, &keys.main.PublicKey, size)
			synctest.Test(t, func(t *testing.T) {
				const margin = 2.0 // seconds
				now := float64(time.Now().UnixNano()) / 1e9
				leeway := auth0.DefaultLeeway.Seconds()
				expiring := vtToken(nil, vtObj{"exp": now - leeway + margin})
				maturing := vtToken(nil, vtObj{"nbf": now + leeway + margin})
				if _, reason, err := vtVerify(t, v, expiring); err != nil {
					t.Fatalf("expiring token: got %q, %v before its exp; want success", reason, err)
				}
				if _, reason, _ := vtVerify(t, v, maturing); reason != ports.ReasonNotYetValid {
					t.Fatalf("maturing token: got %q before its nbf, want not_yet_valid", reason)
				}
				time.Sleep(time.Duration((margin + 1.3) * float64(time.Second))) // NumericDates are whole seconds to go-jose
				if _, reason, err := vtVerify(t, v, expiring); reason != ports.ReasonExpired {
					t.Errorf("expiring token: got %q, %v after its exp; want expired", reason, err)
				}
				if _, reason, err := vtVerify(t, v, maturing); err != nil {
					t.Errorf("maturing token: got %q, %v after its nbf; want success", reason, err)
				}
			})
		})
	}
}
