package auth0

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// TestParseJWKSEntryShapes: entries whose members hide a private member or
// a certificate of another key behind a duplicate name or an odd x5c shape.
func TestParseJWKSEntryShapes(t *testing.T) {
	t.Parallel()
	entry := func(extra string) json.RawMessage {
		b, err := json.Marshal(jwk("odd", keyB()))
		if err != nil {
			t.Fatal(err)
		}
		return json.RawMessage(strings.Replace(string(b), "{", "{"+extra, 1))
	}
	d := `"` + b64u(ksTestKeys()[1].D.Bytes()) + `"`
	certB := `"` + base64.StdEncoding.EncodeToString(certDER(t, ksTestKeys()[1], false)) + `"`
	certC := `"` + base64.StdEncoding.EncodeToString(certDER(t, ksTestKeys()[2], false)) + `"`
	tests := []struct {
		name        string
		entry       json.RawMessage
		wantKept    bool
		wantReasons string
	}{
		// RFC 7517 §4: a parser rejects duplicate member names or reads the
		// last; the last would hide a leaked private key or another x5c.
		{"d then d null", entry(`"d":` + d + `,"d":null,`), false, "duplicate_member=1"},
		{"d then an escaped d null", entry(`"d":` + d + `,"\u0064":null,`), false, "duplicate_member=1"},
		{"x5c of another key then of the key", entry(`"x5c":[` + certC + `],"x5c":[` + certB + `],`), false, "duplicate_member=1"},
		{"kid twice", entry(`"kid":"other",`), false, "duplicate_member=1"},
		{"duplicate inside a member's value is the member's affair", entry(`"ext":{"a":1,"a":2},`), true, ""},
		{"d null alone", entry(`"d":null,`), true, ""},
		// An empty string gives nothing away: serializers write it for a
		// public key's absent fields.
		{"d empty string", entry(`"d":"",`), true, ""},
		{"every private member an empty string", entry(`"d":"","p":"","q":"","dp":"","dq":"","qi":"",`), true, ""},
		{"d empty string beside a real p", entry(`"d":"","p":"AQAB",`), false, "private_key=1"},
		{"d empty array", entry(`"d":[],`), true, ""},
		{"oth empty array", entry(`"oth":[],`), true, ""},
		{"oth empty object", entry(`"oth":{ },`), true, ""},
		{"oth of one empty object", entry(`"oth":[{}],`), false, "private_key=1"},
		// x5c: the first certificate, when Go reads it, must hold the key,
		// whatever follows it in the array.
		{"x5c of another key followed by a number", entry(`"x5c":[` + certC + `,1],`), false, "x5c_other_key=1"},
		{"x5c of another key followed by an object", entry(`"x5c":[` + certC + `,{}],`), false, "x5c_other_key=1"},
		{"x5c of the key followed by a number", entry(`"x5c":[` + certB + `,1],`), true, ""},
		{"x5c a string of another key's certificate", entry(`"x5c":` + certC + `,`), false, "x5c_other_key=1"},
		{"x5c first a number", entry(`"x5c":[1,` + certC + `],`), true, ""},
		{"x5c an object", entry(`"x5c":{"0":` + certC + `},`), true, ""},
		{"x5c null", entry(`"x5c":null,`), true, ""},
		{"x5c [null]", entry(`"x5c":[null],`), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, rep, err := parseJWKS(jwksJSON(jwk("good", keyA()), tt.entry))
			if err != nil {
				t.Fatalf("parseJWKS: got error %v, want nil", err)
			}
			if got := keys["odd"] != nil; got != tt.wantKept {
				t.Errorf("entry kept: got %v, want %v", got, tt.wantKept)
			}
			if keys["good"] == nil {
				t.Errorf("good key: got none, want it kept")
			}
			if got := rep.reasonSummary(); got != tt.wantReasons {
				t.Errorf("reasons: got %q, want %q", got, tt.wantReasons)
			}
		})
	}
}

