package auth0

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzParseJWKS: parseJWKS never panics; a document encoding/json reads as
// an object with a "keys" array is never refused as a whole (its entries
// are judged one by one) unless it names "keys" twice; and every key kept is a 2048- to 8192-bit odd
// modulus with exponent 65537.
func FuzzParseJWKS(f *testing.F) {
	good, err := json.Marshal(jwk("good", keyA()))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`{"keys":[` + string(good) + `]}`,
		`{"keys":[` + string(good) + `,{"a":1,"a":2},"\ud800",1,null]}`,
		`{"keys":[` + string(bytes.Replace(good, []byte("{"), []byte(`{"d":"AQAB","d":null,`), 1)) + `]}`,
		`{"keys":[` + string(bytes.Replace(good, []byte("{"), []byte(`{"x5c":["AAAA",1],`), 1)) + `]}`,
		"{\"keys\":[{\"kid\":\"\xff\"}]}",
		`{"keys":[],"keys":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, _, err := parseJWKS(body)
		var doc map[string]json.RawMessage
		if errors.Is(err, errKeysTwice) {
			if n := topLevelNames(body, "keys"); n < 2 {
				t.Fatalf("parseJWKS(%q): got error %v, want it only for a document naming keys twice (it names it %d times)", body, err, n)
			}
			return
		}
		if err != nil && json.Unmarshal(body, &doc) == nil {
			if raw := bytes.TrimSpace(doc["keys"]); len(raw) > 0 && raw[0] == '[' {
				t.Fatalf("parseJWKS(%q): got error %v, want the document read", body, err)
			}
		}
		for kid, held := range keys {
			if len(held) == 0 || len(held) > maxKeysPerKid {
				t.Fatalf("kid %q: got %d keys, want 1 to %d", kid, len(held), maxKeysPerKid)
			}
			for _, k := range held {
				if bits := k.N.BitLen(); bits < minModulusBits || bits > maxModulusBits || k.N.Bit(0) == 0 || k.E != jwkExponent {
					t.Fatalf("kid %q: kept a %d-bit key with exponent %d", kid, bits, k.E)
				}
			}
		}
	})
}

// topLevelNames counts the members named name of the JSON object body.
func topLevelNames(body []byte, name string) (n int) {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return 0
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return n
		}
		if tok.String() == name {
			n++
		}
		if dec.SkipValue() != nil {
			return n
		}
	}
	return n
}
