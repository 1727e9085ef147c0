package auth0

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	jose "gopkg.in/go-jose/go-jose.v2"
)

// JWKS decoding and filtering.

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
	jwkDropInvalid          = "invalid_jwk"           // go-jose refused its n and e
	jwkDropX5cOtherKey      = "x5c_other_key"         // its certificate holds another key (RFC 7517 §4.7)
	jwkDropPrivate          = "private_key"           // a JWKS is public; an entry with d, p, q... is a leaked key, not one to trust
	jwkDropLeakedElsewhere  = "private_key_elsewhere" // another entry of the set gives this key's private half
	jwkDropIdentical        = "identical_duplicate"   // counted once
	jwkDropTooManyPerKid    = "too_many_keys_for_kid"
	jwkDropTooManyEntries   = "too_many_entries" // past maxJWKSEntries: counted, not decoded
)

// maxJWKSEntries bounds the entries of one JWKS that are decoded: each costs
// a JSON object and a key, so a body of a megabyte of "{}," would cost 136
// MiB and a second and a half per fetch. Auth0 publishes two or three keys.
const maxJWKSEntries = 100

const (
	minModulusBits = 2048
	// maxModulusBits bounds the cost of one signature check; Auth0 uses
	// 2048-bit keys.
	maxModulusBits = 8192
	jwkExponent    = 65537
)

// maxKeysPerKid bounds how many different keys one kid may name: a token
// under a shared kid is checked against each (RFC 7517 §4.5 lets entries of
// different kty or use share a kid; two signing keys under one kid happen
// in rotations gone wrong), and each check is an RSA operation.
const maxKeysPerKid = 3

// jwksReport says what parseJWKS ignored.
type jwksReport struct {
	entries int
	reasons map[string]int // reason → count
	kids    []string       // safe-to-log kids of ignored entries, at most maxLoggedKids
	leaked  []*big.Int     // the moduli of entries with private members
}

func (r *jwksReport) drop(reason, kid string) {
	r.count(reason)
	if len(r.kids) < maxLoggedKids {
		if kid == "" {
			r.kids = append(r.kids, "<none>")
		} else {
			r.kids = append(r.kids, quoteForLog(kid))
		}
	}
}

// count counts an entry dropped for reason, whose kid is not known.
func (r *jwksReport) count(reason string) {
	if r.reasons == nil {
		r.reasons = make(map[string]int)
	}
	r.reasons[reason]++
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

// errNoKeysArray: the document has no "keys" array, or one that does not
// parse as JSON.
var errNoKeysArray = errors.New(`no "keys" array`)

// lenientDecoder reads b token by token, as leniently as encoding/json
// does (duplicate names, invalid UTF-8): what an entry gets wrong is
// judged by the checks that read it, one entry at a time.
func lenientDecoder(b []byte) *jsontext.Decoder {
	return jsontext.NewDecoder(bytes.NewReader(b), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// parseJWKS keeps the entries usable as RS256 verification keys, by kid. An
// error means the document itself is unusable; entries are decoded one by
// one (decodeJWK), so one odd entry never poisons the set. Identical
// duplicates count once; up to maxKeysPerKid different keys may share a
// kid; past maxJWKSEntries entries are counted, not decoded; and once all
// are read, a key that an entry with private members gave away is dropped
// wherever it stands.
func parseJWKS(body []byte) (map[string][]*rsa.PublicKey, jwksReport, error) {
	var rep jwksReport
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, rep, errors.New("not a JSON object")
	}
	raw, ok := doc["keys"]
	if t := bytes.TrimSpace(raw); !ok || len(t) == 0 || t[0] != '[' {
		return nil, rep, errNoKeysArray
	}
	// The entries are read one at a time, and those past maxJWKSEntries
	// skipped without a copy.
	dec := lenientDecoder(raw)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return nil, rep, errNoKeysArray
	}
	keys := make(map[string][]*rsa.PublicKey)
	for {
		switch dec.PeekKind() {
		case ']':
			dropLeaked(keys, rep.leaked, &rep)
			return keys, rep, nil
		case 0: // the document parsed above, so this is no JSON fault of its own
			return nil, rep, errNoKeysArray
		}
		rep.entries++
		if rep.entries > maxJWKSEntries {
			if dec.SkipValue() != nil {
				return nil, rep, errNoKeysArray
			}
			rep.count(jwkDropTooManyEntries)
			continue
		}
		e, err := dec.ReadValue()
		if err != nil {
			return nil, rep, errNoKeysArray
		}
		kid, key, reason := decodeJWK(json.RawMessage(e))
		if reason == jwkDropPrivate {
			if n := jwkLeakedModulus(e); n != nil {
				rep.leaked = append(rep.leaked, n)
			}
		}
		if key != nil {
			switch held := keys[kid]; {
			case slices.ContainsFunc(held, func(k *rsa.PublicKey) bool { return sameKey(k, key) }):
				reason = jwkDropIdentical
			case len(held) == maxKeysPerKid:
				reason = jwkDropTooManyPerKid
			default:
				keys[kid] = append(held, key)
				continue
			}
		}
		rep.drop(reason, kid)
	}
}

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
	dec := lenientDecoder(raw)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, jwkDropNotObject
	}
	obj := make(map[string]json.RawMessage)
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, jwkDropNotObject
		}
		name := tok.String() // the token is good until the next read
		value, err := dec.ReadValue()
		if err != nil {
			return nil, jwkDropNotObject
		}
		if _, dup := obj[name]; dup {
			return nil, jwkDropDuplicateMember
		}
		obj[name] = json.RawMessage(bytes.Clone(value))
	}
	return obj, ""
}

