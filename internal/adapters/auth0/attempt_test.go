package auth0

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/messages-api/internal/ports"
)

func TestKeySourceColdStartSingleFetch(t *testing.T) {
	t.Parallel()
	for _, start := range []bool{false, true} {
		t.Run("start="+strconv.FormatBool(start), func(t *testing.T) {
			t.Parallel()
			const callers = 50
			tn := newKSTenant(t)
			body := jwksJSON(jwk("kid-a", keyA()))
			var arrived atomic.Int64
			allArrived := make(chan struct{})
			tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
				// Hold the fetch until every caller is on its way into
				// Key, so that they find it running (a straggler that
				// comes after finds its keys: no fetch either way).
				select {
				case <-allArrived:
				case <-r.Context().Done():
					return
				}
				w.Write(body)
			})
			// The fetch is held for as long as the callers take to arrive:
			// FetchTimeout is a hang detector here. The clock stands still,
			// so no cooldown ever ends: a second fetch could only come from
			// a caller that did not join the first.
			ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: hang})
			ks.now = newFakeClock().now
			if ks.Ready() {
				t.Fatalf("Ready() before any fetch: got true, want false")
			}
			if start {
				ks.Start()
			}
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			gate := make(chan struct{})
			for range callers {
				wg.Go(func() {
					<-gate
					if arrived.Add(1) == callers {
						close(allArrived)
					}
					key, err := ks.Key(context.Background(), "kid-a")
					if err == nil && !key.Equal(keyA()) {
						err = errors.New("wrong key")
					}
					errs <- err
				})
			}
			close(gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Key(kid-a) on a cold start: got error %v, want the key", err)
				}
			}
			if got := tn.jwksHits.Load(); got != 1 {
				t.Errorf("JWKS fetches for %d concurrent cold callers: got %d, want 1", callers, got)
			}
			if got := tn.discoveryHits.Load(); got != 1 {
				t.Errorf("discovery fetches: got %d, want 1", got)
			}
			if !ks.Ready() {
				t.Errorf("Ready() after a good fetch: got false, want true")
			}
			if st := ks.Stats(); st.Keys != 1 || st.LastGoodFetch.IsZero() {
				t.Errorf("Stats(): got %+v, want 1 key and a fetch time", st)
			}
		})
	}
}

func TestKeySourceRotation(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{}) // default 5s cooldown
	clk := newFakeClock()
	ks.now = clk.now
	ks.Start()
	waitReady(t, ks, hang)
	before := tn.jwksHits.Load()

	// The tenant rotates: kid-b appears. Its first use falls in the cooldown
	// after the warm-up fetch (the clock has not moved), so it is refused
	// without a fetch...
	tn.serveKeys(jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	_, err := ks.Key(context.Background(), "kid-b")
	wantReason(t, err, ports.ReasonUnknownKey, "kid-b")
	if got := tn.jwksHits.Load(); got != before {
		t.Fatalf("JWKS fetches within the cooldown: got %d, want %d", got, before)
	}
	// ...and accepted once the cooldown (5s) has passed: within 10s of first use.
	clk.advance(5 * time.Second)
	mustKey(t, ks, "kid-b", keyB())
	mustKey(t, ks, "kid-a", keyA())
	if got := tn.jwksHits.Load(); got != before+1 {
		t.Errorf("JWKS fetches after the rotation: got %d, want %d", got, before+1)
	}
	// That refetch starts a new cooldown: the next unknown kid costs nothing.
	_, err = ks.Key(context.Background(), "kid-z")
	wantReason(t, err, ports.ReasonUnknownKey, "kid-z")
	if got := tn.jwksHits.Load(); got != before+1 {
		t.Errorf("JWKS fetches after another unknown kid within the cooldown: got %d, want %d", got, before+1)
	}
	if got := tn.discoveryHits.Load(); got != 1 {
		t.Errorf("discovery fetches: got %d, want 1 (cached)", got)
	}
}

