package auth0

import (
	"context"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/ports"
)

// TestClaimsRefusedBeforeKeyLookup: a token its claims alone refuse (another
// tenant's: a wrong AUTH0_DOMAIN, the dev tenant's sent to production;
// another API's; past its time) often carries a kid our tenant never
// published or has retired. It gets its own 401 reason whether our tenant
// is up or down, and costs no JWKS fetch. A token of ours under an unknown
// kid still refetches, and is still a 503 while the tenant is down.
func TestClaimsRefusedBeforeKeyLookup(t *testing.T) {
	t.Parallel()
	const kid = "kid-of-another-key"
	now := time.Now().Unix()
	tests := []struct {
		name        string
		claims      func(issuer string, c map[string]any)
		tenantDown  bool
		wantReason  ports.Reason // "" means keys unavailable
		wantFetches int64
	}{
		{name: "another tenant", claims: set("iss", "https://other-tenant.eu.auth0.com/"), wantReason: ports.ReasonWrongIssuer},
		{name: "another tenant, ours down", claims: set("iss", "https://other-tenant.eu.auth0.com/"), tenantDown: true, wantReason: ports.ReasonWrongIssuer},
		{name: "the dev tenant's issuer", claims: set("iss", "http://localhost:4000/"), wantReason: ports.ReasonWrongIssuer},
		{name: "no iss", claims: set("iss", nil), wantReason: ports.ReasonWrongIssuer},
		{name: "our issuer without its trailing slash, ours down", tenantDown: true, wantReason: ports.ReasonWrongIssuer,
			claims: func(issuer string, c map[string]any) { c["iss"] = issuer[:len(issuer)-1] }},
		{name: "another API, ours down", claims: set("aud", "https://other-api.example.com"), tenantDown: true, wantReason: ports.ReasonWrongAudience},
		{name: "no aud", claims: set("aud", nil), wantReason: ports.ReasonWrongAudience},
		{name: "expired under a retired kid, ours down", claims: set("exp", now-3600), tenantDown: true, wantReason: ports.ReasonExpired},
		{name: "not valid yet", claims: set("nbf", now+3600), tenantDown: true, wantReason: ports.ReasonNotYetValid},
		{name: "issued in the future", claims: set("iat", now+3600), tenantDown: true, wantReason: ports.ReasonIssuedInFuture},
		{name: "ours, unknown kid", wantReason: ports.ReasonUnknownKey, wantFetches: 1},
		{name: "ours, unknown kid, ours down", tenantDown: true, wantFetches: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn, ks := refetchDue(t, tt.tenantDown)
			v := verifierOn(t, tn, ks)
			s := &auth0test.Signer{Issuer: tn.issuer, Audience: faultAudience, Kid: kid, Private: fourthKey(t)}
			claims := s.Claims("fault-client", "read:messages")
			if tt.claims != nil {
				tt.claims(tn.issuer, claims)
			}
			tok, err := s.Sign(claims)
			if err != nil {
				t.Fatal(err)
			}

			before := tn.jwksHits.Load()
			_, err = v.Verify(context.Background(), tok)
			if got := tn.jwksHits.Load() - before; got != tt.wantFetches {
				t.Errorf("JWKS fetches: got %d, want %d", got, tt.wantFetches)
			}
			if tt.wantReason == "" {
				wantUnavailable(t, err, kid)
				return
			}
			wantReason(t, err, tt.wantReason, kid)
		})
	}
}

// set is a claims change that sets name to value, or deletes it for nil.
func set(name string, value any) func(string, map[string]any) {
	return func(_ string, c map[string]any) {
		if value == nil {
			delete(c, name)
			return
		}
		c[name] = value
	}
}
