package config

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"

	"github.com/example/messages-api/configs"
)

// knownKeys is every setting a file may hold: the leaves of the embedded
// defaults and the dev overlay.
func knownKeys() []string {
	k := koanf.New(".")
	for _, b := range [][]byte{configs.Default, configs.Dev} {
		_ = k.Load(rawbytes.Provider(b), yaml.Parser()) // both are tested to parse
	}
	return k.Keys()
}

// checkFileKeys refuses a setting in the file at path that does not exist,
// suggesting the closest known one.
func checkFileKeys(path string, file *koanf.Koanf) error {
	known := knownKeys()
	var errs []error
	unknown := 0
	for _, key := range file.Keys() {
		if slices.Contains(known, key) {
			continue
		}
		if slices.ContainsFunc(known, func(k string) bool { return strings.HasPrefix(k, key+".") }) {
			// A section given as a value (keys: 5, log: [debug]) would
			// replace the defaults of every setting in it with zeros: port
			// 0, or a preflight cache of 0 s that no error catches.
			switch file.Get(key).(type) {
			case map[string]any, nil: // nil: left empty, which load drops
			default:
				errs = append(errs, fmt.Errorf("config file %s: %q is a section of settings, not a value: write its settings under it, or remove it to keep their defaults", path, key))
			}
			continue
		}
		if unknown++; unknown > maxUnknownKeys {
			continue
		}
		msg := fmt.Sprintf("config file %s: unknown setting %q", path, key)
		if s := closest(key, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		errs = append(errs, errors.New(msg))
	}
	if unknown > maxUnknownKeys {
		errs = append(errs, fmt.Errorf("config file %s: %d more unknown settings: is it the service's config file?", path, unknown-maxUnknownKeys))
	}
	return errors.Join(errs...)
}

// maxUnknownKeys bounds the unknown settings named one by one: a file of
// thousands (the wrong file) would bury the error under them.
const maxUnknownKeys = 10

// checkDottedKeys refuses a key written with dots (http.port: 8080, as the
// errors name settings): YAML keeps the dots in the name, so the decoder
// met a setting "http.port" beside the section http and said only that
// 'config.Config' has invalid keys.
func checkDottedKeys(path string, m map[string]any) error {
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(m)) {
		v := m[key]
		if strings.Contains(key, ".") {
			errs = append(errs, fmt.Errorf("config file %s: key %q has a dot in it, which YAML keeps as part of the name: nest it instead (%s:, each indented under the one before)",
				path, key, strings.Join(strings.Split(key, "."), ": then ")))
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			errs = append(errs, checkDottedKeys(path, sub))
		}
	}
	return errors.Join(errs...)
}

