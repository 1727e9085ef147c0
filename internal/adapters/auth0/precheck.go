package auth0

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/example/messages-api/internal/ports"
)

// Limits on attacker-controlled input, checked before any JOSE code runs.
const (
	// DefaultMaxTokenBytes caps a token; Auth0 access tokens are well under 2 KiB.
	DefaultMaxTokenBytes = 16 << 10
	// maxKidBytes bounds the key id; Auth0's are about 22 characters.
	maxKidBytes = 256
)

// token is a compact JWS that passed the pre-parse checks: its parts decoded
// strictly, here, for the gates (kid, exp, types, ranges); the library then
// parses its own copy (go-jose gives us no way to hand it ours).
type token struct {
	header       tokenHeader
	claims       tokenClaims
	signingInput string // header "." payload, as signed
	signature    []byte
}

type tokenHeader struct {
	Alg  string         `json:"alg"`
	Kid  *string        `json:"kid"`
	Typ  *string        `json:"typ"`
	Crit jsontext.Value `json:"crit"`
	// go-jose honours RFC 7797's b64: false even without crit, and then
	// verifies the signature over the raw payload: refused outright.
	B64 jsontext.Value `json:"b64"`
	// jwk, jku, x5u and x5c are never read: keys come only from the tenant.
}

type tokenClaims struct {
	Iss         string         `json:"iss"`
	Sub         *string        `json:"sub"`
	Jti         *string        `json:"jti"`       // read only so that a non-string is refused here, not by the library after a key lookup
	ClientID    jsontext.Value `json:"client_id"` // read as is: checked only under requireAtJWT, the library ignores it
	Aud         audience       `json:"aud"`
	Exp         *float64       `json:"exp"`
	Nbf         *float64       `json:"nbf"`
	Iat         *float64       `json:"iat"`
	Scope       string         `json:"scope"`
	Permissions stringArray    `json:"permissions"`
}

// stringArray is a JSON array of strings, null elements refused: the
// strict decoder and go-jose both read a null as "", which would make a
// permission nobody granted, and go-jose refuses it in aud only after the
// key lookup and the RSA check.
type stringArray []string

// UnmarshalJSONFrom reads the array with dec's own options, so that it is
// read as the rest of the object is (an escaped lone surrogate as U+FFFD).
func (a *stringArray) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var list []*string
	if err := json.UnmarshalDecode(dec, &list); err != nil {
		return err
	}
	if list == nil {
		*a = nil
		return nil
	}
	out := make(stringArray, len(list))
	for i, s := range list {
		if s == nil {
			return errNullElement
		}
		out[i] = *s
	}
	*a = out
	return nil
}

var errNullElement = errors.New("null in an array of strings")

// audience is the aud claim: one string or an array of strings (RFC 7519 §4.1.3).
type audience []string

// UnmarshalJSONFrom reads aud with dec's own options, as stringArray does.
func (a *audience) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == '"' {
		var s string
		if err := json.UnmarshalDecode(dec, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	var list stringArray
	if err := list.UnmarshalJSONFrom(dec); err != nil {
		return err
	}
	*a = audience(list)
	return nil
}

// checkRequired refuses a token without a claim RFC 9068 §2.2 requires and
// Auth0 puts in every access token: the library checks exp only when
// present, and takes a missing sub as an empty identity. Under
// requireAtJWT it also requires the two that only the RFC 9068 profile
// carries, jti and client_id, as non-empty strings (§2.2): a token typed
// at+jwt without them was not issued under that profile. Absent, null or
// empty is missing_claim; another JSON type, invalid_claim.
func (c *tokenClaims) checkRequired(requireAtJWT bool) error {
	switch {
	case c.Exp == nil:
		return ports.Invalid(ports.ReasonMissingClaim, "the token has no exp claim")
	case c.Sub == nil || *c.Sub == "":
		return ports.Invalid(ports.ReasonMissingClaim, "the token has no sub claim")
	case c.Iat == nil:
		return ports.Invalid(ports.ReasonMissingClaim, "the token has no iat claim")
	case !requireAtJWT:
		return nil
	case c.Jti == nil || *c.Jti == "":
		return ports.Invalid(ports.ReasonMissingClaim, "the token has no jti claim, which at+jwt tokens carry (RFC 9068)")
	case c.ClientID.Kind() == '"' && len(c.ClientID) > len(`""`): // a non-empty string: required and present
	case len(c.ClientID) == 0 || c.ClientID.Kind() == 'n' || c.ClientID.Kind() == '"':
		return ports.Invalid(ports.ReasonMissingClaim, "the token has no client_id claim, which at+jwt tokens carry (RFC 9068)")
	default: // present, of the wrong type: as jti or sub would be
		return ports.Invalid(ports.ReasonInvalidClaim, "the client_id claim has the wrong type")
	}
	return nil
}

// maxNumericDate is the largest NumericDate the library handles: go-jose
// converts them to int64 seconds, and beyond that a far-future date wraps
// into the past (a huge nbf or iat would pass, a huge exp would read as
// expired).
const maxNumericDate = float64(1 << 62)

// checkRange refuses the NumericDates the library would misread, with the
// reason it should have given.
func (c *tokenClaims) checkRange() error {
	switch {
	case c.Nbf != nil && *c.Nbf > maxNumericDate:
		return errNotYetValid
	case c.Iat != nil && *c.Iat > maxNumericDate:
		return errIssuedInFuture
	case *c.Exp > maxNumericDate:
		return ports.Invalid(ports.ReasonInvalidClaim, "the exp claim is beyond the dates this service handles")
	}
	return nil
}

// precheckOptions are the knobs of the pre-parse checks.
type precheckOptions struct {
	maxTokenBytes int
	requireAtJWT  bool // RFC 9068 profile: typ must be at+jwt
}

var segmentEncoding = base64.RawURLEncoding.Strict()

// scan and decode are the pre-parse checks: together they refuse anything
// that is not a small compact JWS of two strict JSON objects, signed with
// RS256 under a kid, in microseconds and before any key lookup or RSA
// operation. Their errors are *ports.InvalidTokenError.

// tokenBytes classifies each byte for scan: a table lookup per byte, since
// scan runs on every request, cache hits included.
var tokenBytes = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			t[c] = base64URL
		case c == '.':
			t[c] = dot
		}
	}
	return t
}()

