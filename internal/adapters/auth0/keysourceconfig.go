package auth0

// The key source's settings: their defaults and the checks NewKeySource runs.

import (
	"fmt"
	"time"
)

// Defaults for the zero values of KeySourceConfig.
const (
	defaultFetchTimeout       = 5 * time.Second
	defaultMaxBodyBytes       = 1 << 20
	defaultRefreshInterval    = 10 * time.Minute
	defaultMinRefreshInterval = time.Minute
	defaultMaxRefreshInterval = 24 * time.Hour
	defaultUnknownKeyCooldown = 5 * time.Second
	defaultMaxStaleAge        = 24 * time.Hour
	defaultRetryInterval      = 5 * time.Second
)

// Upper bounds of KeySourceConfig, refused above: past them the body cap
// (read to MaxBodyBytes+1) and the retry backoff (to 4 times
// RetryInterval, with jitter) would overflow, reading every key set as
// empty or retrying a tenant without pause.
const (
	MaxMaxBodyBytes  = 16 << 20  // a tenant's key set is a few KiB, held in memory whole
	MaxRetryInterval = time.Hour // without keys, private calls answer 503 until the next retry
)

// KeySourceConfig configures a KeySource. Zero values are replaced by the
// defaults in brackets by NewKeySource.
type KeySourceConfig struct {
	FetchTimeout       time.Duration // [5s] whole-request timeout for discovery and JWKS fetches
	MaxBodyBytes       int64         // [1 MiB] a larger body is rejected without reading it all
	RefreshInterval    time.Duration // [10m] default TTL of a good key set
	MinRefreshInterval time.Duration // [1m] lower bound when honouring Cache-Control max-age
	MaxRefreshInterval time.Duration // [24h] upper bound when honouring Cache-Control max-age
	UnknownKeyCooldown time.Duration // [5s] at most one refetch for unknown kids per cooldown
	MaxStaleAge        time.Duration // [24h] keep serving last good keys this long after the last good fetch
	RetryInterval      time.Duration // [5s] background retry interval while there are no keys / fetches fail
}

func normalizeKeySourceConfig(cfg KeySourceConfig) (KeySourceConfig, error) {
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"FetchTimeout", &cfg.FetchTimeout, defaultFetchTimeout},
		{"RefreshInterval", &cfg.RefreshInterval, defaultRefreshInterval},
		{"MinRefreshInterval", &cfg.MinRefreshInterval, defaultMinRefreshInterval},
		{"MaxRefreshInterval", &cfg.MaxRefreshInterval, defaultMaxRefreshInterval},
		{"UnknownKeyCooldown", &cfg.UnknownKeyCooldown, defaultUnknownKeyCooldown},
		{"MaxStaleAge", &cfg.MaxStaleAge, defaultMaxStaleAge},
		{"RetryInterval", &cfg.RetryInterval, defaultRetryInterval},
	}
	for _, d := range durations {
		switch {
		case *d.v < 0:
			return cfg, fmt.Errorf("auth0 key source: %s must not be negative, got %s", d.name, *d.v)
		case *d.v == 0:
			*d.v = d.def
		}
	}
	switch {
	case cfg.MaxBodyBytes < 0:
		return cfg, fmt.Errorf("auth0 key source: MaxBodyBytes must not be negative, got %d", cfg.MaxBodyBytes)
	case cfg.MaxBodyBytes == 0:
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	case cfg.MaxBodyBytes > MaxMaxBodyBytes:
		return cfg, fmt.Errorf("auth0 key source: MaxBodyBytes must be at most %d, got %d", MaxMaxBodyBytes, cfg.MaxBodyBytes)
	}
	if cfg.RetryInterval > MaxRetryInterval {
		return cfg, fmt.Errorf("auth0 key source: RetryInterval must be at most %s, got %s", MaxRetryInterval, cfg.RetryInterval)
	}
	if cfg.MinRefreshInterval > cfg.MaxRefreshInterval {
		return cfg, fmt.Errorf("auth0 key source: MinRefreshInterval %s exceeds MaxRefreshInterval %s",
			cfg.MinRefreshInterval, cfg.MaxRefreshInterval)
	}
	return cfg, nil
}