// closest is the known key nearest to key by edit distance, or "" when
// none is near enough to be what was meant (at most a third of its length).
func closest(key string, known []string) string {
	best, bestDist := "", len(key)/3+1
	for _, k := range known {
		// The lengths' difference is the least the distance can be: a long
		// key is not compared in full with each short one.
		if abs(len(key)-len(k)) >= bestDist {
			continue
		}
		if d := levenshtein.ComputeDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// sources maps each setting given in the file or the environment to where
// it came from, the environment last (it wins).
func sources(path string, file *koanf.Koanf, environ []string) map[string]string {
	src := map[string]string{}
	if file != nil {
		for _, key := range file.Keys() {
			src[key] = "file " + path
		}
	}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if key, ok := Env[name]; ok {
			src[key] = "env " + name
		}
	}
	return src
}

var namedSetting = regexp.MustCompile(`\b([A-Z][A-Z0-9_]*) \(([a-z0-9_.]+)\)`)

// attribute rewrites each "NAME (key)" in err to say where the value came
// from: "http.port (in file c.yaml)" when a file set it, "PORT (http.port,
// from the environment)" when the environment did; defaults stay as they are.
func attribute(err error, src map[string]string) error {
	if err == nil {
		return nil
	}
	msg := namedSetting.ReplaceAllStringFunc(err.Error(), func(m string) string {
		parts := namedSetting.FindStringSubmatch(m)
		name, key := parts[1], parts[2]
		switch where := src[key]; {
		case strings.HasPrefix(where, "file "):
			return fmt.Sprintf("%s (in %s)", key, where)
		case strings.HasPrefix(where, "env "):
			return fmt.Sprintf("%s (%s, from the environment)", name, key)
		}
		return m
	})
	// A setting without a variable (dev_tenant.token_ttl) heads its line
	// bare; it is named with the file that set it, or holds it (a list's
	// entry, dev_tenant.clients[0].secret).
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		key := bareSetting.FindString(line)
		if key == "" || strings.HasPrefix(line[len(key):], " (") {
			continue
		}
		for held := key; held != ""; held = held[:max(strings.LastIndexAny(held, ".["), 0)] {
			if where := src[held]; strings.HasPrefix(where, "file ") {
				lines[i] = fmt.Sprintf("%s (in %s)%s", key, where, line[len(key):])
				break
			}
		}
	}
	for i, line := range lines {
		if strings.Contains(line, " (in file ") {
			lines[i] = strings.Replace(line, emptyVariable, emptyFileKey, 1)
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// bareSetting is a setting's key heading a line of an error.
var bareSetting = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+|\[[0-9]+\])+`)

// UnknownVariable is an environment variable named like the service's
// settings that is none of them.
type UnknownVariable struct {
	Name       string
	DidYouMean string // the closest setting's variable, or ""
}

// settingPrefixes are the prefixes of the variables in Env; notSettings are
// variables with those prefixes that belong to other programs (cmd/messages,
// Go's proxy settings, Auth0's SDKs, CLI and Terraform provider, which
// often share one .env with the API) or are read outside Env.
var (
	settingPrefixes = []string{"AUTH0_", "JWKS_", "HTTP_", "CORS_", "LOG_", "ADMIN_", "DEV_TENANT_"}
	notSettings     = []string{"AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "HTTP_PROXY", "DEV_TENANT_FD",
		"AUTH0_SECRET", "AUTH0_BASE_URL", "AUTH0_ISSUER_BASE_URL", "AUTH0_SCOPE", "AUTH0_API_TOKEN", "AUTH0_ACCESS_TOKEN", "AUTH0_DEBUG"}
)

// serviceLink matches the variables Kubernetes sets for every Service in
// the namespace (enableServiceLinks defaults to true): a Service named
// admin, http or log-shipper would otherwise be warned about at each start.
var serviceLink = regexp.MustCompile(`_SERVICE_HOST$|_SERVICE_PORT(_[A-Z0-9_]+)?$|_PORT_[0-9]+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?$`)

// kubernetesServiceLink reports whether name=value is one of the service
// links Kubernetes sets; NAME_PORT is one only with a tcp://, udp:// or
// sctp:// value, so HTTP_PORT=3010 is a typo, not a link.
func kubernetesServiceLink(name, value string) bool {
	scheme, _, isURL := strings.Cut(value, "://")
	return serviceLink.MatchString(name) ||
		strings.HasSuffix(name, "_PORT") && isURL && (scheme == "tcp" || scheme == "udp" || scheme == "sctp")
}

// unknownEnv lists the variables of environ that look like settings but
// are not (HTTP_DRAIN_DELAYS): each would silently leave its setting at
// the default. Values are never kept.
func unknownEnv(environ []string) []UnknownVariable {
	names := make([]string, 0, len(Env))
	for name := range Env {
		names = append(names, name)
	}
	var out []UnknownVariable
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if _, ok := Env[name]; ok || slices.Contains(notSettings, name) || kubernetesServiceLink(name, value) ||
			!slices.ContainsFunc(settingPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		out = append(out, UnknownVariable{Name: name, DidYouMean: closest(name, names)})
	}
	return out
}

// envShapes finds the settings' variables that environ sets to nothing (""
// or only commas and spaces) and those whose value, or an entry of a list,
// is wrapped in quotes: docker's --env-file and some .env loaders keep
// them, and an audience of "\"https://api\"" would never match a token.
func envShapes(environ []string) (empty map[string]bool, quoted []string) {
	empty = map[string]bool{}
	for _, kv := range environ {
		name, v, _ := strings.Cut(kv, "=")
		if _, ok := Env[name]; !ok {
			continue
		}
		entries := SplitList(v)
		if len(entries) == 0 {
			empty[name] = true
		}
		if slices.ContainsFunc(append(entries, strings.TrimSpace(v)), WrappedInQuotes) {
			quoted = append(quoted, name)
		}
	}
	return empty, quoted
}

// WrappedInQuotes reports whether s is wrapped in a pair of single or
// double quotes, which an env file read by docker run --env-file keeps as
// part of the value.
func WrappedInQuotes(s string) bool {
	return len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0]
}

func abs(n int) int { return max(n, -n) }