const (
	invalidByte = iota
	base64URL
	dot
)

// scan checks the token's shape without decoding anything: its length, the
// base64url alphabet and exactly two dots, whose positions it returns. It
// stops at the first offending byte, so a dot flood costs nothing.
func scan(raw string, maxTokenBytes int) ([2]int, error) {
	var dots [2]int
	if raw == "" {
		return dots, ports.Invalid(ports.ReasonMalformed, "the token is empty")
	}
	if len(raw) > maxTokenBytes {
		return dots, ports.Invalid(ports.ReasonTooLarge, "the token is larger than allowed")
	}
	if raw[0] == '{' {
		return dots, ports.Invalid(ports.ReasonMalformed, "only the JWS compact serialization is accepted")
	}
	n := 0
	for i := 0; i < len(raw); i++ {
		switch tokenBytes[raw[i]] {
		case base64URL:
		case dot:
			if n == 4 { // past a JWE's five parts: stop here, so a dot flood costs nothing
				return dots, errParts
			}
			if n < 2 {
				dots[n] = i
			}
			n++
		default:
			return dots, ports.Invalid(ports.ReasonMalformed, "the token has characters outside the base64url alphabet")
		}
	}
	switch n {
	case 2:
	case 0:
		return dots, errOpaque
	case 4:
		return dots, errEncrypted
	default:
		return dots, errParts
	}
	if dots[0] == 0 || dots[1] == dots[0]+1 || dots[1] == len(raw)-1 {
		return dots, ports.Invalid(ports.ReasonMalformed, "a token part is empty")
	}
	return dots, nil
}

// The refusals of a token's shape. Auth0 issues an opaque or an encrypted
// (JWE, RFC 7516 §7.1: five parts) access token, meant for its own
// /userinfo, when the token request names no audience: the most common
// reason a caller sends one, so the description says what to change.
var (
	errParts     = ports.Invalid(ports.ReasonMalformed, "a token has exactly three dot-separated parts")
	errOpaque    = ports.Invalid(ports.ReasonMalformed, "the token is opaque, not a JWT: Auth0 issues one when the token request names no audience; request the token with audience set to this API's identifier")
	errEncrypted = ports.Invalid(ports.ReasonMalformed, "the token is encrypted (JWE, five parts), not a signed JWT: Auth0 issues one when the token request names no audience; request the token with audience set to this API's identifier")
)

// decode decodes a scanned token's parts strictly and checks its header.
func decode(raw string, dots [2]int, opts precheckOptions) (*token, error) {
	h, p, s := raw[:dots[0]], raw[dots[0]+1:dots[1]], raw[dots[1]+1:]
	t := &token{signingInput: raw[:dots[1]]}
	// One buffer for the three decoded parts: the token is already capped.
	enc := segmentEncoding
	buf := make([]byte, enc.DecodedLen(len(h))+enc.DecodedLen(len(p))+enc.DecodedLen(len(s)))
	n, err := enc.Decode(buf, []byte(h))
	if err != nil {
		return nil, ports.Invalid(ports.ReasonMalformed, "the token header is not base64url")
	}
	headerJSON, buf := buf[:n:n], buf[n:]
	if err := decodeObject(headerJSON, &t.header); err != nil {
		return nil, jsonError("header", err)
	}
	if err := t.header.check(opts); err != nil {
		return nil, err
	}
	if n, err = enc.Decode(buf, []byte(p)); err != nil {
		return nil, ports.Invalid(ports.ReasonMalformed, "the token payload is not base64url")
	}
	payloadJSON, buf := buf[:n:n], buf[n:]
	if err := decodeObject(payloadJSON, &t.claims); err != nil {
		return nil, jsonError("payload", err)
	}
	if err := t.claims.checkRequired(opts.requireAtJWT); err != nil {
		return nil, err
	}
	if err := t.claims.checkRange(); err != nil {
		return nil, err
	}
	if n, err = enc.Decode(buf, []byte(s)); err != nil {
		return nil, ports.Invalid(ports.ReasonMalformed, "the token signature is not base64url")
	}
	t.signature = buf[:n:n]
	return t, nil
}

