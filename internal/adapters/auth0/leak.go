package auth0

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// What the entries of one JWKS with a private member give away, and which
// keys that is. A private RSA JWK carries n beside d, p, q, dp, dq and qi
// (RFC 7518 §6.3.2), but an entry that lacks it, writes it badly or names
// another key's gives a key away all the same: each prime and exponent is
// matched against every kept key.

// maxLeakValues bounds the private values (moduli, certificates, primes,
// exponents, oth elements) one JWKS is read for: each costs a decoding and
// a division or exponentiation per kept key, and a megabyte of tiny primes
// would cost seconds. Past it, no key of the set is cleared of them: each
// is dropped unchecked. Of a private JWK six are read (qi is matched to no
// key).
const maxLeakValues = 64

// maxLeakWork bounds the modular exponentiations one JWKS may cost to match
// private exponents to kept keys, in units of one check of a 2048-bit
// exponent against a 2048-bit key (two exponentiations and a gcd, about
// 6 ms on a 2-core server). A leaked 2048-bit private JWK costs 3 per other
// 2048-bit key, 12 per 4096-bit and 48 per 8192-bit one. A key whose checks
// the bound cannot pay for is dropped: a key not cleared of a published
// private half is not trusted.
const maxLeakWork = 64

// leaks gathers what the entries of one JWKS with a private member give
// away; the zero value holds none.
type leaks struct {
	moduli   []*big.Int // from n and from x5c's first certificate, of 2048 to 8192 bits: a key whose modulus divides one is given away
	factors  []*big.Int // p, q and oth's r: a prime that divides a modulus gives its key
	exps     []*big.Int // d, dp, dq and oth's d: checked against every kept key
	read     int        // values read, of maxLeakValues
	scanned  int64      // bytes of objects read, of maxLeakScan
	overflow bool       // past maxLeakValues or maxLeakScan
	work     int        // spent of maxLeakWork
	kids     []string   // of the entries with a private member, at most maxJWKSEntries: their keys are given away
}

// any reports whether an entry gave anything away.
func (l *leaks) any() bool {
	return l.overflow || len(l.moduli)+len(l.factors)+len(l.exps) > 0
}

// add reads the members of an entry with a private member, a member it
// names once or more not null or empty. Members are read however they are
// written (padded, in the standard alphabet, zero-prefixed, line-wrapped):
// a key given away is given away in any spelling. An entry of another kty
// with no RSA member (an EC key's d) is passed over.
func (l *leaks) add(all map[string][]json.RawMessage) {
	if !slices.ContainsFunc(jwkPrivateMembers, func(name string) bool { return slices.ContainsFunc(all[name], jwkPrivateValue) }) {
		return
	}
	// Another kty's private key (an EC key's d) is no RSA key's, unless the
	// entry also holds an RSA member.
	otherKty := slices.ContainsFunc(all["kty"], func(v json.RawMessage) bool { kty, ok := jwkJSONString(v); return ok && kty != "RSA" })
	if otherKty && !slices.ContainsFunc([]string{"n", "p", "q", "dp", "dq", "oth", "x5c"}, func(name string) bool { return len(all[name]) > 0 }) {
		return
	}
	for _, v := range all["kid"] {
		if kid, ok := jwkJSONString(v); ok && kid != "" && len(l.kids) < maxJWKSEntries && !slices.Contains(l.kids, kid) {
			l.kids = append(l.kids, kid)
		}
	}
	var moduli []*big.Int
	for _, x5c := range l.take(all["x5c"]) {
		if pub, ok := x5cFirstKey(x5c, true).(*rsa.PublicKey); ok {
			moduli = append(moduli, pub.N)
		}
	}
	moduli = append(l.ints(all["n"]), moduli...)
	primes := append(l.ints(all["p"]), l.ints(all["q"])...)
	exps := slices.Concat(l.ints(all["d"]), l.ints(all["dp"]), l.ints(all["dq"]))
	for _, oth := range l.take(all["oth"]) { // RFC 7518 §6.3.2.7: an array of {r, d, t}
		for _, prime := range l.take(jwkOthElements(oth, maxLeakValues+1)) {
			if members, ok := jwkAllMembers(prime); ok {
				primes = append(primes, l.ints(members["r"])...)
				exps = append(exps, l.ints(members["d"])...)
			}
		}
	}
	if l.overflow {
		return // no key is cleared: what is read matters no more
	}
	for _, n := range moduli {
		if rsaModulus(n) {
			l.moduli = append(l.moduli, n)
		}
	}
	for _, p := range primes {
		if p.Cmp(big.NewInt(3)) >= 0 && p.BitLen() < maxModulusBits {
			l.factors = append(l.factors, p)
		}
	}
	for _, x := range exps {
		// A d named twice costs one check; past 8192 bits an exponent costs
		// more than a kept key's own d, and only a congruent copy of one
		// is that long.
		if x.Cmp(big.NewInt(3)) >= 0 && x.BitLen() <= maxModulusBits && !slices.ContainsFunc(l.exps, equals(x)) {
			l.exps = append(l.exps, x)
		}
	}
}

