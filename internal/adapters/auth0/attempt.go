package auth0

// Fetch attempts: one at a time, shared by every caller that joins it,
// started by callers at most once per UnknownKeyCooldown (the background
// loop in refresh.go paces itself), and their bookkeeping.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"
)

// await joins the attempt in progress or, unless the last one started less
// than UnknownKeyCooldown ago, starts one, and waits for it until ctx ends or
// FetchTimeout passes. ctxDone says the returned error is ctx's own.
//
// A caller that finds a refetch due (the cooldown is over) is promised a
// fetch that starts after it arrived. If it had to join an attempt that was
// already running (one slower than the cooldown, or one finishing its
// bookkeeping), that attempt may have read the JWKS before the tenant
// published kid; so when kid is still unknown afterwards, the caller follows
// up once, under the cooldown again. The cooldown still bounds how often
// fetches start, so a kid storm costs at most one fetch per cooldown.
func (k *KeySource) await(ctx context.Context, kid string) (ctxDone bool, err error) {
	k.mu.Lock()
	due := k.coolingDownLocked(k.now()) == nil
	f, joined, err := k.flightLocked(false)
	k.mu.Unlock()
	if err != nil {
		return false, err
	}

	t := time.NewTimer(k.cfg.FetchTimeout)
	defer t.Stop()
	over, ctxDone, err := k.wait(ctx, f, t.C)
	if !over || !joined || !due || k.has(kid) {
		return ctxDone, err
	}
	k.mu.Lock()
	f, _, err = k.flightLocked(false)
	k.mu.Unlock()
	if err != nil {
		// Most likely a cooldown: another attempt started after this
		// caller arrived, and its keys are what Key looks at next.
		return false, err
	}
	_, ctxDone, err = k.wait(ctx, f, t.C)
	return ctxDone, err
}

// wait waits for f to be over (over), ctx to end (ctxDone) or timeout.
func (k *KeySource) wait(ctx context.Context, f <-chan singleflight.Result, timeout <-chan time.Time) (over, ctxDone bool, err error) {
	select {
	case r := <-f:
		return true, false, r.Err
	case <-ctx.Done():
		return false, true, ctx.Err()
	case <-timeout:
		return false, false, fmt.Errorf("no key set fetched within %s", k.cfg.FetchTimeout)
	}
}

// has reports whether a current key set holds kid.
func (k *KeySource) has(kid string) bool {
	s := k.current()
	return s != nil && len(s.keys[kid]) > 0
}

// flightLocked returns the attempt in progress (joined) or starts one. A
// caller (force false) starts none while the last attempt is less than
// UnknownKeyCooldown old; the background loop (force) paces itself. k.mu
// must be held: deciding and starting (or joining) under one hold of the
// lock is what makes "the cooldown is over and no attempt is running" mean
// that the caller gets a new attempt, never the tail of an older one.
func (k *KeySource) flightLocked(force bool) (f <-chan singleflight.Result, joined bool, err error) {
	if k.inFlight {
		return k.fetches.DoChan(fetchKey, k.attempt), true, nil
	}
	if k.stopped {
		return nil, false, errors.New("key source stopped")
	}
	now := k.now()
	if !force {
		if err := k.coolingDownLocked(now); err != nil {
			return nil, false, err
		}
	}
	k.inFlight = true
	k.lastAttempt = now
	// Holding mu while calling wg.Add means no Add can race with Stop's Wait.
	k.wg.Add(1)
	return k.fetches.DoChan(fetchKey, k.attempt), false, nil
}

// coolingDownLocked returns a non-nil error when the last attempt started
// less than UnknownKeyCooldown before now. k.mu must be held. It is cheap: a
// flood of unknown kids lands here, and the message is built only if read.
func (k *KeySource) coolingDownLocked(now time.Time) error {
	if k.lastAttempt.IsZero() {
		return nil
	}
	since := now.Sub(k.lastAttempt)
	if since >= k.cfg.UnknownKeyCooldown {
		return nil
	}
	return &cooldownError{since: since, wait: k.cfg.UnknownKeyCooldown - since, last: k.lastErr}
}

// cooldownError says no fetch was made because the last one was too recent.
type cooldownError struct {
	since, wait time.Duration
	last        error // outcome of the last attempt
}

func (e *cooldownError) Error() string {
	msg := fmt.Sprintf("not refetching for another %s (cooldown): the last attempt was %s ago",
		e.wait.Round(time.Millisecond), e.since.Round(time.Millisecond))
	if e.last != nil {
		msg += " and failed: " + e.last.Error()
	}
	return msg
}

// fetchKey names the one shared attempt in KeySource.fetches.
const fetchKey = "jwks"

// attempt is the shared fetch, started by flightLocked, so attempts never
// overlap. Its outcome reaches the callers only once all its bookkeeping is
// done.
func (k *KeySource) attempt() (any, error) {
	defer k.wg.Done()

	prev := k.set.Load()
	began := time.Now()
	err := k.fetch()
	if k.onFetch != nil {
		k.onFetch(err == nil, time.Since(began))
	}

	now := k.now()
	k.mu.Lock()
	k.lastErr = err
	failures := k.failures
	warn := false
	if err != nil {
		k.failures++
		// The first failure of a run, then at most one warning a minute.
		// A fetch cut short by Stop is not worth a warning.
		if warn = k.ctx.Err() == nil && (failures == 0 || now.Sub(k.lastWarn) >= failureWarnInterval); warn {
			k.lastWarn = now
		}
	} else {
		k.failures = 0
	}
	k.mu.Unlock()

	k.logAttempt(prev, err, failures, warn)

	// Forgetting the attempt under mu: whoever then finds none in flight
	// finds this attempt's outcome in place, and starts a new one.
	k.mu.Lock()
	k.inFlight = false
	k.fetches.Forget(fetchKey)
	k.mu.Unlock()
	return nil, err
}
