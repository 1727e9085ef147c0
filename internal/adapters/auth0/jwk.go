package auth0

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"slices"

	jose "gopkg.in/go-jose/go-jose.v2"
)

// One JWKS entry (RFC 7517 §4): what makes it an RS256 verification key
// this service trusts, and why an entry is ignored.

// Reasons a JWKS entry is ignored.
const (
	jwkDropNotObject        = "not_an_object"
	jwkDropDuplicateMember  = "duplicate_member" // the last of two would hide the first: a d, another x5c (RFC 7517 §4)
	jwkDropMissingKid       = "missing_kid"
	jwkDropKty              = "kty_not_rsa"
	jwkDropUse              = "use_not_sig"
	jwkDropKeyOps           = "key_ops_not_verify"
	jwkDropAlg              = "alg_not_rs256"
	jwkDropBadModulus       = "bad_modulus"
	jwkDropWeakModulus      = "modulus_too_short"
	jwkDropLargeModulus     = "modulus_too_long"
	jwkDropBadExponent      = "bad_exponent"
	jwkDropExponentNot65537 = "exponent_not_65537"
	jwkDropInvalid          = "invalid_jwk"                  // go-jose refused its n and e
	jwkDropX5cOtherKey      = "x5c_other_key"                // its certificate holds another key (RFC 7517 §4.7)
	jwkDropPrivate          = "private_key"                  // a JWKS is public; an entry with d, p, q... is a leaked key, not one to trust
	jwkDropLeakedElsewhere  = "private_key_elsewhere"        // another entry of the set gives this key's private half
	jwkDropLeakUnchecked    = "private_key_unchecked"        // clearing it of the set's private members would cost past maxLeakValues or maxLeakWork
	jwkDropLeakedBefore     = "private_key_published_before" // an earlier JWKS gave it away (KeySource.compromised)
	jwkDropIdentical        = "identical_duplicate"          // counted once
	jwkDropTooManyPerKid    = "too_many_keys_for_kid"
	jwkDropTooManyEntries   = "too_many_entries" // past maxJWKSEntries: counted, not decoded
)

const (
	minModulusBits = 2048
	// maxModulusBits bounds the cost of one signature check; Auth0 uses
	// 2048-bit keys.
	maxModulusBits = 8192
	jwkExponent    = 65537
)

var jwkBase64 = base64.RawURLEncoding.Strict()

// decodeJWK returns the RSA signing key an entry describes, or why it is
// not one. go-jose decodes the key from n and e; the checks before it refuse
// what it is lax about (padded base64, fields of the wrong type), the checks
// after it what RS256 with Auth0 needs, and an x5c that holds another key.
func decodeJWK(raw json.RawMessage) (kid string, key *rsa.PublicKey, reason string) {
	obj, reason := jwkMembers(raw)
	if reason != "" {
		return "", nil, reason
	}
	kid, ok := jwkJSONString(obj["kid"])
	// First: a private member gives the key away whatever else the entry
	// says, and parseJWKS then drops the key wherever else it stands.
	if jwkHasPrivateMember(obj) {
		return kid, nil, jwkDropPrivate
	}
	if !ok || kid == "" {
		return "", nil, jwkDropMissingKid
	}
	if kty, ok := jwkJSONString(obj["kty"]); !ok || kty != "RSA" {
		return kid, nil, jwkDropKty
	}
	if raw, present := obj["use"]; present {
		if use, ok := jwkJSONString(raw); !ok || use != "sig" {
			return kid, nil, jwkDropUse
		}
	}
	// key_ops restricts a key as use does (RFC 7517 §4.3); go-jose ignores it.
	if raw, present := obj["key_ops"]; present && !jwkKeyOpsVerify(raw) {
		return kid, nil, jwkDropKeyOps
	}
	if raw, present := obj["alg"]; present {
		if alg, ok := jwkJSONString(raw); !ok || alg != "RS256" {
			return kid, nil, jwkDropAlg
		}
	}
	if _, ok := jwkBase64Field(obj["n"]); !ok {
		return kid, nil, jwkDropBadModulus
	}
	if eb, ok := jwkBase64Field(obj["e"]); !ok || len(eb) > 8 {
		return kid, nil, jwkDropBadExponent
	}
	// Only kty, n and e: given the whole entry, go-jose also reads x5u as a
	// URL, x5c with Go's X.509 parser and x5t, and any of those failing
	// would cost a key that n and e describe in full (x5cHolds checks the
	// certificate instead).
	members, err := json.Marshal(map[string]json.RawMessage{"kty": obj["kty"], "n": obj["n"], "e": obj["e"]})
	if err != nil {
		return kid, nil, jwkDropInvalid
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(members); err != nil {
		return kid, nil, jwkDropInvalid
	}
	pub, ok := jwk.Key.(*rsa.PublicKey)
	if !ok {
		return kid, nil, jwkDropInvalid
	}
	switch bits := pub.N.BitLen(); {
	case bits < minModulusBits:
		return kid, nil, jwkDropWeakModulus
	case bits > maxModulusBits:
		return kid, nil, jwkDropLargeModulus
	case pub.N.Bit(0) == 0:
		return kid, nil, jwkDropBadModulus // an RSA modulus is odd
	}
	if pub.E != jwkExponent {
		return kid, nil, jwkDropExponentNot65537
	}
	if !x5cHolds(obj["x5c"], pub) {
		return kid, nil, jwkDropX5cOtherKey
	}
	return kid, pub, ""
}

// jwkMembers returns an entry's members by name, or why it has none to
// read: it is no object, or names a member twice (RFC 7517 §4 lets a
// parser refuse that; reading the last, as encoding/json does, would let a
// "d":null hide a "d" before it). Names compare unescaped.
func jwkMembers(raw []byte) (map[string]json.RawMessage, string) {
	all, ok := jwkAllMembers(raw)
	if !ok {
		return nil, jwkDropNotObject
	}
	obj := make(map[string]json.RawMessage, len(all))
	for name, values := range all {
		if len(values) > 1 {
			return nil, jwkDropDuplicateMember
		}
		obj[name] = values[0]
	}
	return obj, ""
}

// jwkAllMembers returns every value of an entry's members by name, a name
// given twice with both its values, and whether the entry is a complete
// object: of one cut short, the members read whole before the cut; of no
// object at all, none.
func jwkAllMembers(raw []byte) (map[string][]json.RawMessage, bool) {
	dec := lenientDecoder(raw)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	all := make(map[string][]json.RawMessage)
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return all, false
		}
		name := tok.String() // the token is good until the next read
		value, err := dec.ReadValue()
		if err != nil {
			return all, false
		}
		all[name] = append(all[name], json.RawMessage(bytes.Clone(value)))
	}
	return all, true
}

