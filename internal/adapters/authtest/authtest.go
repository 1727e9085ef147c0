// Package authtest is a fake ports.TokenVerifier for integration tests: it
// maps opaque test tokens to claims, so tests need no tenant and no keys.
package authtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// Verifier accepts exactly the tokens it was given and refuses every other
// one as ports.ReasonMalformed with the description "unknown test token"
// (the 401's error_description). Fail makes it return one error for every
// token, and Refuse one error for one token, to test how callers handle any
// port error. Make one with New; it is safe for concurrent use.
type Verifier struct {
	mu      sync.RWMutex
	tokens  map[string]domain.Claims
	refused map[string]error
	err     error
	gate    *Gate   // the latest Hold's: where Verify waits
	gates   []*Gate // every Hold's, for ReleaseAll
	calls   int
}

var _ ports.TokenVerifier = (*Verifier)(nil)

// New returns a verifier that accepts tokens, each mapped to its claims.
func New(tokens map[string]domain.Claims) *Verifier {
	v := &Verifier{tokens: make(map[string]domain.Claims, len(tokens)), refused: map[string]error{}}
	for t, c := range tokens {
		v.tokens[t] = c
	}
	return v
}

// Add accepts one more token.
func (v *Verifier) Add(token string, claims domain.Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.tokens[token] = claims
}

// Fail makes every Verify return err; nil restores normal behaviour. Use
// ports.Invalid(reason, ...), ports.ErrKeysUnavailable or any other error.
func (v *Verifier) Fail(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.err = err
}

// Refuse makes Verify return err for token alone, while other tokens pass
// or fail as before (Fail still wins over it); nil restores the token's
// normal behaviour. Use ports.Invalid(reason, ...), ports.ErrKeysUnavailable
// or any other error.
func (v *Verifier) Refuse(token string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err == nil {
		delete(v.refused, token)
		return
	}
	v.refused[token] = err
}

// Hold makes every Verify from now on wait at the returned gate until it
// is released (or the request's context ends), to keep requests in flight
// in shutdown tests without guessing how long they take.
func (v *Verifier) Hold() *Gate {
	g := &Gate{open: make(chan struct{}), arrived: make(chan struct{}, 1<<16), patience: ArrivalWait}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.gate = g
	v.gates = append(v.gates, g)
	return g
}

// ReleaseAll releases every gate Hold has made. apptest.Start calls it
// when the test ends, before it stops the app: a test that failed with
// requests held would otherwise wait out the shutdown timeout, then fail
// again on a stop that did not finish cleanly.
func (v *Verifier) ReleaseAll() {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for _, g := range v.gates {
		g.Release()
	}
}

// Gate holds Verify calls until Release.
type Gate struct {
	open     chan struct{}
	arrived  chan struct{} // one value per call that reached the gate
	released sync.Once
	patience time.Duration // Arrived's wait: ArrivalWait, shorter in tests
}

// ArrivalWait is how long Arrived waits for the calls it counts before it
// fails the test.
const ArrivalWait = 10 * time.Second

// Arrived waits until n calls have reached the gate that no earlier
// Arrived counted (calls that came before this Arrived count), and stops
// the test with t.Fatalf (so call it from t's goroutine) if they have not
// within ArrivalWait: a request that never reaches the verifier (no token,
// a public route, a 400 for two Authorization headers) would otherwise
// hang the test until go test's -timeout.
func (g *Gate) Arrived(t testing.TB, n int) {
	t.Helper()
	timeout := time.NewTimer(g.patience)
	defer timeout.Stop()
	for i := range n {
		select {
		case <-g.arrived:
		case <-timeout.C:
			t.Fatalf("authtest: %d of %d calls reached the gate within %s: do the requests reach the verifier (a token, a private route)?", i, n, g.patience)
		}
	}
}

// Release lets every held call, and every later one, through.
func (g *Gate) Release() { g.released.Do(func() { close(g.open) }) }

func (g *Gate) wait(ctx context.Context) {
	select {
	case g.arrived <- struct{}{}:
	default: // more arrivals than anyone will count
	}
	select {
	case <-g.open:
	case <-ctx.Done():
	}
}

// Calls reports how many times Verify ran.
func (v *Verifier) Calls() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.calls
}

// Verify implements ports.TokenVerifier.
func (v *Verifier) Verify(ctx context.Context, token string) (domain.Claims, error) {
	v.mu.Lock()
	v.calls++
	gate := v.gate
	v.mu.Unlock()
	if gate != nil {
		gate.wait(ctx)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if err := ctx.Err(); err != nil {
		return domain.Claims{}, err
	}
	if v.err != nil {
		return domain.Claims{}, v.err
	}
	if err := v.refused[token]; err != nil {
		return domain.Claims{}, err
	}
	c, ok := v.tokens[token]
	if !ok {
		return domain.Claims{}, ports.Invalid(ports.ReasonMalformed, "unknown test token")
	}
	return c, nil
}
