package auth0

// Fuzzing the pre-parse checks, the only code that sees every attacker byte
// before anything else. Top-level names carry a "vtf" prefix: other test
// files of this package are written concurrently.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/example/messages-api/internal/ports"
)

func vtfB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// vtfToken is a compact JWS with a fixed, well-formed 256-byte "signature":
// precheck never verifies it.
func vtfToken(header, payload string) string {
	return vtfB64(header) + "." + vtfB64(payload) + "." + vtfB64(strings.Repeat("\x5a", 256))
}

const (
	vtfHeader  = `{"alg":"RS256","typ":"JWT","kid":"vt-key-1"}`
	vtfPayload = `{"iss":"https://vt-tenant.eu.auth0.com/","sub":"c@clients","aud":"https://api.vt.example/","iat":1700000000,"exp":1700086400,"scope":"read:messages"}`
)

// vtfDescriptionOK reports whether s uses only RFC 6750 error_description
// characters (%x20-21 / %x23-5B / %x5D-7E).
func vtfDescriptionOK(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// vtfHeaderStrings returns the string values (of 8 bytes or more) in the
// first two segments, decoded leniently: what an attacker chose to say.
func vtfHeaderStrings(raw string) []string {
	var out []string
	for i, seg := range strings.SplitN(raw, ".", 3) {
		if i == 2 {
			break
		}
		b, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			continue
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		for _, v := range m {
			if s, ok := v.(string); ok && len(s) >= 8 {
				out = append(out, s)
			}
		}
	}
	return out
}

func FuzzPrecheck(f *testing.F) {
	valid := vtfToken(vtfHeader, vtfPayload)
	seeds := []string{
		valid,
		vtfToken(`{"alg":"RS256","typ":"at+jwt","kid":"vt-key-1"}`, vtfPayload),
		vtfToken(`{"alg":"none","kid":"vt-key-1"}`, vtfPayload),
		vtfB64(`{"alg":"none"}`) + "." + vtfB64(vtfPayload) + ".",
		vtfToken(`{"alg":"HS256","kid":"vt-key-1"}`, vtfPayload),
		vtfToken(`{"alg":"RS256","alg":"none","kid":"vt-key-1"}`, vtfPayload),
		vtfToken(vtfHeader, `{"exp":1,"exp":9999999999}`),
		vtfToken(`{"alg":"RS256","kid":"vt-key-1","crit":["b64"],"b64":false}`, vtfPayload),
		vtfToken(`{"alg":"RS256","kid":"`+"\xff"+`"}`, vtfPayload),
		vtfToken(vtfHeader, `{"exp":"1700086400"}`),
		vtfToken(vtfHeader, `{"exp":null}`),
		vtfToken(`["RS256"]`, `null`),
		vtfToken(`{"alg":"RS256","kid":"../../etc/passwd","jku":"http://127.0.0.1:1/jwks"}`, vtfPayload),
		`{"payload":"e30","protected":"eyJhbGciOiJSUzI1NiJ9","signature":"AA"}`,
		valid + ".AAAA.AAAA",
		strings.Repeat(".", 64),
		valid + "=",
		"",
	}
	for _, s := range seeds {
		f.Add(s, "", "", false)
	}
	f.Add(vtfToken(`{"alg":"RS256","kid":"k","typ":"application/AT+JWT"}`, vtfPayload), "", "", true)
	f.Add(valid, "", "", true)
	// The JSON seeds reach the strict decoder directly.
	jsonSeeds := [][2]string{
		{vtfHeader, vtfPayload},
		{`{"alg":"RS256","kid":"k","crit":[]}`, `{"exp":1}`},
		{`{"alg":"RS256","kid":"k","ALG":"none","Kid":"x"}`, `{"exp":1,"EXP":"x","Exp":null}`},
		{`{"alg":"RS256","kid":"k","kid":"k"}`, `{"exp":1}`},
		{`{"alg":"\u0052S256","kid":"\ud800"}`, `{"exp":1e400}`},
		{` {"alg":"RS256","kid":"k"} `, `{"exp":-0,"aud":["a",null],"scope":null}`},
		{`{"alg":"RS256","kid":"k","typ":"at+jwt"}`, `{"exp":1,"nbf":"1","iat":true}`},
		{`{"alg":"RS256","kid":"k","typ":"at+jwt"}`, `{"exp":1,"iat":1,"sub":"s","jti":"j","client_id":""}`},
		{`{"alg":"RS256","kid":"k"}` + "\xff", `{"exp":1,"x":"` + "\xc0\xaf" + `"}`},
		{`{"alg":"RS256","kid":"k"}`, `{"exp":1}{"exp":2}`},
		{`{"alg":"RS256","kid":"k","typ":null}`, `{"exp":1,"permissions":["a",1]}`},
		{vtfHeader, strings.Replace(vtfPayload, "{", `{"x":"\ud83d","y":{"\udc00":["\ud800\u0041"]},`, 1)},
	}
	for _, j := range jsonSeeds {
		f.Add("", j[0], j[1], false)
		f.Add("", j[0], j[1], true)
	}

	f.Fuzz(func(t *testing.T, raw, headerJSON, payloadJSON string, requireAtJWT bool) {
		opts := precheckOptions{maxTokenBytes: DefaultMaxTokenBytes, requireAtJWT: requireAtJWT}
		inputs := []string{raw}
		if headerJSON != "" || payloadJSON != "" {
			inputs = append(inputs, vtfToken(headerJSON, payloadJSON))
		}
		for _, in := range inputs {
			tok, err := precheck(in, opts)
			if err != nil {
				vtfCheckRefusal(t, in, tok, err)
				continue
			}
			vtfCheckAccepted(t, in, tok, opts)
		}
	})
}

func vtfCheckRefusal(t *testing.T, raw string, tok *token, err error) {
	t.Helper()
	if tok != nil {
		t.Errorf("got a token and error %v, want a nil token with the error", err)
	}
	invalid, ok := err.(*ports.InvalidTokenError)
	if !ok {
		t.Fatalf("got error %v (%T), want *ports.InvalidTokenError", err, err)
	}
	var as *ports.InvalidTokenError
	if !errors.As(err, &as) || as != invalid {
		t.Errorf("got errors.As mismatch for %v", err)
	}
	if invalid.Reason == "" {
		t.Errorf("got an empty reason")
	}
	d := invalid.Description
	if d == "" || !vtfDescriptionOK(d) {
		t.Errorf("got description %q, want non-empty RFC 6750 error_description characters only", d)
	}
	if len(raw) >= 8 && strings.Contains(d, raw) {
		t.Errorf("got description %q, which contains the input", d)
	}
	for _, s := range vtfHeaderStrings(raw) {
		if strings.Contains(d, s) {
			t.Errorf("got description %q, which contains the token's value %q", d, s)
		}
	}
}

func vtfCheckAccepted(t *testing.T, raw string, tok *token, opts precheckOptions) {
	t.Helper()
	if tok == nil {
		t.Fatal("got a nil token and no error")
	}
	if len(raw) > opts.maxTokenBytes {
		t.Errorf("accepted %d bytes, want at most %d", len(raw), opts.maxTokenBytes)
	}
	if n := strings.Count(raw, "."); n != 2 {
		t.Errorf("accepted a token with %d dots, want exactly 2", n)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			t.Fatalf("accepted byte %q at %d, want only base64url and dots", c, i)
		}
	}
	h := tok.header
	if h.Alg != "RS256" {
		t.Errorf("accepted alg %q, want exactly RS256", h.Alg)
	}
	if h.Kid == nil || *h.Kid == "" || len(*h.Kid) > maxKidBytes {
		t.Errorf("accepted kid %v, want 1 to %d bytes", h.Kid, maxKidBytes)
	}
	if len(h.Crit) != 0 {
		t.Errorf("accepted crit %s, want none", h.Crit)
	}
	if opts.requireAtJWT && (h.Typ == nil || !typeAccepted(h.Typ, true)) {
		t.Errorf("accepted typ %v with requireAtJWT", h.Typ)
	}
	if tok.claims.Exp == nil || tok.claims.Iat == nil || tok.claims.Sub == nil || *tok.claims.Sub == "" {
		t.Error("accepted a token without exp, iat or sub")
	}
	if opts.requireAtJWT && (tok.claims.Jti == nil || *tok.claims.Jti == "" || tok.claims.ClientID.Kind() != '"' || string(tok.claims.ClientID) == `""`) {
		t.Errorf("accepted jti %v and client_id %s with requireAtJWT", tok.claims.Jti, tok.claims.ClientID)
	}
	segs := strings.Split(raw, ".")
	vtfCompareWithEncodingJSON(t, segs, tok)
	if tok.signingInput != segs[0]+"."+segs[1] {
		t.Errorf("got signing input %q, want the first two segments", tok.signingInput)
	}
	// Strict base64url: every segment is the canonical encoding of its bytes.
	for i, seg := range segs {
		b, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil || base64.RawURLEncoding.EncodeToString(b) != seg {
			t.Errorf("accepted non-canonical base64url in segment %d", i)
		}
		if i == 2 && string(b) != string(tok.signature) {
			t.Errorf("got signature %x, want the decoded third segment", tok.signature)
		}
	}
}