// x5cHolds reports whether an entry's x5c, if any, agrees with its key: the
// first certificate must hold the same public key (RFC 7517 §4.7). The
// service never uses the certificate, so one it cannot read (no string of
// base64 DER first, refused by Go's X.509 parser, as a negative serial number
// is since Go 1.23, or with a key of an algorithm Go does not read) is
// ignored rather than costing the key.
func x5cHolds(raw json.RawMessage, pub *rsa.PublicKey) bool {
	switch certKey := x5cFirstKey(raw, false).(type) {
	case *rsa.PublicKey:
		return sameKey(certKey, pub)
	case nil: // unreadable, or an algorithm Go does not read, RSASSA-PSS among them
		return true
	default:
		return false
	}
}

// x5cFirstKey returns the public key of an x5c's first certificate, or nil
// when there is none it can read: standard base64 (RFC 7517 §4.7), or with
// lenient, base64 in either alphabet, padded or not.
func x5cFirstKey(raw json.RawMessage, lenient bool) any {
	// Only the first element is read: what follows it cannot excuse a
	// first certificate of another key. A lone string is read as the
	// first, for the same reason.
	first := raw
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		dec := lenientDecoder(t)
		if _, err := dec.ReadToken(); err != nil || dec.PeekKind() == ']' {
			return nil
		}
		v, err := dec.ReadValue()
		if err != nil {
			return nil
		}
		first = json.RawMessage(v)
	}
	var der []byte
	if lenient {
		der, _ = jwkLenientBase64(first)
	} else if leaf, ok := jwkJSONString(first); ok {
		der, _ = base64.StdEncoding.DecodeString(leaf)
	}
	if der == nil {
		return nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return cert.PublicKey
}

// jwkHasPrivateMember reports whether an entry holds any of RSA's private
// members (RFC 7518 §6.3.2), null and empty values counting as absent. Any of them gives the
// key away (dp alone factors n), and go-jose looks only at d.
func jwkHasPrivateMember(obj map[string]json.RawMessage) bool {
	for _, name := range jwkPrivateMembers {
		if v, present := obj[name]; present && jwkPrivateValue(v) {
			return true
		}
	}
	return false
}

// jwkPrivateMembers are RSA's private members (RFC 7518 §6.3.2).
var jwkPrivateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth"}

// jwkPrivateValue reports whether a private member's value gives anything
// away: any but null and an empty string, array or object, which
// serializers write for a public key's absent fields.
func jwkPrivateValue(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	if len(t) >= 2 && (t[0] == '"' || t[0] == '[' || t[0] == '{') && len(bytes.TrimSpace(t[1:len(t)-1])) == 0 {
		return false // "", [] or {}
	}
	return string(t) != "null"
}

// jwkBase64Field reports whether raw is a non-empty, unpadded base64url
// string (RFC 7518 §6.3.1); go-jose also takes padding.
func jwkBase64Field(raw json.RawMessage) ([]byte, bool) {
	s, ok := jwkJSONString(raw)
	if !ok || s == "" {
		return nil, false
	}
	b, err := jwkBase64.DecodeString(s)
	return b, err == nil && len(b) > 0
}

// jwkKeyOpsVerify reports whether raw is a key_ops array of strings that
// allows "verify".
func jwkKeyOpsVerify(raw json.RawMessage) bool {
	var ops []string
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' || json.Unmarshal(raw, &ops) != nil {
		return false
	}
	return slices.Contains(ops, "verify")
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