// TestParseJWKSLeakedKey: an entry with a private member gives its key
// away, so no entry of the set may have that key trusted, whatever its kid,
// use or alg, and wherever it stands in the set.
func TestParseJWKSLeakedKey(t *testing.T) {
	t.Parallel()
	priv := ksTestKeys()[1]
	d := b64u(priv.D.Bytes())
	noN := with(jwk("priv", keyB()), "n", nil, "e", nil)
	p := b64u(priv.Primes[0].Bytes())
	phi := new(big.Int).Mul(new(big.Int).Sub(priv.Primes[0], big.NewInt(1)), new(big.Int).Sub(priv.Primes[1], big.NewInt(1)))
	q := func(s string) string { return `"` + s + `"` }
	tests := []struct {
		name        string
		entries     []any
		wantKept    []string
		wantReasons string
	}{
		{"private entry after the public one", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"private entry before the public one", []any{with(jwk("priv", keyB()), "d", d), jwk("pub", keyB())},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"private entry under the same kid", []any{jwk("pub", keyB()), with(jwk("pub", keyB()), "dp", b64u(priv.Precomputed.Dp.Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"private entry for encryption", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "use", "enc", "alg", "RSA-OAEP", "p", b64u(priv.Primes[0].Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"private entry with a zero-prefixed modulus", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "n", b64u(append([]byte{0}, keyB().N.Bytes()...)), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"private entry without kid", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "kid", nil, "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// The private half is given away however the modulus is written:
		// padded or in the standard alphabet (RFC 4648 §4), or only as its
		// factors p and q.
		{"private entry with a padded modulus", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "n", base64.URLEncoding.EncodeToString(keyB().N.Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"private entry with a standard-base64 modulus", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "n", base64.StdEncoding.EncodeToString(keyB().N.Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// Named twice, a private member still gives the key away, though the
		// entry is dropped as a duplicate first.
		{"private entry with d null after d", []any{jwk("pub", keyB()), dupMember(with(jwk("priv", keyB()), "d", d), `"d":null`)},
			[]string{"good"}, "duplicate_member=1 private_key_elsewhere=1"},
		{"private entry with kid twice", []any{jwk("pub", keyB()), dupMember(with(jwk("priv", keyB()), "d", d), `"kid":"other"`)},
			[]string{"good"}, "duplicate_member=1 private_key_elsewhere=1"},
		{"public entry with kid twice gives nothing away", []any{jwk("pub", keyB()), dupMember(jwk("priv", keyB()), `"kid":"other"`)},
			[]string{"good", "pub"}, "duplicate_member=1"},
		{"private entry with p and q and no modulus", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "n", nil, "p", b64u(priv.Primes[0].Bytes()), "q", b64u(priv.Primes[1].Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// Without a readable modulus, each private member is matched to
		// the key it belongs to: a prime divides its modulus, and d, dp
		// and dq invert e modulo n, p and q.
		{"d alone", []any{jwk("pub", keyB()), with(noN, "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d with an unreadable modulus", []any{jwk("pub", keyB()), with(noN, "n", "!!", "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d with a null modulus", []any{jwk("pub", keyB()), with(noN, "n", json.RawMessage("null"), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d alone, standard base64", []any{jwk("pub", keyB()), with(noN, "d", base64.StdEncoding.EncodeToString(priv.D.Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d alone, before the public entry", []any{with(noN, "d", d), jwk("pub", keyB())},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d alone, named twice", []any{jwk("pub", keyB()), dupMember(with(noN, "d", d), `"d":null`)},
			[]string{"good"}, "duplicate_member=1 private_key_elsewhere=1"},
		{"dp alone", []any{jwk("pub", keyB()), with(noN, "dp", b64u(priv.Precomputed.Dp.Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"dq alone", []any{jwk("pub", keyB()), with(noN, "dq", b64u(priv.Precomputed.Dq.Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"p alone", []any{jwk("pub", keyB()), with(noN, "p", b64u(priv.Primes[0].Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"q alone", []any{jwk("pub", keyB()), with(noN, "q", b64u(priv.Primes[1].Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"a prime in oth", []any{jwk("pub", keyB()), with(noN, "oth", []any{map[string]any{"r": b64u(priv.Primes[1].Bytes())}})},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d with x5c and no modulus", []any{jwk("pub", keyB()), with(noN, "x5c", []string{base64.StdEncoding.EncodeToString(certDER(t, priv, false))}, "d", json.RawMessage(`"x"`))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// What gives no key away, or another key, costs none.
		{"qi alone", []any{jwk("pub", keyB()), with(noN, "qi", b64u(priv.Precomputed.Qinv.Bytes()))},
			[]string{"good", "pub"}, "private_key=1"},
		{"d of another key alone", []any{jwk("pub", keyB()), with(noN, "d", b64u(ksTestKeys()[2].D.Bytes()))},
			[]string{"good", "pub"}, "private_key=1"},
		{"p of another key alone", []any{jwk("pub", keyB()), with(noN, "p", b64u(ksTestKeys()[2].Primes[0].Bytes()))},
			[]string{"good", "pub"}, "private_key=1"},
		{"p of one", []any{jwk("pub", keyB()), with(noN, "p", b64u([]byte{1}))},
			[]string{"good", "pub"}, "private_key=1"},
		{"d of one", []any{jwk("pub", keyB()), with(noN, "d", b64u([]byte{1}))},
			[]string{"good", "pub"}, "private_key=1"},
		{"d of zero", []any{jwk("pub", keyB()), with(noN, "d", b64u([]byte{0}))},
			[]string{"good", "pub"}, "private_key=1"},
		{"d longer than any modulus", []any{jwk("pub", keyB()), with(noN, "d", b64u(bytes.Repeat([]byte{0xff}, 1100)))},
			[]string{"good", "pub"}, "private_key=1"},
		// A modulus beside the exponent does not vouch for it: an exponent
		// of another key is matched to that key, however the modulus is
		// written.
		{"d beside another key's modulus", []any{jwk("pub", keyB()), with(jwk("priv", keyC()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside a zero modulus", []any{jwk("pub", keyB()), with(noN, "n", "AA", "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside an even modulus", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Add(keyB().N, big.NewInt(1)).Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside its modulus in hex", []any{jwk("pub", keyB()), with(noN, "n", keyB().N.Text(16), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside its modulus cut short", []any{jwk("pub", keyB()), with(noN, "n", b64u(keyB().N.Bytes()[:200]), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside a multiple of its modulus", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Mul(keyB().N, keyC().N).Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"dp beside a multiple of its prime", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Mul(priv.Primes[0], keyC().N).Bytes()), "dp", b64u(priv.Precomputed.Dp.Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside two moduli given as primes of their product", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Mul(keyB().N, keyC().N).Bytes()),
			"p", b64u(keyB().N.Bytes()), "q", b64u(keyC().N.Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// A private exponent of n is one of each of its divisors: n = 3·N_B
		// with p = 3 shows d_B to be n's own by congruence, and gives B away.
		{"d beside a small multiple of its modulus, as primes", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Mul(keyB().N, big.NewInt(3)).Bytes()),
			"p", b64u([]byte{3}), "q", b64u(keyB().N.Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside a small multiple of its modulus", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Mul(keyB().N, big.NewInt(3)).Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"a multiple of the modulus beside another key's d", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Mul(keyB().N, keyC().N).Bytes()), "d", b64u(ksTestKeys()[2].D.Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// What signs as B however it is dressed: primes that make d_B look
		// like another modulus's own, d_B plus a multiple of φ(N_B), dp_B
		// plus a multiple of p_B − 1.
		{"d beside a multiple of another modulus, as primes", []any{jwk("pub", keyB()), with(noN, "n", b64u(new(big.Int).Mul(keyC().N, big.NewInt(3)).Bytes()),
			"p", b64u([]byte{3}), "q", b64u(keyC().N.Bytes()), "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d plus a multiple of phi", []any{jwk("pub", keyB()), with(noN, "d", b64u(new(big.Int).Add(priv.D, new(big.Int).Lsh(phi, 2)).Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"dp plus a multiple of p-1", []any{jwk("pub", keyB()), with(noN, "dp", b64u(new(big.Int).Add(priv.Precomputed.Dp,
			new(big.Int).Lsh(new(big.Int).Sub(priv.Primes[0], big.NewInt(1)), 1100)).Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// Another kty's label does not hide an RSA member beside it.
		{"kty EC with the key's n and d", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "kty", "EC", "d", d)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"kty rsa in lower case with d alone", []any{jwk("pub", keyB()), with(noN, "kty", "rsa", "d", d, "p", p)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		// A serializer writing absent members as "" after a real d.
		{"d, then p and q empty", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "d", d, "p", "", "q", "")},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d alone, line-wrapped", []any{jwk("pub", keyB()), with(noN, "d", d[:100]+"\r\n "+d[100:])},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"d beside its own modulus gives nothing more away", []any{jwk("pub", keyB()), with(jwk("priv", keyC()), "d", b64u(ksTestKeys()[2].D.Bytes()))},
			[]string{"good", "pub"}, "private_key=1"},
		// oth (RFC 7518 §6.3.2.7) is read element by element, as an entry
		// is: a later or differently cased member hides no prime.
		{"oth prime hidden by a later R", []any{jwk("pub", keyB()), rawEntry(`{"kid":"x","oth":[{"r":` + q(p) + `,"R":null}]}`)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"oth prime named twice", []any{jwk("pub", keyB()), rawEntry(`{"kid":"x","oth":[{"r":` + q(p) + `,"r":null}]}`)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"oth prime after a number", []any{jwk("pub", keyB()), rawEntry(`{"kid":"x","oth":[1,{"r":` + q(p) + `}]}`)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"oth as one object", []any{jwk("pub", keyB()), rawEntry(`{"kid":"x","oth":{"r":` + q(p) + `}}`)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"oth element with its d alone", []any{jwk("pub", keyB()), rawEntry(`{"kid":"x","oth":[{"d":` + q(b64u(priv.Precomputed.Dp.Bytes())) + `}]}`)},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"x5c in base64url beside qi", []any{jwk("pub", keyB()), with(noN, "x5c", []string{b64u(certDER(t, priv, false))}, "qi", b64u(priv.Precomputed.Qinv.Bytes()))},
			[]string{"good"}, "private_key=1 private_key_elsewhere=1"},
		{"private member null", []any{jwk("pub", keyB()), with(jwk("priv", keyB()), "d", json.RawMessage("null"))},
			[]string{"good", "priv", "pub"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParsed(t, jwksJSON(append([]any{jwk("good", keyA())}, tt.entries...)...), tt.wantKept, tt.wantReasons)
		})
	}
}

// dupMember is entry as JSON with member (`"name":value`) added after all
// of its own: a member named twice when entry has that name.
func dupMember(entry map[string]any, member string) json.RawMessage {
	b, err := json.Marshal(entry)
	if err != nil {
		panic(err)
	}
	return json.RawMessage(string(b[:len(b)-1]) + "," + member + "}")
}

// rawEntry is an entry written as JSON, for shapes a map cannot hold.
func rawEntry(s string) json.RawMessage { return json.RawMessage(s) }
