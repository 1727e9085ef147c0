package auth0

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The refresh loop and its Cache-Control policy.

// maxRetryFactor bounds the backoff: retries never wait longer than
// maxRetryFactor*RetryInterval (plus jitter).
const maxRetryFactor = 4

// run is the background loop: warm up at once, refresh before the TTL ends,
// retry with jittered, bounded backoff while fetches fail.
func (k *KeySource) run() {
	defer k.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-t.C:
		}
		// Joining a caller's attempt in progress counts as this round's.
		k.mu.Lock()
		f, _, err := k.flightLocked(true)
		k.mu.Unlock()
		if err != nil {
			return // stopped
		}
		select {
		case <-k.ctx.Done():
			return
		case r := <-f:
			err = r.Err
		}
		var delay time.Duration
		switch s := k.set.Load(); {
		case err == nil && s != nil:
			failures = 0
			delay = jwksRefreshDelay(s.ttl)
		default:
			failures++
			delay = jwksRetryDelay(k.cfg.RetryInterval, failures)
		}
		t.Reset(delay)
	}
}

// jwksRefreshDelay is a random point between 80% and 95% of ttl, so that many
// instances do not refresh in step and the keys are renewed before they age.
func jwksRefreshDelay(ttl time.Duration) time.Duration {
	return time.Duration(float64(ttl) * (0.80 + 0.15*rand.Float64()))
}

// jwksRetryDelay doubles base per consecutive failure up to maxRetryFactor*base,
// then applies ±20% jitter.
func jwksRetryDelay(base time.Duration, failures int) time.Duration {
	d := base
	for i := 1; i < failures && d < maxRetryFactor*base; i++ {
		d *= 2
	}
	d = min(d, maxRetryFactor*base)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// jwksCacheTTL is how long a key set fetched with this response header is good
// for: a single valid Cache-Control max-age clamped to [lo, hi], lo for
// no-store or no-cache, def otherwise; never longer than maxStale.
func jwksCacheTTL(h http.Header, def, lo, hi, maxStale time.Duration) time.Duration {
	ttl := def
	if vals := h.Values("Cache-Control"); len(vals) > 0 {
		var (
			maxAges   int
			maxAge    time.Duration
			invalid   bool
			dontCache bool
		)
		for _, d := range strings.Split(strings.Join(vals, ","), ",") {
			name, val, hasVal := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store":
				dontCache = true
			case "no-cache":
				dontCache = dontCache || !hasVal // no-cache="field" is about fields only
			case "max-age":
				maxAges++
				secs, ok := parseDeltaSeconds(val)
				if !ok {
					invalid = true
				}
				maxAge = secs
			}
		}
		switch {
		case dontCache:
			ttl = lo
		case maxAges == 1 && !invalid:
			ttl = min(max(maxAge, lo), hi)
		}
	}
	return min(ttl, maxStale)
}

// parseDeltaSeconds parses an RFC 9111 delta-seconds value (optionally
// quoted); values too large for a Duration saturate.
func parseDeltaSeconds(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > maxSecs { // only overflow is left
		return time.Duration(maxSecs) * time.Second, true
	}
	return time.Duration(n) * time.Second, true
}
