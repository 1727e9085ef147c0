package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/httpapi"
)

// maxHeaderBytes bounds HTTP_MAX_HEADER_BYTES: what one connection can make
// the server buffer is a client's choice up to it.
const maxHeaderBytes = 1 << 20

// maxConnections bounds HTTP_MAX_CONNECTIONS: the cap's semaphore is
// allocated whole at start, and no file table holds more.
const maxConnections = 1 << 20

// minTimeout bounds the timeouts a request or a fetch of the keys must
// finish within.
const minTimeout = 100 * time.Millisecond

// maxRetryAfterSeconds bounds HTTP_RETRY_AFTER_SECONDS: an hour.
const maxRetryAfterSeconds = 3600

// maxStopWait bounds HTTP_DRAIN_DELAY and HTTP_SHUTDOWN_TIMEOUT each: a
// supervisor's grace period is seconds to minutes.
const maxStopWait = time.Hour

// validate checks every setting, alone and against the others, and names
// each fault by its setting; emptyEnv names the variables set empty in the
// environment c was loaded from, a fault only their raw values show.
func (c *Config) validate(emptyEnv map[string]bool) error {
	var errs []error
	errs = append(errs, c.checkTenant(emptyEnv)...)
	if len(c.Auth0.Audiences) == 0 {
		errs = append(errs, unset(emptyEnv, "AUTH0_AUDIENCE", "your API's identifier (e.g. https://messages-api.example.com)"))
	}
	// A file's list is taken as written, where the environment's entries are
	// trimmed and empty ones dropped: an entry with spaces around it matches
	// no token's aud, and an empty one (- ~) would fail only at start.
	for i, a := range c.Auth0.Audiences {
		if c.Dev {
			break // the dev tenant's, checked with its settings
		}
		switch {
		case a == "":
			errs = append(errs, fmt.Errorf("AUTH0_AUDIENCE (auth0.audiences) entry %d is empty: remove it", i+1))
		case strings.TrimSpace(a) != a || strings.IndexFunc(a, unicode.IsControl) >= 0:
			errs = append(errs, fmt.Errorf("AUTH0_AUDIENCE (auth0.audiences) %q has spaces around it or a control character, which no token's aud matches", a))
		}
	}
	if c.HTTP.Port < 0 || c.HTTP.Port > 65535 {
		errs = append(errs, fmt.Errorf("PORT (http.port) %d is not a TCP port", c.HTTP.Port))
	}
	// zap also knows dpanic, panic and fatal: levels that would hide every error.
	if l, err := zapcore.ParseLevel(c.Log.Level); err != nil || c.Log.Level == "" || l > zapcore.ErrorLevel {
		errs = append(errs, fmt.Errorf("LOG_LEVEL (log.level) %q is not one of debug, info, warn, error", c.Log.Level))
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT (log.format) %q is not json or console", c.Log.Format))
	}
	for _, s := range []struct {
		name string
		v    int64
		dur  bool // v is a time.Duration, shown as 1.5s, not in nanoseconds
	}{
		{"HTTP_READ_HEADER_TIMEOUT", int64(c.HTTP.ReadHeaderTimeout), true}, {"HTTP_READ_TIMEOUT", int64(c.HTTP.ReadTimeout), true},
		{"HTTP_WRITE_TIMEOUT", int64(c.HTTP.WriteTimeout), true}, {"HTTP_IDLE_TIMEOUT", int64(c.HTTP.IdleTimeout), true},
		{"HTTP_SHUTDOWN_TIMEOUT", int64(c.HTTP.ShutdownTimeout), true}, {"HTTP_MAX_HEADER_BYTES", int64(c.HTTP.MaxHeaderBytes), false},
		{"HTTP_MAX_CONNECTIONS", int64(c.HTTP.MaxConnections), false},
		{"JWKS_FETCH_TIMEOUT", int64(c.Keys.FetchTimeout), true}, {"JWKS_MAX_BODY_BYTES", c.Keys.MaxBodyBytes, false},
		{"JWKS_REFRESH_INTERVAL", int64(c.Keys.RefreshInterval), true}, {"JWKS_UNKNOWN_KEY_COOLDOWN", int64(c.Keys.UnknownKeyCooldown), true},
		{"JWKS_MAX_STALE_AGE", int64(c.Keys.MaxStaleAge), true}, {"JWKS_RETRY_INTERVAL", int64(c.Keys.RetryInterval), true},
		{"AUTH0_MAX_TOKEN_BYTES", int64(c.Auth0.MaxTokenBytes), false},
	} {
		if s.v <= 0 {
			shown := strconv.FormatInt(s.v, 10)
			if s.dur {
				shown = time.Duration(s.v).String()
			}
			errs = append(errs, fmt.Errorf("%s (%s) %s must be positive", s.name, Env[s.name], shown))
		}
	}
	for i, o := range c.HTTP.Handler.CORS.AllowedOrigins {
		switch err := httpapi.CheckOrigin(o); {
		case err != nil && httpapi.OriginNamedByPosition(o): // named by position: user information, a query or a fragment may hold a credential
			errs = append(errs, fmt.Errorf("CORS_ALLOWED_ORIGINS (http.handler.cors.allowed_origins) entry %d %w", i+1, err))
		case err != nil:
			errs = append(errs, fmt.Errorf("CORS_ALLOWED_ORIGINS (http.handler.cors.allowed_origins) %q %w", o, err))
		}
	}
	if _, err := httpapi.ParseTrustedProxies(c.HTTP.Handler.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("HTTP_TRUSTED_PROXIES (http.handler.trusted_proxies) %w", err))
	}
	// The upper bound: a few zeros too many would let the caches grow to
	// gigabytes, and the refusals are filled by whoever sends forged tokens.
	for _, s := range []struct {
		name string
		v    int
		max  string // what auth0.MaxCacheSize entries hold
	}{
		{"AUTH0_TOKEN_CACHE_SIZE", c.Auth0.CacheSize, "entries of 1 KiB: about 1 GiB"},
		{"AUTH0_REJECT_CACHE_SIZE", c.Auth0.RejectCacheSize, "about 100 MiB of refused tokens' digests"},
	} {
		switch {
		case s.v == 0 || s.v < -1:
			errs = append(errs, fmt.Errorf("%s (%s) %d must be positive, or -1 to disable", s.name, Env[s.name], s.v))
		case s.v > auth0.MaxCacheSize:
			errs = append(errs, fmt.Errorf("%s (%s) %d is above %d (%s)", s.name, Env[s.name], s.v, auth0.MaxCacheSize, s.max))
		}
	}
	if c.HTTP.DrainDelay < 0 {
		errs = append(errs, fmt.Errorf("HTTP_DRAIN_DELAY (http.drain_delay) %s must not be negative", c.HTTP.DrainDelay))
	}
	// The upper bound: a unit too large (2562047h) would make a SIGTERM's
	// stop wait for ever, outliving any supervisor's grace period.
	for _, s := range []struct {
		name string
		v    time.Duration
	}{{"HTTP_DRAIN_DELAY", c.HTTP.DrainDelay}, {"HTTP_SHUTDOWN_TIMEOUT", c.HTTP.ShutdownTimeout}} {
		if s.v > maxStopWait {
			errs = append(errs, fmt.Errorf("%s (%s) %s is above %s: a stop would wait that long", s.name, Env[s.name], s.v, maxStopWait))
		}
	}
	if c.HTTP.MaxConnections > maxConnections {
		errs = append(errs, fmt.Errorf("HTTP_MAX_CONNECTIONS (http.max_connections) %d is above %d: each connection holds a file descriptor and tens of KB",
			c.HTTP.MaxConnections, maxConnections))
	}
	if c.HTTP.MaxHeaderBytes > maxHeaderBytes {
		errs = append(errs, fmt.Errorf("HTTP_MAX_HEADER_BYTES (http.max_header_bytes) %d is above %d (1 MiB, net/http's default): every connection may make the server hold this much before it is refused",
			c.HTTP.MaxHeaderBytes, maxHeaderBytes))
	}
	// The handler drops what a quoted realm cannot carry (RFC 6750 §3) and
	// takes an empty one as its default: the challenge would not say what
	// was set, nor the startup line what is sent.
	switch r := c.HTTP.Handler.Realm; {
	case r == "":
		errs = append(errs, errors.New("HTTP_REALM (http.handler.realm) "+emptyVariable))
	case !httpapi.ValidRealm(r):
		errs = append(errs, fmt.Errorf("HTTP_REALM (http.handler.realm) %q is not up to %d printable ASCII characters without \" or \\, which the WWW-Authenticate realm carries", r, httpapi.MaxQuotedBytes))
	}
	// Empty is the default (all interfaces), but set empty it would
	// override a file's host, widening a loopback-only API to every
	// interface without a word; unset takes the default.
	if emptyEnv["HOST"] {
		errs = append(errs, errors.New("HOST (http.host) "+emptyVariable))
	}
	// The same for the dev tenant's address: set empty, it would move a
	// file's tenant (and the issuer its tokens carry) to the default port.
	if c.Dev && emptyEnv["DEV_TENANT_ADDR"] {
		errs = append(errs, errors.New("DEV_TENANT_ADDR (dev_tenant.addr) "+emptyVariable))
	}
	// At most an hour, as JWKS_RETRY_INTERVAL: a typo of 86400 would send
	// every client of a 503 away for a day.
	if r := c.HTTP.Handler.RetryAfterSeconds; r < 1 || r > maxRetryAfterSeconds {
		errs = append(errs, fmt.Errorf("HTTP_RETRY_AFTER_SECONDS (http.handler.retry_after_seconds) %d must be at least 1 and at most %d", r, maxRetryAfterSeconds))
	}
	if c.HTTP.Handler.CORS.MaxAgeSeconds < 0 {
		errs = append(errs, fmt.Errorf("CORS_MAX_AGE_SECONDS (http.handler.cors.max_age_seconds) %d must not be negative", c.HTTP.Handler.CORS.MaxAgeSeconds))
	}
	errs = append(errs, c.checkListeners()...)
	if c.Dev {
		errs = append(errs, c.checkDevSPA()...)
		errs = append(errs, c.devTenantFaults()...)
	}
	if c.Auth0.MaxTokenBytes < auth0.MinMaxTokenBytes {
		errs = append(errs, fmt.Errorf("AUTH0_MAX_TOKEN_BYTES (auth0.max_token_bytes) %d is below %d", c.Auth0.MaxTokenBytes, auth0.MinMaxTokenBytes))
	}
	if c.Keys.MinRefreshInterval < time.Second || c.Keys.MinRefreshInterval > c.Keys.MaxRefreshInterval {
		errs = append(errs, fmt.Errorf("JWKS_MIN_REFRESH_INTERVAL (keys.min_refresh_interval) %s must be at least 1s and at most JWKS_MAX_REFRESH_INTERVAL (%s)",
			c.Keys.MinRefreshInterval, c.Keys.MaxRefreshInterval))
	}
	// Limits that would let the server cut a request off before our handler answers it.
	if c.HTTP.MaxHeaderBytes > 0 && c.Auth0.MaxTokenBytes > c.HTTP.MaxHeaderBytes {
		errs = append(errs, fmt.Errorf("AUTH0_MAX_TOKEN_BYTES (auth0.max_token_bytes) %d is above HTTP_MAX_HEADER_BYTES (http.max_header_bytes) %d: longer tokens would get the server's bare 431, not a 401 saying why; raise the header cap or lower the token limit",
			c.Auth0.MaxTokenBytes, c.HTTP.MaxHeaderBytes))
	}
	if c.HTTP.WriteTimeout > 0 && c.Keys.FetchTimeout >= c.HTTP.WriteTimeout {
		errs = append(errs, fmt.Errorf("JWKS_FETCH_TIMEOUT (keys.fetch_timeout) %s is not below HTTP_WRITE_TIMEOUT (http.write_timeout) %s: a request waiting for the tenant's keys would be cut off with no answer",
			c.Keys.FetchTimeout, c.HTTP.WriteTimeout))
	}
	// The key source's pace against the tenant: each of these below its floor
	// would have it fetch that often (Auth0 rate-limits its endpoints).
	if k := c.Keys; k.RefreshInterval > 0 && (k.RefreshInterval < k.MinRefreshInterval || k.RefreshInterval > k.MaxRefreshInterval) {
		errs = append(errs, fmt.Errorf("JWKS_REFRESH_INTERVAL (keys.refresh_interval) %s is outside JWKS_MIN_REFRESH_INTERVAL..JWKS_MAX_REFRESH_INTERVAL (%s..%s)",
			k.RefreshInterval, k.MinRefreshInterval, k.MaxRefreshInterval))
	}
	if k := c.Keys; k.MaxStaleAge > 0 && k.MaxStaleAge < k.MinRefreshInterval {
		errs = append(errs, fmt.Errorf("JWKS_MAX_STALE_AGE (keys.max_stale_age) %s is below JWKS_MIN_REFRESH_INTERVAL (keys.min_refresh_interval) %s: the keys would be refetched that often",
			k.MaxStaleAge, k.MinRefreshInterval))
	}
	if r := c.Keys.RetryInterval; r > 0 && r < time.Second {
		errs = append(errs, fmt.Errorf("JWKS_RETRY_INTERVAL (keys.retry_interval) %s is below 1s: a tenant that is down would be retried at that pace", r))
	}
	// The retries back off to 4 times the interval, with jitter: near
	// Go's longest duration that product wrapped negative and the tenant
	// was retried without pause.
	if r := c.Keys.RetryInterval; r > auth0.MaxRetryInterval {
		errs = append(errs, fmt.Errorf("JWKS_RETRY_INTERVAL (keys.retry_interval) %s is above %s: without keys, private calls would answer 503 that long after the tenant is back", r, auth0.MaxRetryInterval))
	}
	// The body is held whole, and one bound away from overflow broke the
	// reader's cap: every key set read as empty.
	if c.Keys.MaxBodyBytes > auth0.MaxMaxBodyBytes {
		errs = append(errs, fmt.Errorf("JWKS_MAX_BODY_BYTES (keys.max_body_bytes) %d is above %d (16 MiB): a tenant's key set is a few KiB, and the body is held in memory whole", c.Keys.MaxBodyBytes, auth0.MaxMaxBodyBytes))
	}
	// Positive is not enough: at 5ns for 5s, every request would be cut off
	// unanswered, or every fetch of the keys fail and private calls get 503.
	for _, s := range []struct {
		name   string
		v      time.Duration
		effect string
	}{
		{"HTTP_READ_HEADER_TIMEOUT", c.HTTP.ReadHeaderTimeout, "every request would be cut off unanswered"},
		{"HTTP_READ_TIMEOUT", c.HTTP.ReadTimeout, "every request would be cut off unanswered"},
		{"HTTP_WRITE_TIMEOUT", c.HTTP.WriteTimeout, "every request would be cut off unanswered"},
		{"JWKS_FETCH_TIMEOUT", c.Keys.FetchTimeout, "no fetch of the tenant's keys would finish, and private calls would answer 503"},
	} {
		if s.v > 0 && s.v < minTimeout {
			errs = append(errs, fmt.Errorf("%s (%s) %s is below %s: %s", s.name, Env[s.name], s.v, minTimeout, s.effect))
		}
	}
	if c.Keys.UnknownKeyCooldown < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("JWKS_UNKNOWN_KEY_COOLDOWN (keys.unknown_key_cooldown) %s is below 100ms: the tenant would be refetched at the attacker's pace", c.Keys.UnknownKeyCooldown))
	}
	return errors.Join(errs...)
}

