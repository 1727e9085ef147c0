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
// is dropped unchecked. A private JWK holds eight.
const maxLeakValues = 64

// maxLeakWork bounds the modular exponentiations one JWKS may cost to match
// private exponents to keys, in units of one check of a 2048-bit exponent
// against a 2048-bit key (a few milliseconds). A key the bound leaves
// unchecked is dropped: a key not cleared of a published private half is
// not trusted.
const maxLeakWork = 32

// leaks gathers what the entries of one JWKS with a private member give
// away; the zero value holds none.
type leaks struct {
	moduli   []*big.Int // from n and from x5c's first certificate, those that could be a kept key's
	factors  []*big.Int // p, q and oth's r: a prime that divides a modulus gives its key
	exps     []*big.Int // d, dp, dq and oth's d, less those that belong to their own entry's modulus
	read     int        // values read, of maxLeakValues
	overflow bool       // past maxLeakValues
	work     int        // spent of maxLeakWork
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
	var own []*rsa.PublicKey // the entry's moduli, as keys with the exponent kept keys have
	var moduli []*big.Int
	for _, x5c := range l.take(all["x5c"]) {
		if pub, ok := x5cFirstKey(x5c, true).(*rsa.PublicKey); ok {
			moduli = append(moduli, pub.N)
		}
	}
	for _, n := range append(l.ints(all["n"]), moduli...) {
		if rsaModulus(n) {
			own = append(own, &rsa.PublicKey{N: n, E: jwkExponent})
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
	for _, p := range primes {
		if p.Cmp(big.NewInt(3)) >= 0 && p.BitLen() < maxModulusBits {
			l.factors = append(l.factors, p)
		}
	}
	var distinct []*big.Int // a d named twice costs one check
	for _, x := range exps {
		if x.Cmp(big.NewInt(3)) >= 0 && x.BitLen() <= maxModulusBits && !slices.ContainsFunc(distinct, func(y *big.Int) bool { return y.Cmp(x) == 0 }) {
			distinct = append(distinct, x)
		}
	}
	for _, x := range distinct {
		if !slices.ContainsFunc(own, func(pub *rsa.PublicKey) bool { given, _ := l.check(pub, x); return given }) {
			l.exps = append(l.exps, x)
		}
	}
}

// addEntries adds each entry of a "keys" value, up to maxJWKSEntries of
// them.
func (l *leaks) addEntries(raw json.RawMessage) {
	dec := lenientDecoder(raw)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return
	}
	for range maxJWKSEntries {
		if k := dec.PeekKind(); k == ']' || k == 0 {
			return
		}
		e, err := dec.ReadValue()
		if err != nil {
			return
		}
		l.add(e)
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
	if slices.ContainsFunc(l.moduli, func(n *big.Int) bool { return n.Cmp(pub.N) == 0 }) {
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
// the work bound; unchecked when the bound cannot pay for it, and for every
// check after.
func (l *leaks) check(pub *rsa.PublicKey, x *big.Int) (given, unchecked bool) {
	if x.BitLen() > pub.N.BitLen() {
		return false, false // no private exponent of pub: it is below n
	}
	words := func(bits int) int { return (bits + 2047) / 2048 }
	cost := words(pub.N.BitLen()) * words(pub.N.BitLen()) * words(x.BitLen())
	if l.work+cost > maxLeakWork {
		l.work = maxLeakWork + 1
		return false, true
	}
	l.work += cost
	return exponentOf(pub, x), false
}

// rsaModulus reports whether n could be a kept key's modulus: odd, of 2048
// to 8192 bits.
func rsaModulus(n *big.Int) bool {
	return n.Bit(0) == 1 && n.BitLen() >= minModulusBits && n.BitLen() <= maxModulusBits
}

// exponentOf reports whether x is pub's private exponent d, or one of its
// CRT exponents (dp, dq, oth's d): then 2^(e·x) ≡ 2 modulo n, or modulo
// the prime x belongs to, so gcd(2^(e·x) − 2, n) is n, or that prime. A
// gcd that splits n into anything smaller than a quarter of a 2048-bit key
// is no RSA prime, only small factors of a number that is no RSA modulus
// (an entry's n written in hex, say), which any odd x would match.
func exponentOf(pub *rsa.PublicKey, x *big.Int) bool {
	const minPrimeBits = minModulusBits / 4 // a 2048-bit key split into at most four primes
	y := new(big.Int).Exp(big.NewInt(2), big.NewInt(int64(pub.E)), pub.N)
	y.Exp(y, x, pub.N)
	y.Sub(y, big.NewInt(2))
	g := new(big.Int).GCD(nil, nil, y, pub.N)
	return g.Cmp(pub.N) == 0 || g.BitLen() >= minPrimeBits && pub.N.BitLen()-g.BitLen() >= minPrimeBits
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

// jwkLenientBase64 decodes raw, a JSON string, as base64 in either
// alphabet, padded or not.
func jwkLenientBase64(raw json.RawMessage) ([]byte, bool) {
	s, ok := jwkJSONString(raw)
	if !ok {
		return nil, false
	}
	s = strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(s), "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil && len(b) > 0
}
