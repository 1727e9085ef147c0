package auth0

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterMetrics exposes the key source's fetches and keys and the
// verified-token cache in reg. Call it before ks starts.
func RegisterMetrics(reg prometheus.Registerer, v *Verifier, ks *KeySource) error {
	fetches := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "messages_api_jwks_fetches_total",
		Help: "Attempts to fetch the tenant's keys (discovery and JWKS), by result (success, failure).",
	}, []string{"result"})
	duration := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "messages_api_jwks_fetch_duration_seconds",
		Help:    "Time one attempt to fetch the tenant's keys took.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	ks.OnFetch(func(ok bool, d time.Duration) {
		result := "success"
		if !ok {
			result = "failure"
		}
		fetches.WithLabelValues(result).Inc()
		duration.Observe(d.Seconds())
	})
	collectors := []prometheus.Collector{
		fetches, duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "messages_api_jwks_keys",
			Help: "Usable signing keys held (0 when none, or when the held set is past its max stale age).",
		}, func() float64 { return float64(ks.Stats().Keys) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "messages_api_jwks_key_age_seconds",
			Help: "Seconds since the last good fetch of the tenant's keys; -1 before the first.",
		}, func() float64 {
			last := ks.Stats().LastGoodFetch
			if last.IsZero() {
				return -1
			}
			return time.Since(last).Seconds()
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "messages_api_token_cache_hits_total",
			Help: "Tokens answered from the verified-token cache (or the cache of refused tokens).",
		}, func() float64 { h, _, _ := v.CacheStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "messages_api_token_cache_misses_total",
			Help: "Tokens that needed a full verification.",
		}, func() float64 { _, m, _ := v.CacheStats(); return float64(m) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "messages_api_token_cache_entries",
			Help: "Verified tokens in the cache.",
		}, func() float64 { _, _, n := v.CacheStats(); return float64(n) }),
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