// vtfCompareWithEncodingJSON decodes what precheck accepted a second time,
// with encoding/json into maps (exact key match; duplicates were refused),
// and requires the same alg, kid, typ and exp: no parser differential.
func vtfCompareWithEncodingJSON(t *testing.T, segs []string, tok *token) {
	t.Helper()
	var header, payload map[string]any
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(segs[i])
		if err != nil {
			t.Fatalf("segment %d: %v", i, err)
		}
		if !utf8.Valid(b) {
			t.Errorf("accepted invalid UTF-8 in segment %d", i)
		}
		if err := json.Unmarshal(b, dst); err != nil || *dst == nil {
			t.Fatalf("accepted segment %d that encoding/json refuses as an object: %v", i, err)
		}
	}
	if alg, _ := header["alg"].(string); alg != tok.header.Alg {
		t.Errorf("encoding/json sees alg %v, precheck %q", header["alg"], tok.header.Alg)
	}
	if kid, _ := header["kid"].(string); kid != *tok.header.Kid {
		t.Errorf("encoding/json sees kid %v, precheck %q", header["kid"], *tok.header.Kid)
	}
	if typ, present := header["typ"]; (tok.header.Typ != nil) != (present && typ != nil) ||
		(tok.header.Typ != nil && typ != *tok.header.Typ) {
		t.Errorf("encoding/json sees typ %v, precheck %v", typ, tok.header.Typ)
	}
	if exp, _ := payload["exp"].(float64); exp != *tok.claims.Exp {
		t.Errorf("encoding/json sees exp %v, precheck %v", payload["exp"], *tok.claims.Exp)
	}
}

// precheck is what Verify runs before the key lookup: scan, then decode.
func precheck(raw string, opts precheckOptions) (*token, error) {
	dots, err := scan(raw, opts.maxTokenBytes)
	if err != nil {
		return nil, err
	}
	return decode(raw, dots, opts)
}
