// Package config loads the service's settings: the embedded defaults
// (configs/config.yaml), the dev overlay with -dev, an optional -config
// file, then environment variables. It validates them before anything starts.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"

	"github.com/example/messages-api/configs"
	"github.com/example/messages-api/internal/adapters/admin"
	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
)

// Config is every setting of the service.
type Config struct {
	Dev       bool `koanf:"-"` // -dev: run the local tenant and verify its tokens
	Auth0     Auth0
	Keys      auth0.KeySourceConfig
	Tenant    auth0.Tenant `koanf:"-"` // built once from Auth0 by Load
	HTTP      httpapi.ServerConfig
	Admin     admin.Config
	Log       Log
	DevTenant devtenant.Config
	Tracing   tracing.Config `koanf:"-"` // from the standard OTEL_* variables, read by tracing.ConfigFromEnv

	effective map[string]any // every setting by name, for the startup log
	unknown   []UnknownVariable
}

// UnknownEnv lists the environment's variables that look like settings
// but are none, for a warning at startup.
func (c Config) UnknownEnv() []UnknownVariable { return c.unknown }

// Effective returns every setting by its name (e.g. "keys.fetch_timeout")
// with its effective value, secrets left out: the dev tenant's clients
// appear by id only.
func (c Config) Effective() map[string]any { return c.effective }

// Auth0 is the auth0 section: the tenant's settings, checked once into
// Config.Tenant by auth0.NewTenant, and the verifier's own.
type Auth0 struct {
	// Domain is the tenant, e.g. "example.eu.auth0.com"; a scheme and a
	// trailing slash are accepted. The issuer is derived from it.
	Domain string
	// Leeway is the tolerated clock skew.
	Leeway time.Duration
	// AllowInsecureLoopback permits an http issuer on a loopback host.
	// Only dev mode sets it, for the local dev tenant; no file can.
	AllowInsecureLoopback bool `koanf:"-"`

	auth0.Config `koanf:",squash"`
}

// Log selects the logger's level and encoding.
type Log struct {
	Level  string // debug, info, warn, error
	Format string // json or console
}

// Env maps each environment variable to the setting it overrides. The names
// of the Auth0 samples (AUTH0_DOMAIN, AUTH0_AUDIENCE, PORT) come first.
var Env = map[string]string{
	"AUTH0_DOMAIN":              "auth0.domain",
	"AUTH0_AUDIENCE":            "auth0.audiences",
	"PORT":                      "http.port",
	"HOST":                      "http.host",
	"AUTH0_LEEWAY":              "auth0.leeway",
	"AUTH0_PERMISSIONS":         "auth0.permissions",
	"AUTH0_REQUIRE_AT_JWT":      "auth0.require_at_jwt",
	"AUTH0_MAX_TOKEN_BYTES":     "auth0.max_token_bytes",
	"AUTH0_TOKEN_CACHE_SIZE":    "auth0.cache_size",
	"AUTH0_REJECT_CACHE_SIZE":   "auth0.reject_cache_size",
	"JWKS_FETCH_TIMEOUT":        "keys.fetch_timeout",
	"JWKS_MAX_BODY_BYTES":       "keys.max_body_bytes",
	"JWKS_REFRESH_INTERVAL":     "keys.refresh_interval",
	"JWKS_MIN_REFRESH_INTERVAL": "keys.min_refresh_interval",
	"JWKS_MAX_REFRESH_INTERVAL": "keys.max_refresh_interval",
	"JWKS_UNKNOWN_KEY_COOLDOWN": "keys.unknown_key_cooldown",
	"JWKS_MAX_STALE_AGE":        "keys.max_stale_age",
	"JWKS_RETRY_INTERVAL":       "keys.retry_interval",
	"HTTP_READ_HEADER_TIMEOUT":  "http.read_header_timeout",
	"HTTP_READ_TIMEOUT":         "http.read_timeout",
	"HTTP_WRITE_TIMEOUT":        "http.write_timeout",
	"HTTP_IDLE_TIMEOUT":         "http.idle_timeout",
	"HTTP_MAX_HEADER_BYTES":     "http.max_header_bytes",
	"HTTP_MAX_CONNECTIONS":      "http.max_connections",
	"HTTP_SHUTDOWN_TIMEOUT":     "http.shutdown_timeout",
	"HTTP_DRAIN_DELAY":          "http.drain_delay",
	"ADMIN_ADDR":                "admin.addr",
	"DEV_TENANT_ADDR":           "dev_tenant.addr",
	"DEV_TENANT_SPA_ADDR":       "dev_tenant.spa_addr",
	"HTTP_REALM":                "http.handler.realm",
	"HTTP_RETRY_AFTER_SECONDS":  "http.handler.retry_after_seconds",
	"CORS_ALLOWED_ORIGINS":      "http.handler.cors.allowed_origins",
	"CORS_ALLOW_CREDENTIALS":    "http.handler.cors.allow_credentials",
	"CORS_MAX_AGE_SECONDS":      "http.handler.cors.max_age_seconds",
	"HTTP_TRUSTED_PROXIES":      "http.handler.trusted_proxies",
	"HTTP_LOG_EVERY_REJECTION":  "http.handler.log_every_rejection",
	"LOG_LEVEL":                 "log.level",
	"LOG_FORMAT":                "log.format",
}

