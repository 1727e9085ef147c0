package auth0

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseJWKS: parseJWKS never panics; a document encoding/json reads as
// an object with a "keys" array is never refused as a whole (its entries
// are judged one by one); and every key kept is a 2048- to 8192-bit odd
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
