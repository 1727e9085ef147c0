package auth0

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/ports"
)

// A Tenant not made by NewTenant is refused, never used with no issuer.
func TestNewKeySourceZeroTenant(t *testing.T) {
	t.Parallel()
	if ks, err := NewKeySource(Tenant{}, KeySourceConfig{}, nil, nil); err == nil || ks != nil {
		t.Fatalf("NewKeySource(Tenant{}): got %v, %v; want nil and an error", ks, err)
	}
}

func TestKeySourceEmptyKid(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{})
	_, err := ks.Key(context.Background(), "")
	wantReason(t, err, ports.ReasonMissingKeyID, "")
	if got := tn.jwksHits.Load(); got != 0 {
		t.Errorf("JWKS fetches for an empty kid: got %d, want 0", got)
	}
}

func TestKeySourceRemovedKeyRejectedAfterRefresh(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	ks := newTestKeySource(t, tn, KeySourceConfig{RefreshInterval: 150 * time.Millisecond})
	// Each fetch attempt signals its end: the test waits on refreshes,
	// not on the clock.
	fetched := make(chan struct{}, 1)
	ks.OnFetch(func(bool, time.Duration) {
		select {
		case fetched <- struct{}{}:
		default:
		}
	})
	ks.Start()
	waitReady(t, ks, hang)
	mustKey(t, ks, "kid-b", keyB())

	tn.serveKeys(jwk("kid-a", keyA()))
	timeout := time.After(hang)
	for {
		_, err := ks.Key(context.Background(), "kid-b")
		if err != nil {
			wantReason(t, err, ports.ReasonUnknownKey, "kid-b")
			break
		}
		select {
		case <-fetched: // a refresh ended: it may have read the JWKS before the change
		case <-timeout:
			t.Fatalf("Key(kid-b) after its removal: still accepted after %s, want unknown_key after the next refresh", hang)
		}
	}
	mustKey(t, ks, "kid-a", keyA())
	if got := tn.jwksHits.Load(); got < 2 {
		t.Errorf("JWKS fetches: got %d, want at least 2 (warm-up and a background refresh)", got)
	}
}

func TestKeySourceStaleKeysCountAsNone(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{MaxStaleAge: time.Hour, RefreshInterval: time.Hour})
	clk := newFakeClock() // ages move only with advance
	ks.now = clk.now
	ks.Start()
	waitReady(t, ks, hang)

	tn.setJWKS(status(http.StatusInternalServerError))
	clk.advance(time.Hour - time.Second)
	mustKey(t, ks, "kid-a", keyA())
	clk.advance(time.Second)
	if !ks.Ready() {
		t.Errorf("Ready() at exactly MaxStaleAge: got false, want true")
	}
	clk.advance(time.Second)
	if ks.Ready() {
		t.Errorf("Ready() past MaxStaleAge: got true, want false")
	}
	if st := ks.Stats(); st.Keys != 0 || st.LastGoodFetch.IsZero() {
		t.Errorf("Stats() past MaxStaleAge: got %+v, want 0 keys and the last good fetch time", st)
	}
	_, err := ks.Key(context.Background(), "kid-a")
	wantUnavailable(t, err, "kid-a")

	tn.serveKeys(jwk("kid-a", keyA()))
	clk.advance(5 * time.Second) // past the cooldown
	mustKey(t, ks, "kid-a", keyA())
	if !ks.Ready() {
		t.Errorf("Ready() after a good fetch: got false, want true")
	}
}

// TestKeySourceColdFetchTimeout: with no key set held, a fetch that runs
// out of FetchTimeout makes the keys unavailable, and its deadline never
// reads as the caller's own ctx ending: also for a caller that joined the
// fetch late, whom the fetch's own deadline error reaches first.
func TestKeySourceColdFetchTimeout(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	arrived := make(chan struct{}, 1)
	tn.setDiscovery(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		tn.hang(w, r) // until cleanup: only FetchTimeout ends the fetch
	})
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: 300 * time.Millisecond})
	ks.now = newFakeClock().now // no cooldown ends: the late caller only joins
	first := make(chan error, 1)
	go func() {
		_, err := ks.Key(context.Background(), "kid-a")
		first <- err
	}()
	<-arrived // the fetch and its deadline have started
	_, err := ks.Key(context.Background(), "kid-a")
	wantUnavailable(t, err, "kid-a")
	wantUnavailable(t, <-first, "kid-a")
}

// TestKeySourceStop is not parallel: it checks that no goroutine of a
// KeySource outlives Stop.
func TestKeySourceStop(t *testing.T) {
	tn := newKSTenant(t)
	tn.setDiscovery(tn.hang)

	// Stop during a hanging warm-up cancels it: the fetch hangs until cleanup
	// and FetchTimeout is far above hang, so a Stop that waited for it
	// instead would hang.
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: time.Hour})
	ks.Start()
	ks.Start() // second Start does nothing
	eventually(t, "warm-up: a discovery request", func() bool { return tn.discoveryHits.Load() > 0 })
	stopped := make(chan struct{})
	go func() {
		ks.Stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(hang):
		t.Fatalf("Stop during a hanging fetch: still waiting after %s, want it to cancel the fetch", hang)
	}
	if ks.fetchInProgress() {
		t.Errorf("after Stop: got a fetch still in progress, want Stop to wait for it")
	}
	ks.Stop() // idempotent

	// A Key call after Stop fetches nothing and says the keys are unavailable.
	_, err := ks.Key(context.Background(), "kid-a")
	wantUnavailable(t, err, "kid-a")

	// Stop without Start, then Start after Stop: no fetch.
	tn2 := newKSTenant(t, jwk("kid-a", keyA()))
	ks2 := newTestKeySource(t, tn2, KeySourceConfig{})
	ks2.Stop()
	ks2.Start()
	// Start after Stop launches nothing: no loop was started, no attempt
	// was made (so none can happen later), and nothing reached the tenant.
	ks2.mu.Lock()
	started, attempted := ks2.started, !ks2.lastAttempt.IsZero() || ks2.inFlight
	ks2.mu.Unlock()
	if started || attempted {
		t.Errorf("after Stop then Start: got loop started %v, attempt made %v; want neither", started, attempted)
	}
	if got := tn2.discoveryHits.Load() + tn2.jwksHits.Load(); got != 0 {
		t.Errorf("requests after Stop then Start: got %d, want 0", got)
	}

	// No KeySource goroutine is left.
	deadline := time.Now().Add(hang)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "auth0.(*KeySource)") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines after Stop: got some in KeySource, want none:\n%s", stacks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