// awaitingIn reports whether a goroutine started by the test function named
// test is waiting in KeySource.await, i.e. inside Key, on an attempt.
func awaitingIn(test string) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "auth0.(*KeySource).await(") && strings.Contains(g, "auth0."+test+".") {
			return true
		}
	}
	return false
}

// TestKeySourceRotationDuringRunningAttempt: the first use of a new kid comes
// after the cooldown, while an attempt that read the JWKS before the rotation
// is still running. Joining that attempt is not enough: the caller, due a
// refetch, gets one that starts after it arrived.
func TestKeySourceRotationDuringRunningAttempt(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: hang}) // default 5s cooldown
	clk := newFakeClock()
	ks.now = clk.now
	// Hold the warm-up after it has fetched and published the old keys,
	// before it is over.
	held, release := make(chan struct{}), make(chan struct{})
	var attempts atomic.Int64
	ks.OnFetch(func(bool, time.Duration) {
		if attempts.Add(1) == 1 {
			close(held)
			<-release
		}
	})
	ks.Start()
	select {
	case <-held:
	case <-time.After(hang):
		t.Fatalf("warm-up: no attempt finished fetching after %s, want one", hang)
	}
	defer func() {
		select {
		case <-release:
		default:
			close(release) // a failed test must not leave the warm-up held
		}
	}()
	mustKey(t, ks, "kid-a", keyA())
	if got := tn.jwksHits.Load(); got != 1 {
		t.Fatalf("JWKS fetches by the warm-up: got %d, want 1", got)
	}

	tn.serveKeys(jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	clk.advance(5 * time.Second) // the cooldown is over; the warm-up still runs
	got := make(chan error, 1)
	go func() {
		key, err := ks.Key(context.Background(), "kid-b")
		if err == nil && !key.Equal(keyB()) {
			err = errors.New("got a different key, want the published one")
		}
		got <- err
	}()
	// Key is waiting on the running warm-up (it cannot start another
	// attempt while one runs); now let the warm-up end.
	eventually(t, "Key(kid-b) waiting on the running warm-up", func() bool {
		return awaitingIn("TestKeySourceRotationDuringRunningAttempt")
	})
	close(release)
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Key(\"kid-b\") after the cooldown, joining an attempt that read the old keys: got error %v, want the key", err)
		}
	case <-time.After(hang):
		t.Fatalf("Key(\"kid-b\"): no answer after %s, want one", hang)
	}
	if got := tn.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS fetches: got %d, want 2 (the warm-up and one refetch)", got)
	}
}

