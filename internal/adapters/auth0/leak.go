package auth0

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
)

// What the entries of one JWKS with a private member give away, and which
// keys that is. A private RSA JWK carries n beside d, p, q, dp, dq and qi
// (RFC 7518 §6.3.2), but an entry that lacks it, writes it badly or names
// another key's gives its own key away all the same.

// maxLeakValues bounds the private values (moduli, certificates, primes,
// exponents, oth elements) one JWKS is read for: each costs a decoding and
// a division or comparison per kept key, and a megabyte of tiny primes
// would cost seconds. Past it, no key of the set is cleared of them: each
// is dropped unchecked. Of a private JWK seven are read (qi gives nothing
// away alone).
const maxLeakValues = 64

// maxLeakWork bounds the modular exponentiations one JWKS may cost to match
// private exponents to kept keys, in units of one check of a 2048-bit
// exponent against a 2048-bit key (two exponentiations and a gcd, about
// 5 ms on a 2-core server). A key the bound leaves unchecked is dropped: a
// key not cleared of a published private half is not trusted.
const maxLeakWork = 32

// maxOwnWork bounds, in the same units, the exponentiations spent showing
// that an entry's exponents belong to its own modulus, when its primes do
// not show it for free: enough for one 8192-bit d beside its n, so that a
// leaked key alone, of any size kept, costs no other key.
const maxOwnWork = 64

// leaks gathers what the entries of one JWKS with a private member give
// away; the zero value holds none.
type leaks struct {
	moduli   []*big.Int // from n and from x5c's first certificate, of 2048 to 8192 bits: a key whose modulus divides one is given away
	factors  []*big.Int // p, q and oth's r: a prime that divides a modulus gives its key
	exps     []*big.Int // d, dp, dq and oth's d, less those that belong to their own entry's modulus
	own      []*big.Int // exponents shown to belong to their own entry's modulus
	read     int        // values read, of maxLeakValues
	overflow bool       // past maxLeakValues
	work     int        // spent of maxLeakWork
	ownWork  int        // spent of maxOwnWork
}

// any reports whether an entry gave anything away.
func (l *leaks) any() bool {
	return l.overflow || len(l.moduli)+len(l.factors)+len(l.exps) > 0
}

// add reads an entry with a private member, a member it names once or
// more not null. Members are read however they are written (padded, in
// the standard alphabet, zero-prefixed): a key given away is given away in
// any spelling. An exponent that belongs to the entry's own modulus is
// given away with it; one that does not is matched against every key.
func (l *leaks) add(raw []byte) {
	all, ok := jwkAllMembers(raw)
	if !ok || !slices.ContainsFunc(jwkPrivateMembers, func(name string) bool { return slices.ContainsFunc(all[name], jwkPrivateValue) }) {
		return
	}
	var moduli []*big.Int
	for _, x5c := range l.take(all["x5c"]) {
		if pub, ok := x5cFirstKey(x5c, true).(*rsa.PublicKey); ok {
			moduli = append(moduli, pub.N)
		}
	}
	var own []*big.Int // the entry's moduli
	for _, n := range append(l.ints(all["n"]), moduli...) {
		if rsaModulus(n) {
			own = append(own, n)
			l.moduli = append(l.moduli, n)
		}
	}
	primes := append(l.ints(all["p"]), l.ints(all["q"])...)
	exps := slices.Concat(l.ints(all["d"]), l.ints(all["dp"]), l.ints(all["dq"]))
	for _, oth := range l.take(all["oth"]) { // RFC 7518 §6.3.2.7: an array of {r, d, t}
		for _, prime := range l.take(jwkOthElements(oth, maxLeakValues+1)) {
			members, ok := jwkAllMembers(prime)
			if ok {
				primes = append(primes, l.ints(members["r"])...)
				exps = append(exps, l.ints(members["d"])...)
			}
		}
	}
	if l.overflow {
		return // no key is cleared: what is read matters no more
	}
	primes = slices.DeleteFunc(primes, func(p *big.Int) bool { return p.Cmp(big.NewInt(3)) < 0 || p.BitLen() >= maxModulusBits })
	l.factors = append(l.factors, primes...)
	for _, x := range exps {
		switch {
		case x.Cmp(big.NewInt(3)) < 0 || x.BitLen() > maxModulusBits:
		case slices.ContainsFunc(l.exps, equals(x)) || slices.ContainsFunc(l.own, equals(x)): // a d named twice costs one check
		case l.owns(own, primes, x):
			l.own = append(l.own, x)
		default:
			l.exps = append(l.exps, x)
		}
	}
}

// owns reports whether x is d, or a CRT exponent, of one of an entry's own
// moduli, which the entry gives away anyway. When primes multiply to the
// modulus, congruences tell for free (e·d ≡ 1 mod λ(n), e·dp ≡ 1 mod
// p−1: RFC 8017 §3.2); otherwise an exponentiation within maxOwnWork: x
// is d when 2^(e·x) ≡ 2 mod n, and a CRT exponent when gcd(2^(e·x) − 2, n)
// is a prime, which is then given away too, with any key it divides. A gcd
// that is no prime (the own n the product of two keys' moduli, say) leaves
// x to be matched against every key.
func (l *leaks) owns(own, primes []*big.Int, x *big.Int) bool {
	for _, n := range own {
		if ps := primesOf(n, primes); ps != nil {
			if slices.ContainsFunc(ps, func(p *big.Int) bool { return invertsE(x, p) }) {
				return true
			}
			continue
		}
		cost := leakCost(n, x)
		if x.BitLen() > n.BitLen() || l.ownWork+cost > maxOwnWork {
			continue
		}
		l.ownWork += cost
		switch g := gcdOf(n, x); {
		case g.Cmp(n) == 0:
			return true
		case rsaPrime(n, g) && l.ownWork+cost <= maxOwnWork:
			l.ownWork += cost // a primality test costs about a check
			if g.ProbablyPrime(0) {
				l.factors = append(l.factors, g) // given away, and any key it divides
				return true
			}
		}
	}
	return false
}

