package auth0

import (
	"crypto/sha256"
	"testing"

	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/ports"
)

// TestCacheHashCollision: the cache is keyed by a 64-bit hash, and a hit
// compares the whole token, so a token whose hash lands on another's entry
// is verified afresh, never answered with that entry's claims, nor with a
// refusal remembered for another token.
func TestCacheHashCollision(t *testing.T) {
	t.Parallel()
	const issuer, audience = "https://tenant.example/", "https://api.example.com"
	s, err := auth0test.NewSigner(issuer, audience, "kid-1")
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(MustTenant(t, issuer, false, 0), Config{Audiences: []string{audience}}, s)
	if err != nil {
		t.Fatal(err)
	}
	good, err := s.Sign(s.Claims("good-client", "read:messages"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), good); err != nil {
		t.Fatalf("got %v, want the signed token verified", err)
	}
	e, ok := v.cache.ok.GetIfPresent(hashToken(good))
	if !ok {
		t.Fatal("got no cache entry for the verified token, want one")
	}
	// A refusal remembered for another token, as if its hash were good's.
	refused := &rejected{digest: sha256.Sum256([]byte("another token")), err: &ports.InvalidTokenError{Reason: ports.ReasonBadSignature}}
	tests := []struct {
		name, token string
		refusal     bool // collide with a remembered refusal, not with good's entry
		want        ports.Reason
	}{
		{"a malformed token", "aaaa.bbbb.cccc", false, ports.ReasonMalformed},
		{"the good token with another signature", good[:len(good)-4] + "AAAA", false, ports.ReasonBadSignature},
		{"the good token on a remembered refusal", good, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.refusal {
				v.cache.ok.Invalidate(hashToken(tt.token))
				v.cache.reject.Set(hashToken(tt.token), refused)
			} else {
				v.cache.ok.Set(hashToken(tt.token), e) // as if the two hashes collided
			}
			claims, err := v.Verify(t.Context(), tt.token)
			if got := faultReason(err); got != tt.want {
				t.Errorf("got claims %+v, reason %q; want %q", claims, got, tt.want)
			}
		})
	}
}
