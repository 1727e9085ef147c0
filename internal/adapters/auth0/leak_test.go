package auth0

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestParseJWKSLeakWorkBound: matching private exponents published without
// a modulus costs an exponentiation per key, so one JWKS spends at most
// maxLeakWork on them, and a key the bound leaves unchecked is dropped
// rather than trusted. Keys are checked in kid order.
func TestParseJWKSLeakWorkBound(t *testing.T) {
	t.Parallel()
	other := ksTestKeys()[2].D // keyC's, and distinct values next to it: matches neither key below
	tests := []struct {
		name        string
		lone        int // entries with a lone d
		wantKept    []string
		wantReasons string
	}{
		{"within the bound for both keys", maxLeakWork / 2, []string{"good", "pub"}, "private_key=" + strconv.Itoa(maxLeakWork/2)},
		{"past the bound at the second key", maxLeakWork/2 + 1, []string{"good"}, "private_key=" + strconv.Itoa(maxLeakWork/2+1) + " private_key_unchecked=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := []any{jwk("good", keyA()), jwk("pub", keyB())}
			for i := range tt.lone {
				entries = append(entries, map[string]any{"kid": "lone", "d": b64u(new(big.Int).Add(other, big.NewInt(int64(i))).Bytes())})
			}
			wantParsed(t, jwksJSON(entries...), tt.wantKept, tt.wantReasons)
		})
	}
}

// TestParseJWKSLeakWorkBoundPerKey: a key whose checks cost more than is
// left of maxLeakWork is dropped unchecked, but cheaper checks of the keys
// after it are still paid for: one large key costs no small one. The
// 8192-bit moduli are any odd numbers; parseJWKS does not factor them.
func TestParseJWKSLeakWorkBoundPerKey(t *testing.T) {
	t.Parallel()
	big8192 := func() *rsa.PublicKey {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 8191))
		if err != nil {
			t.Fatal(err)
		}
		return &rsa.PublicKey{N: n.SetBit(n, 8191, 1).SetBit(n, 0, 1), E: jwkExponent}
	}
	c := ksTestKeys()[2]
	leaked := with(jwk("leaked", &c.PublicKey), "d", b64u(c.D.Bytes()), "p", b64u(c.Primes[0].Bytes()), "q", b64u(c.Primes[1].Bytes()),
		"dp", b64u(c.Precomputed.Dp.Bytes()), "dq", b64u(c.Precomputed.Dq.Bytes()))
	tests := []struct {
		name        string
		large       int // 8192-bit keys, under kids sorting first: each costs 48 units
		wantKept    []string
		wantReasons string
	}{
		{"beside one 8192-bit key", 1, []string{"a0", "b", "c"}, "private_key=1"},
		{"beside two 8192-bit keys", 2, []string{"a0", "b", "c"}, "private_key=1 private_key_unchecked=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := []any{jwk("b", keyA()), jwk("c", keyB()), leaked}
			for i := range tt.large {
				entries = append(entries, jwk("a"+strconv.Itoa(i), big8192()))
			}
			wantParsed(t, jwksJSON(entries...), tt.wantKept, tt.wantReasons)
		})
	}
}

// TestParseJWKSLeakValueBound: each private value costs a decoding and a
// division or comparison per kept key, so one JWKS is read for at most
// maxLeakValues of them; past that no key is cleared, and each is dropped
// unchecked.
func TestParseJWKSLeakValueBound(t *testing.T) {
	t.Parallel()
	// Odd numbers from 3, each as a member p: none divides a key's
	// modulus, a product of two large primes.
	primes := func(n int) json.RawMessage {
		var b strings.Builder
		b.WriteString(`{"kid":"x"`)
		for i := range n {
			b.WriteString(`,"p":"` + b64u(big.NewInt(int64(3+2*i)).Bytes()) + `"`)
		}
		b.WriteString("}")
		return json.RawMessage(b.String())
	}
	tests := []struct {
		name        string
		entry       json.RawMessage
		wantKept    []string
		wantReasons string
	}{
		{"as many primes as the bound", primes(maxLeakValues), []string{"good", "pub"}, "duplicate_member=1"},
		{"one past the bound", primes(maxLeakValues + 1), nil, "duplicate_member=1 private_key_unchecked=2"},
		{"oth of a hundred thousand tiny primes", json.RawMessage(`{"kid":"x","oth":[` + strings.Repeat(`{"r":"Aw"},`, 100_000) + `{"r":"Aw"}]}`),
			nil, "private_key=1 private_key_unchecked=2"},
		{"oth of a hundred thousand empty elements", json.RawMessage(`{"kid":"x","oth":[` + strings.Repeat(`{},`, 100_000) + `{}]}`),
			nil, "private_key=1 private_key_unchecked=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantParsed(t, jwksJSON(jwk("good", keyA()), jwk("pub", keyB()), tt.entry), tt.wantKept, tt.wantReasons)
		})
	}
}