// checkTenant builds c.Tenant, the one check of the domain, the loopback
// rule and the leeway, and words its faults by the setting at fault.
func (c *Config) checkTenant(emptyEnv map[string]bool) []error {
	leeway := fmt.Errorf("AUTH0_LEEWAY (auth0.leeway) %s is outside 1ns..%s", c.Auth0.Leeway, auth0.MaxLeeway)
	var errs []error
	if c.Auth0.Leeway == 0 {
		// NewTenant reads 0 as its default; a setting of 0s is a mistake.
		errs = append(errs, leeway)
	}
	t, err := auth0.NewTenant(c.Auth0.Domain, c.Auth0.AllowInsecureLoopback, c.Auth0.Leeway)
	if err == nil {
		c.Tenant = t
		return errs
	}
	faults := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		faults = j.Unwrap()
	}
	devAddrNamed := false
	for _, e := range faults {
		switch {
		case c.Dev && !errors.Is(e, auth0.ErrLeeway):
			// -dev builds the domain from DEV_TENANT_ADDR: name that setting
			// once, never an AUTH0_DOMAIN the user did not set.
			if f := devAddrFault(c.DevTenant.Addr); f != nil && !devAddrNamed {
				errs = append(errs, f)
			}
			devAddrNamed = true
		case errors.Is(e, auth0.ErrNoDomain):
			errs = append(errs, unset(emptyEnv, "AUTH0_DOMAIN", "your Auth0 tenant domain (e.g. example.eu.auth0.com)"))
		case errors.Is(e, auth0.ErrLeeway):
			errs = append(errs, leeway)
		default:
			// The adapter names the variable only; with the key too, the
			// fault is attributed to where it was set (a -config file's
			// domain was blamed on AUTH0_DOMAIN).
			msg, ok := strings.CutPrefix(e.Error(), "auth0: AUTH0_DOMAIN ")
			if !ok {
				errs = append(errs, e)
				continue
			}
			errs = append(errs, errors.New("AUTH0_DOMAIN (auth0.domain) "+msg))
		}
	}
	return errs
}

// unset is the error for a required setting left empty, naming an empty
// environment variable (one of emptyEnv) as the cause: it overrides a
// file's value, which the operator may be looking at.
func unset(emptyEnv map[string]bool, name, what string) error {
	if emptyEnv[name] {
		return fmt.Errorf("%s is set but empty in the environment, which overrides the defaults and the -config file: unset it, or set it to %s", name, what)
	}
	return fmt.Errorf("%s is not set: set it to %s, or run with -dev", name, what)
}
