package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestLoadRefusesSettingsTheFileWouldLose: a file whose settings the parser
// would drop or zero without a word is refused, naming the file; one whose
// shape loses nothing is read.
func TestLoadRefusesSettingsTheFileWouldLose(t *testing.T) {
	const twoDocuments = "config file FILE: holds more than one YAML document, and only the first is read: put every setting in one document, without a --- line between them"
	section := func(key string) string {
		return `config file FILE: "` + key + `" is a section of settings, not a value: write its settings under it, or remove it to keep their defaults`
	}
	tests := []struct {
		name string
		file string
		want string // the whole error; "" when the file is read
	}{
		// Two files joined (cat base.yaml prod.yaml): the second was ignored.
		{"a second document", "http:\n  port: 3010\n---\nhttp:\n  port: 8080\n", twoDocuments},
		{"settings after an empty first document", "---\n---\nhttp:\n  port: 8080\n", twoDocuments},
		{"a second document that is no YAML", "http:\n  port: 3010\n---\nhttp: [\n", twoDocuments},
		// A section as a value zeroed every setting in it: port 0, a
		// preflight cache of 0 s.
		{"a section a number", "keys: 5\n", section("keys")},
		{"a section a list", "log: [debug]\n", section("log")},
		{"the dev tenant a string", "dev_tenant: none\n", section("dev_tenant")},
		{"a section indented with a tab", "http:\n\tport: 3010\n",
			"config file FILE: yaml: line 2: found character that cannot start any token (a line is indented with a tab: YAML indents with spaces)"},
		// As the errors name settings: YAML keeps the dot in the key, and
		// the decoder said only that 'config.Config' has invalid keys.
		{"a setting written with a dot", "http.port: 8080\n",
			`config file FILE: key "http.port" has a dot in it, which YAML keeps as part of the name: nest it instead (http: then port:, each indented under the one before)`},
		{"a setting written with dots in a section", "http:\n  handler.cors.max_age_seconds: 60\n",
			`config file FILE: key "handler.cors.max_age_seconds" has a dot in it, which YAML keeps as part of the name: nest it instead (handler: then cors: then max_age_seconds:, each indented under the one before)`},
		{"a trailing ---", "http:\n  port: 3010\n---\n", ""},
		{"a second document of comments only", "http:\n  port: 3010\n---\n# prod overrides: none yet\n", ""},
		{"a second document {}", "http:\n  port: 3010\n---\n{}\n", ""},
		{"a leading ---", "---\nhttp:\n  port: 3010\n", ""},
		{"a section written empty", "http: {}\n", ""},
		// Left empty, a section holds nothing to lay over the defaults.
		{"a section null", "http: null\n", ""},
		{"a section left empty", "http:\n  handler:\n", ""},
		{"a nested section null", "http:\n  handler:\n    cors: ~\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file)
			_, err := config.Load(false, path, base)
			w := strings.ReplaceAll(tt.want, "FILE", path)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.want != "" && (err == nil || err.Error() != w):
				t.Errorf("got error %v, want exactly %q", err, w)
			}
		})
	}
}

// TestLoadKeepsTheDefaultsOfASectionLeftEmpty: a copy of configs/config.yaml
// with every setting of a section commented out (the section null to YAML)
// keeps that section's defaults; merged as null, it zeroed them all (a
// preflight cache of 0 s, the dev tenant without clients).
func TestLoadKeepsTheDefaultsOfASectionLeftEmpty(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		dev        bool
	}{
		{"cors commented out", "http:\n  port: 3010\n  handler:\n    cors:\n      # allowed_origins: [https://app.example.com]\n", false},
		{"http null", "http: null\n", false},
		{"handler left empty", "http:\n  handler:\n", false},
		{"the dev tenant commented out", "dev_tenant:\n  # key_file: /tmp/dev-key.pem\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := base
			if tt.dev {
				env = nil
			}
			got, err := config.Load(tt.dev, writeFile(t, tt.file), env)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			defaults, err := config.Load(tt.dev, "", env)
			if err != nil {
				t.Fatal(err)
			}
			want(t, "port", got.HTTP.Port, defaults.HTTP.Port)
			want(t, "realm", got.HTTP.Handler.Realm, defaults.HTTP.Handler.Realm)
			want(t, "CORS max age", got.HTTP.Handler.CORS.MaxAgeSeconds, defaults.HTTP.Handler.CORS.MaxAgeSeconds)
			want(t, "dev clients", len(got.DevTenant.Clients), len(defaults.DevTenant.Clients))
		})
	}
}

// TestLoadNamesTenUnknownSettingsAtMost: the wrong file given to -config
// (thousands of keys) gets ten lines and a count, not a line per key.
func TestLoadNamesTenUnknownSettingsAtMost(t *testing.T) {
	for _, tt := range []struct {
		keys      int
		wantLines int
		wantLast  string
	}{
		{10, 10, `unknown setting "htp_`},
		{11, 11, ": 1 more unknown settings: is it the service's config file?"},
		{2000, 11, ": 1990 more unknown settings: is it the service's config file?"},
	} {
		t.Run(fmt.Sprint(tt.keys), func(t *testing.T) {
			var b strings.Builder
			for i := range tt.keys {
				fmt.Fprintf(&b, "htp_%d: 1\n", i)
			}
			_, err := config.Load(false, writeFile(t, b.String()), base)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != tt.wantLines || !strings.Contains(lines[len(lines)-1], tt.wantLast) {
				t.Errorf("got %d lines ending %q, want %d ending with %q", len(lines), lines[len(lines)-1], tt.wantLines, tt.wantLast)
			}
		})
	}
}

// TestLoadRefusesWhatIsNoConfigFile: a path that reads on forever, or a
// file far larger than any config, is refused after 1 MiB, not read into
// memory to the end.
func TestLoadRefusesWhatIsNoConfigFile(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", 1<<20)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The bound itself is read: 1 MiB of comments is a config file.
	exact := filepath.Join(t.TempDir(), "exact.yaml")
	if err := os.WriteFile(exact, []byte("# "+strings.Repeat("x", 1<<20-3)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{ // want "" = no error
		{"a device that never ends", "/dev/zero", "not a config file"},
		{"a file over 1 MiB", big, "not a config file"},
		{"a file of 1 MiB", exact, ""},
		{"no such file", filepath.Join(t.TempDir(), "none.yaml"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(tt.path); tt.path == "/dev/zero" && err != nil {
				t.Skip("no /dev/zero here")
			}
			_, err := config.Load(false, tt.path, []string{"AUTH0_DOMAIN=x.auth0.com", "AUTH0_AUDIENCE=https://api"})
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v, want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("got %v, want an error naming %s and saying %q", err, tt.path, tt.want)
			}
		})
	}
}