// TestParseJWKSLeakPastEntryBound: entries past maxJWKSEntries are not
// decoded, but one that gives a key away gives it away there too.
func TestParseJWKSLeakPastEntryBound(t *testing.T) {
	t.Parallel()
	d := b64u(ksTestKeys()[1].D.Bytes())
	tests := []struct {
		name        string
		last        string // the entry past the bound
		wantKept    []string
		wantReasons string
	}{
		{"a private entry", entry(with(jwk("priv", keyB()), "d", d)), []string{"good"},
			"private_key_elsewhere=1 too_many_entries=1"},
		{"a private member's name escaped", `{"kid":"priv","\u0064":"` + d + `"}`, []string{"good"},
			"private_key_elsewhere=1 too_many_entries=1"},
		{"a public entry", entry(jwk("more", keyC())), []string{"good", "pub"}, "too_many_entries=1"},
		{"an empty entry", `{}`, []string{"good", "pub"}, "too_many_entries=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := []any{jwk("good", keyA()), jwk("pub", keyB())}
			for len(entries) < maxJWKSEntries {
				entries = append(entries, jwk("good", keyA())) // identical: counted once
			}
			body := jwksJSON(append(entries, json.RawMessage(tt.last))...)
			keys, rep, err := parseJWKS(body)
			if err != nil {
				t.Fatalf("parseJWKS: got error %v, want nil", err)
			}
			if got := slices.Sorted(maps.Keys(keys)); !slices.Equal(got, tt.wantKept) {
				t.Errorf("kept: got %v, want %v", got, tt.wantKept)
			}
			delete(rep.reasons, jwkDropIdentical)
			if got := rep.reasonSummary(); got != tt.wantReasons {
				t.Errorf("reasons: got %q, want %q", got, tt.wantReasons)
			}
		})
	}
}

// ecKeys is n P-256 private JWKs of distinct d.
func ecKeys(n int) []any {
	var keys []any
	for i := range n {
		keys = append(keys, map[string]any{"kty": "EC", "crv": "P-256", "kid": "ec" + strconv.Itoa(i),
			"x": b64u(make([]byte, 32)), "y": b64u(make([]byte, 32)), "d": b64u(big.NewInt(int64(1_000_003 + 2*i)).Bytes())})
	}
	return keys
}

var leakTestKey4096 = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		panic(err)
	}
	return k
})

// TestParseJWKSLeakedKeyCostsNoOther: a leaked private JWK gives its own
// key away and no other: checking its d, dp and dq against the other keys
// costs a few units of maxLeakWork, however often it is published and
// whatever its size, and an EC key's d none.
func TestParseJWKSLeakedKeyCostsNoOther(t *testing.T) {
	t.Parallel()
	full := func(k *rsa.PrivateKey) map[string]any {
		return with(jwk("leaked", &k.PublicKey), "d", b64u(k.D.Bytes()), "p", b64u(k.Primes[0].Bytes()), "q", b64u(k.Primes[1].Bytes()),
			"dp", b64u(k.Precomputed.Dp.Bytes()), "dq", b64u(k.Precomputed.Dq.Bytes()), "qi", b64u(k.Precomputed.Qinv.Bytes()))
	}
	dOnly := func(k *rsa.PrivateKey) map[string]any {
		return with(jwk("leaked", &k.PublicKey), "d", b64u(k.D.Bytes()))
	}
	big4096, b := leakTestKey4096(), ksTestKeys()[1]
	tests := []struct {
		name        string
		entries     []any
		wantReasons string
	}{
		{"a 4096-bit private JWK, three times", []any{full(big4096), full(big4096), full(big4096)}, "private_key=3"},
		{"a 4096-bit d beside its n", []any{dOnly(big4096)}, "private_key=1"},
		{"a 4096-bit d beside its n, three times", []any{dOnly(big4096), dOnly(big4096), dOnly(big4096)}, "private_key=3"},
		{"a 2048-bit private JWK, eight times", slices.Repeat([]any{full(b)}, 8), "private_key=8"},
		{"forty EC private keys", ecKeys(40), "private_key=40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantParsed(t, jwksJSON(append([]any{jwk("good", keyA()), jwk("other", keyC())}, tt.entries...)...), []string{"good", "other"}, tt.wantReasons)
		})
	}
}