func (h *tokenHeader) check(opts precheckOptions) error {
	if h.Alg != "RS256" {
		return ports.Invalid(ports.ReasonUnsupportedAlgorithm, "only RS256 is accepted")
	}
	if len(h.Crit) > 0 {
		return ports.Invalid(ports.ReasonUnsupportedHeader, "the crit header is not supported")
	}
	if len(h.B64) > 0 {
		return ports.Invalid(ports.ReasonUnsupportedHeader, "the b64 header is not supported")
	}
	if h.Kid == nil || *h.Kid == "" || len(*h.Kid) > maxKidBytes {
		return ports.Invalid(ports.ReasonMissingKeyID, "the token header needs a kid of 1 to 256 bytes")
	}
	if !typeAccepted(h.Typ, opts.requireAtJWT) {
		if opts.requireAtJWT {
			return ports.Invalid(ports.ReasonUnsupportedType, "the token typ must be at+jwt")
		}
		return ports.Invalid(ports.ReasonUnsupportedType, "the token typ must be JWT or at+jwt")
	}
	return nil
}

// typeAccepted follows RFC 9068 §4: media types compare case-insensitively
// and may omit the "application/" prefix.
func typeAccepted(typ *string, requireAtJWT bool) bool {
	if typ == nil {
		return !requireAtJWT
	}
	t := strings.ToLower(*typ)
	t = strings.TrimPrefix(t, "application/")
	if t == "at+jwt" {
		return true
	}
	return !requireAtJWT && t == "jwt"
}

// decodeObject decodes a JSON object strictly: duplicate member names and
// invalid UTF-8 are errors, names match case-sensitively, nothing may follow.
// An escaped lone surrogate ("\ud83d") is no UTF-8 error: JavaScript writes
// one for a string cut mid-emoji, so an Auth0 Action's custom claim can hold
// one; it reads as U+FFFD, as go-jose reads it.
func decodeObject(data []byte, v any) error {
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return errNotObject
	}
	// AllowInvalidUTF8 lets escaped lone surrogates through, and raw
	// invalid UTF-8 too: utf8.Valid refuses that first (RFC 8725 §3.7).
	if !utf8.Valid(data) {
		return errInvalidUTF8
	}
	return json.Unmarshal(data, v, jsontext.AllowInvalidUTF8(true))
}

var (
	errNotObject   = errors.New("not a JSON object")
	errInvalidUTF8 = errors.New("invalid UTF-8")
)

// jsonError turns a strict-decoding failure into a specific reason. Only our
// own member names appear in a description, never token content.
func jsonError(part string, err error) error {
	var semantic *json.SemanticError
	switch {
	case errors.Is(err, errNotObject):
		return ports.Invalid(ports.ReasonMalformed, "the token "+part+" is not a JSON object")
	case errors.Is(err, jsontext.ErrDuplicateName):
		return ports.Invalid(ports.ReasonMalformed, "the token "+part+" repeats a member name")
	case errors.Is(err, errInvalidUTF8):
		return ports.Invalid(ports.ReasonMalformed, "the token "+part+" is not valid UTF-8")
	case errors.As(err, &semantic):
		name := knownMember(string(semantic.JSONPointer))
		// A number no float64 holds (1e400) is of the right type: saying
		// "wrong type" would send its issuer looking for a string.
		if part == "payload" && name != "" && semantic.JSONKind == '0' && semantic.GoType != nil && semantic.GoType.Kind() == reflect.Float64 {
			return ports.Invalid(ports.ReasonInvalidClaim, "the "+name+" claim is a number out of range")
		}
		if part == "payload" && name != "" {
			return ports.Invalid(ports.ReasonInvalidClaim, "the "+name+" claim has the wrong type")
		}
		if name != "" {
			return ports.Invalid(ports.ReasonMalformed, "the "+name+" header has the wrong type")
		}
		return ports.Invalid(ports.ReasonMalformed, "the token "+part+" has a member of the wrong type")
	default:
		return ports.Invalid(ports.ReasonMalformed, "the token "+part+" is not valid JSON")
	}
}

// knownMember returns the top-level member a JSON pointer points into, if it
// is one we decode; anything else could be attacker-chosen text.
func knownMember(pointer string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(pointer, "/"), "/")
	switch name {
	case "alg", "kid", "typ", "crit", "b64", "iss", "sub", "jti", "aud", "exp", "nbf", "iat", "scope", "permissions":
		return name
	}
	return ""
}