// equals returns a test of equality to x.
func equals(x *big.Int) func(*big.Int) bool {
	return func(y *big.Int) bool { return x.Cmp(y) == 0 }
}

// maxLeakScan bounds the bytes of the objects giving a private member a
// value that one JWKS is read for: objects nest, and each is read whole, so a body of
// such objects nested thousands deep would cost its size squared. Past it,
// as past maxLeakValues, no key of the set is cleared. A private JWK with
// its certificate chain takes a few KiB.
const maxLeakScan = 256 << 10

// addDocument adds every object of a JWKS document that gives a private
// member a value (not null or empty), at any depth: the entries of its
// "keys", those past maxJWKSEntries, and, in a document that is no key
// set, a private JWK served bare, nested under another name, or read up to
// the point where the body was cut short. One pass over the tokens; an
// object is read when it ends, or the body does.
func (l *leaks) addDocument(body []byte) {
	type open struct {
		start   int64
		private bool // gives a private member a value
		// giving: a private member's value, known to be non-empty once
		// any token comes before its end
		giving bool
	}
	var stack []open
	// valueOf is the index in stack of the object whose private member's
	// value the next token is, or -1.
	valueOf := -1
	read := func(o open, end int64) {
		if !o.private {
			return
		}
		if l.scanned += end - o.start; l.scanned > maxLeakScan {
			l.overflow = true
			return
		}
		all, _ := jwkAllMembers(body[o.start:end])
		l.add(all)
	}
	dec := lenientDecoder(body)
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			for i := len(stack) - 1; i >= 0; i-- { // cut short: what arrived whole is published
				read(stack[i], int64(len(body)))
			}
			return
		}
		k := tok.Kind()
		if n := len(stack); n > 0 && stack[n-1].giving && k != '}' && k != ']' {
			stack[n-1].giving = false // a private member's container value with something in it
			stack[n-2].private = true
		}
		if valueOf >= 0 {
			switch k {
			case 'n': // null: absent
			case '"':
				if jwkPrivateValue(stringToken(body, dec.InputOffset())) {
					stack[valueOf].private = true // an empty one after a real one clears nothing
				}
			case '{', '[': // non-empty if anything comes before its end
			default:
				stack[valueOf].private = true
			}
		}
		giving := valueOf >= 0 && (k == '{' || k == '[')
		valueOf = -1
		switch k {
		case '{', '[':
			stack = append(stack, open{start: dec.InputOffset() - 1, giving: giving})
		case '}', ']':
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if k == '}' {
				read(o, dec.InputOffset())
			}
		case '"':
			// A member name, not a value: the innermost object has read an
			// odd number of names and values.
			if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 {
				name := nameBytes(body, dec.InputOffset(), tok)
				if slices.ContainsFunc(jwkPrivateMembers, func(m string) bool { return string(name) == m }) {
					valueOf = len(stack) - 1
				}
			}
		}
	}
}

// nameBytes is the member name tok, which ends at end in body, unescaped:
// its raw bytes, with no allocation, unless it holds an escape.
func nameBytes(body []byte, end int64, tok jsontext.Token) []byte {
	if raw := stringToken(body, end); bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	return []byte(tok.String())
}

// stringToken is the JSON string, quotes included, that ends at end in
// body: the closing quote is at end-1, and the opening one is the first
// quote before it that no backslash escapes.
func stringToken(body []byte, end int64) []byte {
	for i := end - 2; i >= 0; i-- {
		if body[i] != '"' {
			continue
		}
		backslashes := 0
		for j := i - 1; j >= 0 && body[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return body[i:end]
		}
	}
	return body[:end] // unreachable: the decoder read a string ending there
}

// take counts values against maxLeakValues, and returns them, or none
// once past it.
func (l *leaks) take(values []json.RawMessage) []json.RawMessage {
	if l.read += len(values); l.read > maxLeakValues {
		l.overflow = true
		return nil
	}
	return values
}

// ints decodes the values take lets through, each a base64 string in either
// alphabet, padded or not, as a big-endian unsigned integer.
func (l *leaks) ints(values []json.RawMessage) []*big.Int {
	var ints []*big.Int
	for _, v := range l.take(values) {
		if b, ok := jwkLenientBase64(v); ok {
			ints = append(ints, new(big.Int).SetBytes(b))
		}
	}
	return ints
}