// nested is inner inside depth objects, each its member "a".
func nested(depth int, inner string) string {
	return strings.Repeat(`{"a":`, depth) + inner + strings.Repeat(`}`, depth)
}

// TestLeaksAddDocument: every object of a body that names a private member
// is read for what it gives away, wherever it stands, whole or cut short,
// and a body of them nested deep costs a bounded read, not its size
// squared; text that only looks like one is not read.
func TestLeaksAddDocument(t *testing.T) {
	t.Parallel()
	dA := b64u(ksTestKeys()[0].D.Bytes())
	private := `{"kid":"x","d":"` + dA + `"}`
	tests := []struct {
		name, body string
		want       string // what leaks.drop says of keyA
	}{
		{"a private JWK", private, jwkDropLeakedElsewhere},
		{"a JSON string holding one", `"{\"d\":\"` + dA + `\"}"`, ""},
		{"a number", `12345`, ""},
		{"braces inside strings", `{"kid":"}}{{","d":"` + dA + `","x":"}"}`, jwkDropLeakedElsewhere},
		{"a name with escapes", `{"kid":"x","\u0064":"` + dA + `"}`, jwkDropLeakedElsewhere},
		{"a name ending in an escaped backslash", `{"a\\":1,"d":"` + dA + `"}`, jwkDropLeakedElsewhere},
		{"a value named like a private member", `{"kid":"d","use":"p"}`, ""},
		{"invalid UTF-8", "{\"kid\":\"\xff\xfe\",\"d\":\"" + dA + "\"}", jwkDropLeakedElsewhere},
		{"a closing brace first", `}` + private, ""},
		{"nested 1000 deep", nested(1000, private), jwkDropLeakedElsewhere},
		{"past jsontext's depth limit", nested(10001, private), ""},
		{"after a key set", `{"keys":[]} ` + private, jwkDropLeakedElsewhere},
		{"cut inside a later entry", `{"keys":[` + private + `,{"kid":"}`, jwkDropLeakedElsewhere},
		{"cut after a whole d", `{"keys":[{"kid":"x","d":"` + dA + `","p":"AAA`, jwkDropLeakedElsewhere},
		{"cut inside d", `{"keys":[{"kid":"x","d":"` + dA[:100], ""},
		{"d in an oth element of an entry", `{"kid":"x","oth":[{"r":"Aw","d":"` + dA + `"}]}`, jwkDropLeakedElsewhere},
		// Each level gives d a value: read whole at each level, the body
		// would cost its size squared; past maxLeakScan nothing is cleared.
		{"private members nested deep", strings.Repeat(`{"d":"AQAB","a":`, 3000) + `{}` + strings.Repeat(`}`, 3000), jwkDropLeakUnchecked},
		{"null private members nested deep", strings.Repeat(`{"d":null,"a":`, 3000) + `{}` + strings.Repeat(`}`, 3000), ""},
		{"d in an oth element's own oth", `{"kid":"x","oth":[{"r":"Aw","oth":[{"d":"` + dA + `"}]}]}`, jwkDropLeakedElsewhere},
		{"d in oth as one object's own oth", `{"kid":"x","oth":{"r":"Aw","oth":{"d":"` + dA + `"}}}`, jwkDropLeakedElsewhere},
		{"a private member's value an empty object", `{"kid":"x","oth":{},"d":[]}`, ""},
		{"d, then an empty private member", `{"kid":"x","d":"` + dA + `","qi":""}`, jwkDropLeakedElsewhere},
		{"a private member's value a non-empty array", `{"kid":"x","n":"AA","d":["` + dA + `"]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var l leaks
			l.addDocument([]byte(tt.body))
			if got := l.drop(keyA()); got != tt.want {
				t.Errorf("leaks.drop(keyA): got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestParseJWKSNullPrivateMembers: a key set whose serializer writes a
// public key's absent private members as null or empty is no leak, however
// large: its entries cost none of maxLeakScan, and every key is kept.
func TestParseJWKSNullPrivateMembers(t *testing.T) {
	t.Parallel()
	for _, empty := range []string{`null`, `""`, `" "`, `[]`, `{ }`} {
		t.Run(empty, func(t *testing.T) {
			t.Parallel()
			var entries []any
			for i := range 100 {
				entries = append(entries, with(jwk("k"+strconv.Itoa(i), keyB()), "d", json.RawMessage(empty), "p", json.RawMessage(empty),
					"x5c", []string{strings.Repeat("A", 2500)}))
			}
			body := jwksJSON(entries...)
			if len(body) <= maxLeakScan {
				t.Fatalf("body of %d bytes: want more than maxLeakScan", len(body))
			}
			keys, rep, err := parseJWKS(body)
			if err != nil || len(keys) != 100 {
				t.Errorf("parseJWKS: got %d kids (reasons %q, error %v), want 100", len(keys), rep.reasonSummary(), err)
			}
		})
	}
}

// BenchmarkLeaksAddDocumentNested: addDocument on bodies nested 9,990
// deep, against one plain read of the same body.
func BenchmarkLeaksAddDocumentNested(b *testing.B) {
	dA := b64u(ksTestKeys()[0].D.Bytes())
	for _, c := range []struct{ name, body string }{
		{"plain", nested(9990, `{"x":1}`)},
		{"private-innermost", nested(9990, `{"d":"`+dA+`"}`)},
		{"escape-innermost", nested(9990, `{"\u0061":1}`)},
		{"private-every-level", strings.Repeat(`{"d":"AQAB","a":`, 9990) + `{}` + strings.Repeat(`}`, 9990)},
	} {
		body := []byte(c.body)
		b.Run(c.name+"/addDocument", func(b *testing.B) {
			for b.Loop() {
				var l leaks
				l.addDocument(body)
			}
		})
		b.Run(c.name+"/ReadValue", func(b *testing.B) {
			for b.Loop() {
				_, _ = lenientDecoder(body).ReadValue()
			}
		})
	}
}

// wantParsed checks that parseJWKS keeps the kids wantKept (sorted) of
// body and reports wantReasons for the rest.
func wantParsed(t *testing.T, body []byte, wantKept []string, wantReasons string) {
	t.Helper()
	keys, rep, err := parseJWKS(body)
	if err != nil {
		t.Fatalf("parseJWKS: got error %v, want nil", err)
	}
	if got := slices.Sorted(maps.Keys(keys)); !slices.Equal(got, wantKept) {
		t.Errorf("kept: got %v, want %v", got, wantKept)
	}
	if got := rep.reasonSummary(); got != wantReasons {
		t.Errorf("reasons: got %q, want %q", got, wantReasons)
	}
}

// BenchmarkParseJWKSLeakFlood: a JWKS body of the default size cap holding
// 99 keys and one entry whose oth lists tiny primes up to the cap, against
// the same keys alone and with the same bytes in a public member, and 99
// keys beside lone private exponents that spend maxLeakWork (about 0.4 s):
// what a hostile leak costs a refresh.
func BenchmarkParseJWKSLeakFlood(b *testing.B) {
	var keys strings.Builder
	for i := range 99 {
		e, err := json.Marshal(jwk("k"+strconv.Itoa(i), keyA()))
		if err != nil {
			b.Fatal(err)
		}
		keys.Write(e)
		keys.WriteString(",")
	}
	var flood strings.Builder
	flood.WriteString(`{"keys":[` + keys.String() + `{"kid":"x","oth":[`)
	for i := 0; flood.Len() < defaultMaxBodyBytes-64; i++ {
		flood.WriteString(`{"r":"` + b64u(big.NewInt(int64(3+2*i)).Bytes()) + `"},`)
	}
	flood.WriteString(`{"r":"Aw"}]}]}`)
	// Lone exponents, none of any key: each kept key is checked against
	// them until maxLeakWork is spent.
	exps := `{"keys":[` + keys.String()
	for i := range maxLeakValues - 1 {
		exps += `{"kid":"x","d":"` + b64u(new(big.Int).Add(ksTestKeys()[2].D, big.NewInt(int64(i))).Bytes()) + `"},`
	}
	exps += `{"kid":"x","d":"Aw"}]}`
	for _, bb := range []struct{ name, body string }{
		{"exponent-bound", exps},
		{"keys-alone", `{"keys":[` + strings.TrimSuffix(keys.String(), ",") + `]}`},
		{"same-size-public-member", strings.Replace(flood.String(), `"oth"`, `"xyz"`, 1)},
		{"leak-flood", flood.String()},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				if _, _, err := parseJWKS([]byte(bb.body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
