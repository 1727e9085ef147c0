package auth0_test

// Fixtures of the verifier's tests. Every token is built by hand (base64url
// JSON, crypto/rsa PKCS #1 v1.5 SHA-256) so that malformed, hostile and
// borderline inputs can be expressed exactly. Top-level names carry a "vt"
// prefix: other test files share this directory.

import (
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
	"math/big"
	"strings"
	"sync"
	"time"
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
