package auth0

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestKeySourceColdOutageRecovers(t *testing.T) {
	t.Parallel()
	const fetchTimeout = 300 * time.Millisecond
	tests := []struct {
		name  string
		setup func(tn *ksTenant)
	}{
		{"tenant answers 503", func(tn *ksTenant) {
			tn.setDiscovery(status(http.StatusServiceUnavailable))
			tn.setJWKS(status(http.StatusServiceUnavailable))
		}},
		{"discovery hangs", func(tn *ksTenant) { tn.setDiscovery(tn.hang) }},
		{"JWKS fails", func(tn *ksTenant) { tn.setJWKS(status(http.StatusInternalServerError)) }},
		{"JWKS empty", func(tn *ksTenant) { tn.serveKeys() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t)
			tt.setup(tn)
			ks := newTestKeySource(t, tn, KeySourceConfig{
				FetchTimeout: fetchTimeout, UnknownKeyCooldown: 100 * time.Millisecond, RetryInterval: 50 * time.Millisecond,
			})
			ks.Start()

			start := time.Now()
			_, err := ks.Key(context.Background(), "kid-a")
			if d := time.Since(start); d > hang {
				t.Errorf("Key on a cold outage: took %s, want it bounded by the fetch timeout %s", d, fetchTimeout)
			}
			wantUnavailable(t, err, "kid-a")
			if ks.Ready() {
				t.Fatalf("Ready() during a cold outage: got true, want false")
			}

			// The tenant comes back; the background retry picks it up.
			tn.setDiscovery(tn.goodDiscovery)
			tn.serveKeys(jwk("kid-a", keyA()))
			waitReady(t, ks, hang)
			mustKey(t, ks, "kid-a", keyA())
		})
	}
}

func TestKeySourceHonoursCacheControl(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t)
	body := jwksJSON(jwk("kid-a", keyA()))
	tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600, stale-if-error=86400")
		w.Write(body)
	})
	ks := newTestKeySource(t, tn, KeySourceConfig{})
	mustKey(t, ks, "kid-a", keyA())
	if got := ks.set.Load().ttl; got != 10*time.Minute {
		t.Errorf("TTL with max-age=600: got %s, want 10m", got)
	}
}

func TestJWKSCacheTTL(t *testing.T) {
	t.Parallel()
	const (
		def      = 10 * time.Minute
		lo       = time.Minute
		hi       = 24 * time.Hour
		maxStale = 24 * time.Hour
	)
	tests := []struct {
		name     string
		values   []string // Cache-Control header lines
		maxStale time.Duration
		want     time.Duration
	}{
		{"no header", nil, maxStale, def},
		{"max-age within bounds", []string{"max-age=3600"}, maxStale, time.Hour},
		{"Auth0 style", []string{"public, max-age=600, stale-while-revalidate=60, stale-if-error=86400"}, maxStale, 10 * time.Minute},
		{"below the minimum", []string{"max-age=15"}, maxStale, lo},
		{"zero", []string{"max-age=0"}, maxStale, lo},
		{"above the maximum", []string{"max-age=31536000"}, maxStale, hi},
		{"overflowing", []string{"max-age=99999999999999999999999"}, maxStale, hi},
		{"past a Duration, within int64", []string{"max-age=9223372037"}, maxStale, hi},
		{"upper-case directive", []string{"MAX-AGE=120"}, maxStale, 2 * time.Minute},
		{"quoted value", []string{`max-age="120"`}, maxStale, 2 * time.Minute},
		{"spaces", []string{" public ,  max-age=120 "}, maxStale, 2 * time.Minute},
		{"split over two lines", []string{"public", "max-age=120"}, maxStale, 2 * time.Minute},
		{"negative", []string{"max-age=-5"}, maxStale, def},
		{"not a number", []string{"max-age=abc"}, maxStale, def},
		{"empty value", []string{"max-age="}, maxStale, def},
		{"two max-age", []string{"max-age=120, max-age=7200"}, maxStale, def},
		{"s-maxage only", []string{"s-maxage=120"}, maxStale, def},
		{"no-store", []string{"no-store"}, maxStale, lo},
		{"no-cache", []string{"no-cache, max-age=3600"}, maxStale, lo},
		{"no-cache for a field", []string{`no-cache="Set-Cookie", max-age=3600`}, maxStale, time.Hour},
		{"other directives only", []string{"public, immutable"}, maxStale, def},
		{"capped by MaxStaleAge", []string{"max-age=7200"}, time.Hour, time.Hour},
		{"default capped by MaxStaleAge", nil, 5 * time.Minute, 5 * time.Minute},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("Cache-Control", v)
		}
		if got := jwksCacheTTL(h, def, lo, hi, tt.maxStale); got != tt.want {
			t.Errorf("%s: jwksCacheTTL(%q): got %s, want %s", tt.name, tt.values, got, tt.want)
		}
	}
}

func TestJWKSDelays(t *testing.T) {
	t.Parallel()
	const ttl = 10 * time.Minute
	for range 1000 {
		if got := jwksRefreshDelay(ttl); got < ttl*80/100 || got > ttl*95/100 {
			t.Fatalf("jwksRefreshDelay(%s): got %s, want within 80%%..95%%", ttl, got)
		}
	}
	const base = 5 * time.Second
	tests := []struct {
		failures int
		factor   time.Duration
	}{{1, 1}, {2, 2}, {3, 4}, {4, 4}, {100, 4}}
	for _, tt := range tests {
		for range 200 {
			got := jwksRetryDelay(base, tt.failures)
			lo, hi := base*tt.factor*8/10, base*tt.factor*12/10
			if got < lo || got > hi {
				t.Fatalf("jwksRetryDelay(%s, %d): got %s, want within %s..%s", base, tt.failures, got, lo, hi)
			}
		}
	}
}