// Parse reads the command line (-dev, -config FILE) and the environment
// (KEY=VALUE pairs, as os.Environ returns) and returns the validated config.
func Parse(args, environ []string) (Config, error) {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dev := fs.Bool("dev", false, "run with the local dev tenant on loopback")
	reset := fs.Bool("dev-reset", false, "with -dev: replace the dev tenant's signing key (tokens issued before stop working)")
	var path configPath
	fs.Var(&path, "config", "a YAML `FILE` laid over the embedded defaults")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return Config{}, Help(usage + "\n" + b.String() + settingsHelp)
	} else if err != nil {
		return Config{}, fmt.Errorf("%w (%s)", err, usage)
	}
	if fs.NArg() > 0 {
		// Redacted: a URL given here (the tenant's, say) may carry a credential.
		return Config{}, fmt.Errorf("unexpected argument %q (%s)", auth0.RedactURL(fs.Arg(0)), usage)
	}
	if *reset && !*dev {
		return Config{}, fmt.Errorf("-dev-reset needs -dev (%s)", usage)
	}
	c, err := Load(*dev, path.String(), environ)
	c.DevTenant.ResetKey = *reset
	return c, err
}

const usage = "usage: api [-dev [-dev-reset]] [-config FILE]"

// configPath is -config's value. Gate: the flag package takes an empty
// value as none and a second one over the first, so a script's
// -config "$UNSET" or a repeated -config would run, without a word, on
// settings other than those meant.
type configPath string

func (p *configPath) String() string { return string(*p) }

func (p *configPath) Set(v string) error {
	switch {
	case *p != "":
		return errors.New("given twice: give one file")
	case strings.TrimSpace(v) == "":
		return errors.New("is empty: give a FILE, or leave the flag out")
	}
	*p = configPath(v)
	return nil
}

const settingsHelp = `Settings: the embedded configs/config.yaml, then -config FILE, then the environment
(AUTH0_DOMAIN, AUTH0_AUDIENCE, PORT, ADMIN_ADDR, LOG_LEVEL, OTEL_*...); every one is in
README.md, section Configuration.
`

// Help is what Parse returns for -h or -help: the usage text, to print as
// it is with exit status 0 (the user asked for it; it is no error).
type Help string

func (h Help) Error() string { return string(h) }

// Load merges the defaults, the dev overlay when dev is set, the file at
// path when it is not empty, and environ, then validates the result. Errors
// name each setting by where it was set: the file, or the environment
// variable; an unknown setting in the file gets the closest known one.
func Load(dev bool, path string, environ []string) (Config, error) {
	var file *koanf.Koanf
	if path != "" {
		b, err := readFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
		file = koanf.New(".")
		if err := file.Load(rawbytes.Provider(b), yaml.Parser()); err != nil {
			hint := ""
			if tabIndent.Match(b) { // YAML's own words do not say it: "found character that cannot start any token"
				hint = " (a line is indented with a tab: YAML indents with spaces)"
			}
			return Config{}, yamlFaults(path, withoutValues(err.Error()), hint)
		}
		if err := checkOneDocument(path, b); err != nil {
			return Config{}, err
		}
		if err := checkDottedKeys(path, file.Raw()); err != nil {
			return Config{}, err
		}
		if err := checkFileKeys(path, file); err != nil {
			return Config{}, err
		}
		if err := checkFileNumbers(path, b); err != nil {
			return Config{}, err
		}
	}
	c, err := load(dev, file, environ)
	return c, attribute(err, sources(path, file, environ))
}

