package auth0

import (
	"context"
	"testing"

	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/ports"
)

// TestForeignIssuerRefusedBeforeKeyLookup: a token of another tenant (a
// wrong AUTH0_DOMAIN, a token of the dev tenant sent to production) carries
// a kid our tenant never published. It is wrong_issuer, a 401, whether our
// tenant is up or down, and it costs no JWKS fetch: the issuer decides
// whose keys could have signed it. A token of our tenant under an unknown
// kid still refetches, and is still a 503 while the tenant is down.
func TestForeignIssuerRefusedBeforeKeyLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		iss         string // "" means our tenant's issuer
		omitIss     bool
		tenantDown  bool
		wantReason  ports.Reason // "" means keys unavailable
		wantFetches int64
	}{
		{name: "another tenant", iss: "https://other-tenant.eu.auth0.com/", wantReason: ports.ReasonWrongIssuer},
		{name: "another tenant, ours down", iss: "https://other-tenant.eu.auth0.com/", tenantDown: true, wantReason: ports.ReasonWrongIssuer},
		{name: "the dev tenant's issuer", iss: "http://localhost:4000/", wantReason: ports.ReasonWrongIssuer},
		{name: "no iss", omitIss: true, wantReason: ports.ReasonWrongIssuer},
		{name: "our issuer without its trailing slash", iss: "TRIM", tenantDown: true, wantReason: ports.ReasonWrongIssuer},
		{name: "ours, unknown kid", wantReason: ports.ReasonUnknownKey, wantFetches: 1},
		{name: "ours, unknown kid, ours down", tenantDown: true, wantFetches: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn, ks := refetchDue(t, tt.tenantDown)
			v, err := New(MustTenant(t, tn.issuer, false, 0), Config{Audiences: []string{faultAudience}}, ks)
			if err != nil {
				t.Fatal(err)
			}

			s := &auth0test.Signer{Issuer: tn.issuer, Audience: faultAudience, Kid: "kid-of-another-key", Private: fourthKey(t)}
			claims := s.Claims("fault-client", "read:messages")
			switch {
			case tt.omitIss:
				delete(claims, "iss")
			case tt.iss == "TRIM":
				claims["iss"] = tn.issuer[:len(tn.issuer)-1]
			case tt.iss != "":
				claims["iss"] = tt.iss
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
				wantUnavailable(t, err, "kid-of-another-key")
				return
			}
			wantReason(t, err, tt.wantReason, "kid-of-another-key")
		})
	}
}
