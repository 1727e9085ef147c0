// Package authtest is a fake ports.TokenVerifier for integration tests: it
// maps opaque test tokens to claims, so tests need no tenant and no keys.
package authtest

import (
	"context"
	"sync"
	"time"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// Verifier accepts exactly the tokens it was given and refuses every other
// one as malformed. Fail makes it return one error for every token, to test
// how callers handle any port error. It is safe for concurrent use.
type Verifier struct {
	mu     sync.RWMutex
	tokens map[string]domain.Claims
	err    error
	delay  time.Duration
	calls  int
}

var _ ports.TokenVerifier = (*Verifier)(nil)

// New returns a verifier that accepts tokens, each mapped to its claims.
func New(tokens map[string]domain.Claims) *Verifier {
	v := &Verifier{tokens: make(map[string]domain.Claims, len(tokens))}
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

// Slow makes every Verify take d (or until its context ends), to hold
// requests in flight in shutdown and timeout tests.
func (v *Verifier) Slow(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.delay = d
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
	delay := v.delay
	v.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if err := ctx.Err(); err != nil {
		return domain.Claims{}, err
	}
	if v.err != nil {
		return domain.Claims{}, v.err
	}
	c, ok := v.tokens[token]
	if !ok {
		return domain.Claims{}, ports.Invalid(ports.ReasonMalformed, "unknown test token")
	}
	return c, nil
}
