package auth0

import (
	"math"
	"slices"
	"time"
)

// refuseByClaims refuses, before the key lookup, what the decoded claims
// alone decide: a token of another tenant or API, or past its time, would
// otherwise look its kid up (often one our tenant never published or has
// retired), refetch the JWKS for nothing and answer unknown_key, or 503
// "retry later" while the tenant is down, for a token that can never pass.
// The library checks the same again once the signature holds.
func (v *Verifier) refuseByClaims(c *tokenClaims) error {
	if c.Iss != v.issuer {
		return errWrongIssuer
	}
	if !slices.ContainsFunc(c.Aud, func(a string) bool { return slices.Contains(v.audiences, a) }) {
		return errWrongAudience
	}
	now := v.now()
	exp, nbf := c.libraryDates()
	if err := v.checkTimes(exp, nbf, now); err != nil {
		return err
	}
	if float64(now.UnixNano())/1e9+v.leeway < libraryDate(*c.Iat) {
		return errIssuedInFuture
	}
	return nil
}

// libraryDates are c's exp and nbf (nil when absent) as the library reads
// them; exp is present once decode has returned.
func (c *tokenClaims) libraryDates() (exp float64, nbf *float64) {
	if c.Nbf != nil {
		d := libraryDate(*c.Nbf)
		nbf = &d
	}
	return libraryDate(*c.Exp), nbf
}

// libraryDate is a NumericDate as go-jose reads it, whole seconds truncated
// toward zero: a cache hit must judge exp and nbf as the library did, or
// one token gets 200 and 401 in turn within a second.
func libraryDate(d float64) float64 { return math.Trunc(d) }

// checkTimes checks exp and nbf with the leeway as the library does
// (strictly before nbf, strictly after exp): for a cached token, and in
// refuseByClaims before the key lookup.
func (v *Verifier) checkTimes(exp float64, nbf *float64, now time.Time) error {
	t := float64(now.UnixNano()) / 1e9
	switch {
	case nbf != nil && t+v.leeway < *nbf:
		return errNotYetValid
	case t-v.leeway > exp:
		return errExpired
	}
	return nil
}