// x5cHolds reports whether an entry's x5c, if any, agrees with its key: the
// first certificate must hold the same public key (RFC 7517 §4.7). The
// service never uses the certificate, so one it cannot read (no string of
// base64 DER first, refused by Go's X.509 parser, as a negative serial number
// is since Go 1.23, or with a key of an algorithm Go does not read) is
// ignored rather than costing the key.
func x5cHolds(raw json.RawMessage, pub *rsa.PublicKey) bool {
	// Only the first element is read: what follows it cannot excuse a
	// first certificate of another key. A lone string is read as the
	// first, for the same reason.
	first := raw
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		dec := lenientDecoder(t)
		if _, err := dec.ReadToken(); err != nil || dec.PeekKind() == ']' {
			return true
		}
		v, err := dec.ReadValue()
		if err != nil {
			return true
		}
		first = json.RawMessage(v)
	}
	leaf, ok := jwkJSONString(first)
	if !ok {
		return true
	}
	der, err := base64.StdEncoding.DecodeString(leaf)
	if err != nil {
		return true
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return true
	}
	switch certKey := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return sameKey(certKey, pub)
	case nil: // an algorithm Go does not read, RSASSA-PSS among them
		return true
	default:
		return false
	}
}

// jwkLeakedModulus returns the modulus of an entry with a private member,
// or nil when it has none to read.
func jwkLeakedModulus(raw []byte) *big.Int {
	obj, reason := jwkMembers(raw)
	if reason != "" {
		return nil
	}
	nb, ok := jwkBase64Field(obj["n"])
	if !ok {
		return nil
	}
	return new(big.Int).SetBytes(nb)
}

// dropLeaked drops every kept key whose modulus an entry with a private
// member gave away: whoever read the set can sign with it, under any kid.
func dropLeaked(keys map[string][]*rsa.PublicKey, leaked []*big.Int, rep *jwksReport) {
	if len(leaked) == 0 {
		return
	}
	for _, kid := range slices.Sorted(maps.Keys(keys)) { // sorted: the logged kids in a stable order
		kept := slices.DeleteFunc(keys[kid], func(k *rsa.PublicKey) bool {
			if slices.ContainsFunc(leaked, func(n *big.Int) bool { return n.Cmp(k.N) == 0 }) {
				rep.drop(jwkDropLeakedElsewhere, kid)
				return true
			}
			return false
		})
		if len(kept) == 0 {
			delete(keys, kid)
		} else {
			keys[kid] = kept
		}
	}
}

// jwkHasPrivateMember reports whether an entry holds any of RSA's private
// members (RFC 7518 §6.3.2), null counting as absent. Any of them gives the
// key away (dp alone factors n), and go-jose looks only at d.
func jwkHasPrivateMember(obj map[string]json.RawMessage) bool {
	for _, name := range []string{"d", "p", "q", "dp", "dq", "qi", "oth"} {
		if v, present := obj[name]; present && string(bytes.TrimSpace(v)) != "null" {
			return true
		}
	}
	return false
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
