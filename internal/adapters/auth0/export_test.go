package auth0

import (
	"context"
	"sync/atomic"
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