// drop returns why pub is not to be trusted: what an entry gave away is
// its private half (jwkDropLeakedElsewhere), or clearing it would cost
// more than the bounds allow (jwkDropLeakUnchecked); "" when neither.
func (l *leaks) drop(pub *rsa.PublicKey) string {
	if l.overflow {
		return jwkDropLeakUnchecked
	}
	// A private exponent of n is one of each of its divisors too, so a
	// modulus given away gives away every key whose modulus divides it.
	if slices.ContainsFunc(l.moduli, func(n *big.Int) bool { return new(big.Int).Mod(n, pub.N).Sign() == 0 }) {
		return jwkDropLeakedElsewhere
	}
	if slices.ContainsFunc(l.factors, func(p *big.Int) bool { return p.Cmp(pub.N) < 0 && new(big.Int).Mod(pub.N, p).Sign() == 0 }) {
		return jwkDropLeakedElsewhere
	}
	// Every exponent, of any length (d plus a multiple of λ(n) signs as d
	// does), is checked against pub, or none: what is left of the bound
	// pays for all of them, or pub is dropped unchecked and a cheaper key
	// after it may still be paid for.
	cost := 0
	for _, x := range l.exps {
		cost += leakCost(pub.N, x)
	}
	if l.work+cost > maxLeakWork {
		return jwkDropLeakUnchecked
	}
	l.work += cost
	if slices.ContainsFunc(l.exps, func(x *big.Int) bool { return exponentOf(pub.N, x) }) {
		return jwkDropLeakedElsewhere
	}
	return ""
}

// leakCost is what checking exponent x against modulus n costs, in units
// of a 2048-bit exponent against a 2048-bit modulus.
func leakCost(n, x *big.Int) int {
	words := func(bits int) int { return (bits + 2047) / 2048 }
	return words(n.BitLen()) * words(n.BitLen()) * words(x.BitLen())
}

// rsaModulus reports whether n could be a kept key's modulus, or a multiple
// of one: odd, of 2048 to 8192 bits.
func rsaModulus(n *big.Int) bool {
	return n.Bit(0) == 1 && n.BitLen() >= minModulusBits && n.BitLen() <= maxModulusBits
}

// exponentOf reports whether x is a private exponent of a kept key's
// modulus n: d, or a CRT exponent (dp, dq, oth's d). Then 2^(e·x) ≡ 2
// modulo n, or modulo the prime x belongs to, so gcd(2^(e·x) − 2, n) is n
// or that prime. A gcd of small factors (of a broken key) is none: any odd
// x would match it; an RSA prime is at least a quarter of a 2048-bit key
// (one split into at most four primes), and so is n over it.
func exponentOf(n, x *big.Int) bool {
	const minPrimeBits = minModulusBits / 4
	y := new(big.Int).Exp(big.NewInt(2), big.NewInt(jwkExponent), n)
	y.Exp(y, x, n)
	y.Sub(y, big.NewInt(2))
	g := new(big.Int).GCD(nil, nil, y, n)
	return g.Cmp(n) == 0 || g.BitLen() >= minPrimeBits && n.BitLen()-g.BitLen() >= minPrimeBits
}

// jwkOthElements returns the elements of an oth value, at most max of
// them: those of an array, whatever their kind, or the value itself when
// it is no array.
func jwkOthElements(raw json.RawMessage, max int) []json.RawMessage {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '[' {
		return []json.RawMessage{t}
	}
	dec := lenientDecoder(t)
	if _, err := dec.ReadToken(); err != nil {
		return nil
	}
	var elements []json.RawMessage
	for len(elements) < max && dec.PeekKind() != ']' && dec.PeekKind() != 0 {
		v, err := dec.ReadValue()
		if err != nil {
			break
		}
		elements = append(elements, json.RawMessage(bytes.Clone(v)))
	}
	return elements
}

// lenientAlphabet maps base64's standard alphabet to the URL one, and drops
// the spaces a line-wrapped value carries.
var lenientAlphabet = strings.NewReplacer("+", "-", "/", "_", " ", "", "\t", "", "\r", "", "\n", "")

// jwkLenientBase64 decodes raw, a JSON string, as base64 in either
// alphabet, padded or not, spaces ignored.
func jwkLenientBase64(raw json.RawMessage) ([]byte, bool) {
	s, ok := jwkJSONString(raw)
	if !ok {
		return nil, false
	}
	s = strings.TrimRight(lenientAlphabet.Replace(s), "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil && len(b) > 0
}
