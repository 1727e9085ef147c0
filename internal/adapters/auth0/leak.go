package auth0

import (
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"slices"
)

// What one JWKS entry with a private member gives away, and which keys
// that is. A private RSA JWK carries n beside d, p, q, dp, dq and qi (RFC
// 7518 §6.3.2), but an entry that lacks it, or writes it badly, gives its
// key away all the same.

// maxLeakWork bounds the modular exponentiations one JWKS may cost to match
// private exponents published without a readable modulus, in units of one
// check of a 2048-bit exponent against a 2048-bit key (a few milliseconds):
// a set of many such entries would otherwise stall each refresh. A key the
// bound leaves unchecked is dropped: a key not cleared of a published
// private half is not trusted.
const maxLeakWork = 32

// jwkLeak is what one entry with a private member gives away.
type jwkLeak struct {
	moduli  []*big.Int // from n and from x5c's first certificate
	factors []*big.Int // p, q and oth's r (RFC 7518 §6.3.2.7): a prime that divides a modulus gives its key
	exps    []*big.Int // d, dp and dq, read only when the entry has no modulus: matched by exponentiation
}

// jwkLeakOf returns what an entry gives away: nothing unless a member it
// names, once or more, is private. Members are read however they are
// written (padded, in the standard alphabet, zero-prefixed): a key given
// away is given away in any spelling.
func jwkLeakOf(raw []byte) (jwkLeak, bool) {
	all, ok := jwkAllMembers(raw)
	if !ok || !slices.ContainsFunc(jwkPrivateMembers, func(name string) bool { return slices.ContainsFunc(all[name], jwkPrivateValue) }) {
		return jwkLeak{}, false
	}
	var l jwkLeak
	l.moduli = jwkLenientInts(all["n"])
	for _, x5c := range all["x5c"] {
		if pub, ok := x5cFirstKey(x5c).(*rsa.PublicKey); ok {
			l.moduli = append(l.moduli, pub.N)
		}
	}
	l.factors = append(jwkLenientInts(all["p"]), jwkLenientInts(all["q"])...)
	for _, oth := range all["oth"] {
		var primes []struct {
			R json.RawMessage `json:"r"`
		}
		if json.Unmarshal(oth, &primes) == nil {
			for _, p := range primes {
				l.factors = append(l.factors, jwkLenientInts([]json.RawMessage{p.R})...)
			}
		}
	}
	if len(l.moduli) == 0 {
		for _, name := range []string{"d", "dp", "dq"} {
			l.exps = append(l.exps, jwkLenientInts(all[name])...)
		}
	}
	return l, true
}

// jwkLenientInts decodes each of values that is a base64 string in either
// alphabet, padded or not, as a big-endian unsigned integer.
func jwkLenientInts(values []json.RawMessage) []*big.Int {
	var ints []*big.Int
	for _, v := range values {
		if b, ok := jwkLenientBase64(v); ok {
			ints = append(ints, new(big.Int).SetBytes(b))
		}
	}
	return ints
}

// leakMatcher matches keys against the leaks of one JWKS, spending at most
// maxLeakWork on exponentiations.
type leakMatcher struct {
	leaks []jwkLeak
	work  int
}

var two = big.NewInt(2)

// drop returns why pub is not to be trusted: a leak gives its private half
// away (jwkDropLeakedElsewhere), or clearing it would cost more than the
// bound left (jwkDropLeakUnchecked); "" when neither.
func (m *leakMatcher) drop(pub *rsa.PublicKey) string {
	for _, l := range m.leaks {
		if slices.ContainsFunc(l.moduli, func(n *big.Int) bool { return n.Cmp(pub.N) == 0 }) {
			return jwkDropLeakedElsewhere
		}
		// A prime factor: 1 < p < n and p divides n.
		if slices.ContainsFunc(l.factors, func(p *big.Int) bool {
			return p.Cmp(two) >= 0 && p.Cmp(pub.N) < 0 && new(big.Int).Mod(pub.N, p).Sign() == 0
		}) {
			return jwkDropLeakedElsewhere
		}
		for _, x := range l.exps {
			if x.Sign() <= 0 || x.BitLen() > pub.N.BitLen() {
				continue // no private exponent of this key
			}
			cost := ((pub.N.BitLen() + 2047) / 2048) * ((pub.N.BitLen() + 2047) / 2048) * ((x.BitLen() + 2047) / 2048)
			if m.work+cost > maxLeakWork {
				return jwkDropLeakUnchecked
			}
			m.work += cost
			if exponentOf(pub, x) {
				return jwkDropLeakedElsewhere
			}
		}
	}
	return ""
}

// exponentOf reports whether x is pub's private exponent d, or one of its
// CRT exponents dp or dq: then 2^(e·x) ≡ 2 modulo n, or modulo the prime
// x belongs to, so gcd(2^(e·x) − 2, n) is not 1.
func exponentOf(pub *rsa.PublicKey, x *big.Int) bool {
	y := new(big.Int).Exp(two, big.NewInt(int64(pub.E)), pub.N)
	y.Exp(y, x, pub.N)
	y.Sub(y, two)
	return new(big.Int).GCD(nil, nil, y, pub.N).Cmp(big.NewInt(1)) != 0
}
