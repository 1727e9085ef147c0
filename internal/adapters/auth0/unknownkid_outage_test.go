package auth0

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/example/messages-api/internal/ports"
)

// TestUnknownKidWhileTenantDown: a kid the held keys lack is unknown_key
// (401) only when the tenant's key set has just been read without it. When
// the refresh it triggers fails, or the cooldown follows a failed one, the
// tenant may have rotated the kid in while unreachable: keys unavailable
// (503 with Retry-After), so clients retry instead of fetching new tokens.
func TestUnknownKidWhileTenantDown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		tenantDown      bool // the JWKS answers 500 from the first lookup on
		coolingDown     bool // a second lookup within the cooldown of the first
		recoverBeforeIt bool // the tenant works again before the second lookup (within the cooldown)
		wantUnavailable bool // of the last lookup
	}{
		{name: "tenant up, kid absent", wantUnavailable: false},
		{name: "tenant up, kid absent, again within the cooldown", coolingDown: true, wantUnavailable: false},
		{name: "tenant down", tenantDown: true, wantUnavailable: true},
		{name: "tenant down, again within the cooldown", tenantDown: true, coolingDown: true, wantUnavailable: true},
		// No fetch is due yet, and the last one failed: still unknown whether
		// the tenant publishes the kid.
		{name: "tenant back, within the cooldown of the failure", tenantDown: true, coolingDown: true, recoverBeforeIt: true, wantUnavailable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn, ks := refetchDue(t, tt.tenantDown)
			_, err := ks.Key(context.Background(), "kid-z")
			if tt.coolingDown {
				if tt.recoverBeforeIt {
					tn.serveKeys(jwk("kid-a", keyA()))
				}
				hits := tn.jwksHits.Load()
				_, err = ks.Key(context.Background(), "kid-z")
				if got := tn.jwksHits.Load(); got != hits {
					t.Errorf("JWKS fetches within the cooldown: got %d, want 0", got-hits)
				}
			}
			if tt.wantUnavailable {
				wantUnavailable(t, err, "kid-z")
			} else {
				wantReason(t, err, ports.ReasonUnknownKey, "kid-z")
			}
			mustKey(t, ks, "kid-a", keyA()) // the held keys still serve
		})
	}
}

// refetchDue is a started key source holding kid-a of its tenant, whose
// unknown-kid cooldown has just passed on a clock that then stands still:
// the next unknown kid refetches, and the one after it within the cooldown
// does not. tenantDown makes the JWKS answer 500 from then on.
func refetchDue(t *testing.T, tenantDown bool) (*ksTenant, *KeySource) {
	t.Helper()
	return refetchDueHolding(t, tenantDown, jwk("kid-a", keyA()))
}

// refetchDueHolding is refetchDue with held as the key set first fetched.
func refetchDueHolding(t *testing.T, tenantDown bool, held ...map[string]any) (*ksTenant, *KeySource) {
	t.Helper()
	const cooldown = time.Minute // moved past only by the fake clock
	tn := newKSTenant(t, held...)
	ks := newTestKeySource(t, tn, KeySourceConfig{
		FetchTimeout: hang, UnknownKeyCooldown: cooldown, RefreshInterval: time.Hour, RetryInterval: time.Hour,
	})
	clk := newFakeClock()
	ks.now = clk.now
	ks.Start()
	waitReady(t, ks, hang)
	clk.advance(cooldown)
	if tenantDown {
		tn.setJWKS(status(http.StatusInternalServerError))
	}
	return tn, ks
}
