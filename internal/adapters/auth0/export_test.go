package auth0

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// SetClock lets external tests move the verifier's clock instead of sleeping.
func (v *Verifier) SetClock(now func() time.Time) { v.now = now }

// CountLibraryCalls rebuilds the verifier's library validator with a key
// function that counts its calls: one per ValidateToken that got as far as
// the key, so tests can prove which tokens the library checked.
func (v *Verifier) CountLibraryCalls() *atomic.Int64 {
	var n atomic.Int64
	lib, err := newLibraryValidator(v.issuer, v.audiences, time.Duration(v.leeway*float64(time.Second)),
		func(ctx context.Context) (any, error) {
			n.Add(1)
			return keyFromContext(ctx)
		})
	if err != nil {
		panic(err)
	}
	v.library = lib
	return &n
}

// MustTenant is NewTenant for tests: a fault ends the test.
func MustTenant(tb testing.TB, domain string, allowInsecureLoopback bool, leeway time.Duration) Tenant {
	tb.Helper()
	t, err := NewTenant(domain, allowInsecureLoopback, leeway)
	if err != nil {
		tb.Fatalf("NewTenant(%q, %v, %s): got error %v, want none", domain, allowInsecureLoopback, leeway, err)
	}
	return t
}
