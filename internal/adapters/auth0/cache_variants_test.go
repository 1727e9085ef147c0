package auth0_test

import (
	"errors"
	"testing"

	"github.com/example/messages-api/internal/ports"
)

// TestCacheNeverAnswersAVariant: once a token is cached, a string that a
// lenient decoder reads as the same token (unused base64 bits, padding,
// surrounding bytes) is not a hit: it is checked afresh and refused, and
// the cached token is still accepted afterwards.
func TestCacheNeverAnswersAVariant(t *testing.T) {
	keys := vtKeys()
	finder := &vtStaticKeys{}
	finder.set(vtKid, &keys.main.PublicKey, nil)
	valid := vtToken(nil, nil)
	segs := vtSegments(valid)
	flip := func(seg string, i int) string { // another base64url character at i
		c := byte('A')
		if seg[i] == c {
			c = 'B'
		}
		return seg[:i] + string(c) + seg[i+1:]
	}
	tests := []struct {
		name   string
		token  string
		reason ports.Reason
	}{
		{"unused bits of the signature set", segs[0] + "." + segs[1] + "." + vtNonCanonical(segs[2]), ports.ReasonMalformed},
		{"padding after the signature", valid + "==", ports.ReasonMalformed},
		{"trailing dot", valid + ".", ports.ReasonMalformed},
		{"trailing space", valid + " ", ports.ReasonMalformed},
		{"one signature character changed", segs[0] + "." + segs[1] + "." + flip(segs[2], 10), ports.ReasonBadSignature},
		{"signature extended by three zero bytes", valid + "AAAA", ports.ReasonBadSignature},
	}
	v := vtCachingVerifier(t, finder, 0)
	if _, err := v.Verify(t.Context(), valid); err != nil {
		t.Fatalf("warming the cache: got error %v, want none", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.token == valid {
				t.Fatal("the variant equals the token")
			}
			for round := range 2 { // a miss, then possibly a remembered refusal
				_, err := v.Verify(t.Context(), tt.token)
				var invalid *ports.InvalidTokenError
				if !errors.As(err, &invalid) || invalid.Reason != tt.reason {
					t.Fatalf("round %d: got error %v, want reason %s", round, err, tt.reason)
				}
			}
			if _, err := v.Verify(t.Context(), valid); err != nil {
				t.Fatalf("the cached token afterwards: got error %v, want none", err)
			}
		})
	}
}
