package auth0_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/ports"
)

// A NumericDate may have a fraction (RFC 7519 §2); go-jose reads it as
// whole seconds. A cached token must get the answer the library would give
// at the same instant, or a client sees 200 and 401 in turn for one token.
// The test runs in a synctest bubble, whose clock starts on a whole second
// and moves only when told to.
func TestVerifierCacheFractionalDates(t *testing.T) {
	keys := vtKeys()
	leeway := auth0.DefaultLeeway.Seconds()
	tests := []struct {
		name   string
		claims func(now float64) vtObj
		after  time.Duration // time between minting and the checks
		want   ports.Reason  // "" for success
	}{
		{
			name:   "exp x.9 past its whole second",
			claims: func(now float64) vtObj { return vtObj{"exp": now - leeway + 2.9} },
			after:  2500 * time.Millisecond,
			want:   ports.ReasonExpired,
		},
		{
			name:   "exp x.9 before its whole second",
			claims: func(now float64) vtObj { return vtObj{"exp": now - leeway + 2.9} },
			after:  1500 * time.Millisecond,
		},
		{
			name:   "nbf x.9 past its whole second",
			claims: func(now float64) vtObj { return vtObj{"nbf": now + leeway + 2.9} },
			after:  2500 * time.Millisecond,
		},
		{
			name:   "nbf x.9 before its whole second",
			claims: func(now float64) vtObj { return vtObj{"nbf": now + leeway + 2.9} },
			after:  1500 * time.Millisecond,
			want:   ports.ReasonNotYetValid,
		},
		// iat is checked before the key lookup, and must be read as the
		// library reads it too.
		{name: "iat x.9 past its whole second", claims: func(now float64) vtObj { return vtObj{"iat": now + leeway + 2.9} }, after: 2500 * time.Millisecond},
		{name: "iat x.9 before its whole second", claims: func(now float64) vtObj { return vtObj{"iat": now + leeway + 2.9} }, after: 1500 * time.Millisecond, want: ports.ReasonIssuedInFuture},
		// Exactly at the edge (with the leeway) is still valid: the library
		// refuses strictly before nbf and iat and strictly after exp.
		{
			name:   "exp reached to the second",
			claims: func(now float64) vtObj { return vtObj{"exp": now - leeway + 2} },
			after:  2 * time.Second,
		},
		{
			name:   "nbf reached to the second",
			claims: func(now float64) vtObj { return vtObj{"nbf": now + leeway + 2} },
			after:  2 * time.Second,
		},
		{name: "iat reached to the second", claims: func(now float64) vtObj { return vtObj{"iat": now + leeway + 2} }, after: 2 * time.Second},
	}
	for _, size := range []int{0, -1} { // default cache, and no cache
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s, CacheSize %d", tc.name, size), func(t *testing.T) {
				v := vtClockVerifier(t, &keys.main.PublicKey, size)
				synctest.Test(t, func(t *testing.T) {
					now := float64(time.Now().UnixNano()) / 1e9
					tok := vtToken(nil, tc.claims(now))
					// Verified once early, when exp has not passed: the
					// cache then holds it, while nbf is still ahead.
					vtVerify(t, v, tok)
					time.Sleep(tc.after)
					for call := range 3 {
						if _, reason, err := vtVerify(t, v, tok); reason != tc.want {
							t.Errorf("call %d, %s after minting: got %q, %v; want %q", call, tc.after, reason, err, tc.want)
						}
					}
				})
			})
		}
	}
}