func TestKeySourceRotationRealTime(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	const cooldown = 200 * time.Millisecond
	ks := newTestKeySource(t, tn, KeySourceConfig{UnknownKeyCooldown: cooldown})
	ks.Start()
	waitReady(t, ks, hang)
	tn.serveKeys(jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	before := tn.jwksHits.Load()
	// How soon kid-b is accepted is proven on a still clock by
	// TestKeySourceRotation; here, on the real clock, the deadline only
	// detects a hang.
	first := time.Now()
	for {
		_, err := ks.Key(context.Background(), "kid-b")
		if err == nil {
			break
		}
		wantReason(t, err, ports.ReasonUnknownKey, "kid-b")
		if time.Since(first) > hang {
			t.Fatalf("Key(kid-b) after rotation: still unknown after %s, want accepted after the cooldown %s", time.Since(first), cooldown)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Polling every 10ms cost at most one fetch per cooldown, however slow
	// the machine: fetches start at least a cooldown apart, all of them
	// between first and now.
	elapsed := time.Since(first)
	if got, most := tn.jwksHits.Load()-before, int64(elapsed/cooldown)+1; got < 1 || got > most {
		t.Errorf("JWKS fetches while polling for %s with a %s cooldown: got %d, want 1..%d", elapsed, cooldown, got, most)
	}
}

func TestKeySourceUnknownKidStorm(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	// Default 5s cooldown, on a clock that stands still: however long the
	// storm takes on a loaded machine, the cooldown never ends within it.
	// The FetchTimeout is far above hang: a known kid that waited on the
	// storm's held refetch would hang.
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: time.Hour})
	clk := newFakeClock()
	ks.now = clk.now
	ks.Start()
	waitReady(t, ks, hang)
	// The storm's refetch reaches the tenant and is held there.
	heldBody := jwksJSON(jwk("kid-a", keyA()))
	held := make(chan struct{})
	tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-held:
		case <-r.Context().Done():
			return
		}
		w.Write(heldBody)
	})
	clk.advance(5 * time.Second) // one refetch is allowed now

	const n = 1000
	var wg sync.WaitGroup
	gate := make(chan struct{})
	var bad atomic.Int64
	var firstErr atomic.Value
	for range n {
		wg.Go(func() {
			var b [16]byte
			rand.Read(b[:])
			kid := hex.EncodeToString(b[:])
			<-gate
			// Arrivals spread over ~100ms: many fetches' worth without a cooldown.
			time.Sleep(time.Duration(b[0]%100) * time.Millisecond)
			_, err := ks.Key(context.Background(), kid)
			var inv *ports.InvalidTokenError
			if !errors.As(err, &inv) || inv.Reason != ports.ReasonUnknownKey ||
				strings.Contains(inv.Description, kid) || !rfc6750Description(inv.Description) {
				bad.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		})
	}
	close(gate)
	// A known kid is answered while the storm's refetch is held at the
	// tenant: the fast path does not wait on a fetch.
	eventually(t, "the storm's refetch reaching the tenant", func() bool { return tn.jwksHits.Load() >= 2 })
	known := make(chan error, 1)
	go func() {
		key, err := ks.Key(context.Background(), "kid-a")
		if err == nil && !key.Equal(keyA()) {
			err = errors.New("got a different key, want the published one")
		}
		known <- err
	}()
	select {
	case err := <-known:
		if err != nil {
			t.Errorf("Key(kid-a) during the storm: got error %v, want the key", err)
		}
	case <-time.After(hang):
		t.Errorf("Key(kid-a) during the storm: no answer after %s while a refetch is held, want one at once", hang)
	}
	if !ks.fetchInProgress() {
		t.Errorf("storm: got no refetch in progress while the tenant holds it, want one")
	}
	close(held)
	wg.Wait()
	if got := bad.Load(); got != 0 {
		t.Fatalf("random kids: got %d answers other than a safe unknown_key (first: %v), want 0", got, firstErr.Load())
	}
	if got := tn.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS fetches for warm-up plus %d random kids in one cooldown: got %d, want 2", n, got)
	}
}

func TestKeySourceCallerContext(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t)
	tn.setDiscovery(tn.hang)
	// The fetch hangs until cleanup and FetchTimeout is far above hang: only
	// the caller's ctx can end the wait, and its error says so.
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: time.Hour})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ks.Key(ctx, "kid-a")
	if d := time.Since(start); d > hang {
		t.Errorf("Key with a 100ms ctx: took %s, want it ended by the ctx", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ports.ErrKeysUnavailable) {
		t.Errorf("Key with an expiring ctx: got %v, want ctx's own error", err)
	}

	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := ks.Key(canceled, "kid-a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Key with a canceled ctx: got %v, want context.Canceled", err)
	}
	// A caller whose ctx has ended starts no fetch: it would only spend
	// the cooldown for callers still waiting.
	idle := newTestKeySource(t, newKSTenant(t, jwk("kid-a", keyA())), KeySourceConfig{})
	if _, err := idle.Key(canceled, "kid-a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Key with a canceled ctx, nothing held: got %v, want context.Canceled", err)
	}
	if got := idle.lastAttemptStart(); !got.IsZero() {
		t.Errorf("fetch attempts for a canceled ctx: got one started at %v, want none", got)
	}
}