func load(dev bool, file *koanf.Koanf, environ []string) (Config, error) {
	// A variable in quotes is said once, as that, and alone: read on, it
	// would also fail as a number, a duration or a domain, in words that
	// hide the quotes, or not at all (a string setting).
	emptyEnv, quoted := envShapes(environ)
	if len(quoted) > 0 {
		errs := make([]error, len(quoted))
		for i, name := range quoted {
			errs[i] = fmt.Errorf("%s (%s) is wrapped in quotes, which would be part of the value: remove them", name, Env[name])
		}
		return Config{}, errors.Join(errs...)
	}
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(configs.Default), yaml.Parser()); err != nil {
		return Config{}, fmt.Errorf("embedded defaults: %w", err)
	}
	if dev {
		if err := k.Load(rawbytes.Provider(configs.Dev), yaml.Parser()); err != nil {
			return Config{}, fmt.Errorf("embedded dev config: %w", err)
		}
	}
	defaults := k.Copy() // each setting's type, whatever the file and environment hold
	if file != nil {
		// A setting the file leaves empty (port:) would reach the decoder as
		// nothing and leave the setting at 0 or false (port 0 listens on a
		// random port); as "" it is refused as an empty variable is.
		var empty []string
		for _, key := range file.Keys() {
			switch k.Get(key).(type) {
			case int, bool, string: // durations are strings; a string setting decodes "" as it did nothing
				if file.Get(key) == nil {
					empty = append(empty, key)
				}
			case map[string]any:
				// A section left empty (its settings commented out) is null
				// to YAML: merged, it would replace every default in it with
				// nothing, where it holds nothing to lay over them.
				if file.Get(key) == nil {
					file.Delete(key)
				}
			}
		}
		if err := k.Merge(file); err != nil {
			return Config{}, err
		}
		for _, key := range empty {
			if err := k.Set(key, ""); err != nil {
				return Config{}, err
			}
		}
	}
	err := k.Load(env.Provider(".", env.Opt{
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(name, value string) (string, any) {
			key, ok := Env[name]
			if !ok {
				return "", nil
			}
			if key == "auth0.audiences" || key == "http.handler.cors.allowed_origins" || key == "http.handler.trusted_proxies" {
				return key, SplitList(value)
			}
			return key, strings.TrimSpace(value)
		},
	}), nil)
	if err != nil {
		return Config{}, fmt.Errorf("environment: %w", err)
	}

	var c Config
	err = k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		TagName: "koanf", // `koanf:"-"` fields (issuer, insecure loopback) are never set from outside
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			strictTypes,
			mapstructure.StringToTimeDurationHookFunc(),
			listHook,
		),
		// Settings are snake_case; the adapters' fields are plain Go names.
		MatchName: func(key, field string) bool {
			return strings.EqualFold(strings.ReplaceAll(key, "_", ""), field)
		},
		ErrorUnused:      true, // a misspelt setting is an error, not a silent default
		WeaklyTypedInput: true, // environment values are strings
		Result:           &c,
	}})
	if err != nil {
		// The decoder heads its faults with a line that names no setting;
		// each fault is a line of its own that does.
		var faults interface{ Unwrap() []error }
		if !errors.As(err, &faults) {
			return Config{}, fmt.Errorf("invalid setting: %s", settingNames(err.Error()))
		}
		return Config{}, errors.New(settingNames(faults.(error).Error()))
	}
	c.Dev = dev
	c.unknown = unknownEnv(environ)
	// [::1] as in a URL: the listener adds its own brackets. Only a pair
	// around an IPv6 address: "[::1" or "[127.0.0.1]" is left for
	// validation to refuse.
	if h, ok := strings.CutPrefix(c.HTTP.Host, "["); ok && strings.HasSuffix(h, "]") && strings.Contains(h, ":") {
		c.HTTP.Host = strings.TrimSuffix(h, "]")
	}
	var tracingErr error
	c.Tracing, tracingErr = tracing.ConfigFromEnv(func(name string) string {
		for _, kv := range environ {
			if v, ok := strings.CutPrefix(kv, name+"="); ok {
				return v
			}
		}
		return ""
	})
	if tracingErr != nil {
		return Config{}, tracingErr
	}
	c.effective = k.All()
	for key, v := range c.effective {
		if s, ok := v.(string); ok {
			c.effective[key] = typedLike(defaults.Get(key), s)
		}
	}
	c.effective["http.host"] = c.HTTP.Host
	c.effective["tracing.export"] = c.Tracing.Export
	c.effective["tracing.traceparent"] = !c.Tracing.IgnoreParent // whether a caller's traceparent is read (OTEL_PROPAGATORS)
	if c.Tracing.Export {
		c.effective["tracing.endpoint"] = c.Tracing.Endpoint
	}
	delete(c.effective, "dev_tenant.clients")
	delete(c.effective, "dev_tenant.users") // passwords
	if dev {
		if err := c.applyDev(emptyEnv); err != nil {
			return Config{}, err
		}
	}
	// validate sets c.Tenant: call it before c is read for the return.
	err = c.validate(emptyEnv)
	return c, err
}
