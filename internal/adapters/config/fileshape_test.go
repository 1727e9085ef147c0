package config_test

import (
	"fmt"
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
		{"a section null", "http: null\n", section("http")},
		{"a section left empty", "http:\n  handler:\n", section("http.handler")},
		{"a nested section null", "http:\n  handler:\n    cors: ~\n", section("http.handler.cors")},
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
		{"a leading ---", "---\nhttp:\n  port: 3010\n", ""},
		{"a section written empty", "http: {}\n", ""},
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