// primesOf returns those of primes (each at least 3) that divide n when
// their product is n, or nil.
func primesOf(n *big.Int, primes []*big.Int) []*big.Int {
	var ps []*big.Int
	product := big.NewInt(1)
	for _, p := range primes {
		if p.Cmp(n) < 0 && !slices.ContainsFunc(ps, equals(p)) && new(big.Int).Mod(n, p).Sign() == 0 {
			ps = append(ps, p)
			product.Mul(product, p)
		}
	}
	if len(ps) < 2 || product.Cmp(n) != 0 {
		return nil
	}
	return ps
}

// equals returns a test of equality to x.
func equals(x *big.Int) func(*big.Int) bool {
	return func(y *big.Int) bool { return x.Cmp(y) == 0 }
}

// invertsE reports whether e·x ≡ 1 mod p−1, e the exponent kept keys have.
func invertsE(x, p *big.Int) bool {
	ex := new(big.Int).Mul(x, big.NewInt(jwkExponent))
	return ex.Mod(ex, new(big.Int).Sub(p, big.NewInt(1))).Cmp(big.NewInt(1)) == 0
}

// addEntries adds each entry of a "keys" value that may be private.
func (l *leaks) addEntries(raw json.RawMessage) {
	dec := lenientDecoder(raw)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return
	}
	for {
		if k := dec.PeekKind(); k == ']' || k == 0 {
			return
		}
		e, err := dec.ReadValue()
		if err != nil {
			return
		}
		l.addIfPrivate(e)
	}
}

// addIfPrivate adds an entry that may name a private member, as add does,
// looking first for the names' bytes: entries of a flood are passed over
// at the cost of a scan, not a decoding.
func (l *leaks) addIfPrivate(raw []byte) {
	if bytes.IndexByte(raw, '\\') >= 0 || slices.ContainsFunc(jwkPrivateMembers, func(name string) bool { return bytes.Contains(raw, []byte(`"`+name+`"`)) }) {
		l.add(raw)
	}
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
	if slices.ContainsFunc(l.moduli, func(n *big.Int) bool { return n.Cmp(pub.N) >= 0 && new(big.Int).Mod(n, pub.N).Sign() == 0 }) {
		return jwkDropLeakedElsewhere
	}
	if slices.ContainsFunc(l.factors, func(p *big.Int) bool { return p.Cmp(pub.N) < 0 && new(big.Int).Mod(pub.N, p).Sign() == 0 }) {
		return jwkDropLeakedElsewhere
	}
	for _, x := range l.exps {
		switch given, unchecked := l.check(pub, x); {
		case unchecked:
			return jwkDropLeakUnchecked
		case given:
			return jwkDropLeakedElsewhere
		}
	}
	return ""
}

// check reports whether x is pub's private exponent, charging the check to
// maxLeakWork; unchecked when the bound cannot pay for it, and for every
// check after.
func (l *leaks) check(pub *rsa.PublicKey, x *big.Int) (given, unchecked bool) {
	if x.BitLen() > pub.N.BitLen() {
		return false, false // no private exponent of pub: it is below n
	}
	cost := leakCost(pub.N, x)
	if l.work+cost > maxLeakWork {
		l.work = maxLeakWork + 1
		return false, true
	}
	l.work += cost
	return exponentOf(pub.N, x), false
}

// leakCost is what checking exponent x against modulus n costs, in units
// of a 2048-bit exponent against a 2048-bit modulus.
func leakCost(n, x *big.Int) int {
	words := func(bits int) int { return (bits + 2047) / 2048 }
	return words(n.BitLen()) * words(n.BitLen()) * words(x.BitLen())
}

// rsaModulus reports whether n could be a kept key's modulus, or a multiple
// of one that a private exponent could be checked against: odd, of 2048 to
// 8192 bits.
func rsaModulus(n *big.Int) bool {
	return n.Bit(0) == 1 && n.BitLen() >= minModulusBits && n.BitLen() <= maxModulusBits
}

// gcdOf returns gcd(2^(e·x) − 2, n), e the exponent kept keys have: n
// when x is n's private exponent d, and the prime x belongs to when x is
// one of its CRT exponents (dp, dq, oth's d), since 2^(e·x) ≡ 2 modulo
// it. n is odd and at least 2048 bits.
func gcdOf(n, x *big.Int) *big.Int {
	y := new(big.Int).Exp(big.NewInt(2), big.NewInt(jwkExponent), n)
	y.Exp(y, x, n)
	y.Sub(y, big.NewInt(2))
	return new(big.Int).GCD(nil, nil, y, n)
}

// exponentOf reports whether x is a private exponent of a kept key's
// modulus n: gcdOf is n or one of its primes. A gcd of small factors (of a
// broken key) is none: any odd x would match it.
func exponentOf(n, x *big.Int) bool {
	g := gcdOf(n, x)
	return g.Cmp(n) == 0 || rsaPrime(n, g)
}

// rsaPrime reports whether g, a divisor of n, splits it as an RSA prime
// would: both g and n/g at least a quarter of a 2048-bit key (one split
// into at most four primes).
func rsaPrime(n, g *big.Int) bool {
	const minPrimeBits = minModulusBits / 4
	return g.BitLen() >= minPrimeBits && n.BitLen()-g.BitLen() >= minPrimeBits
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
