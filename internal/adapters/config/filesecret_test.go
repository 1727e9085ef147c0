package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestUnparsableFileRevealsNoValue: -config pointed at the wrong file (a
// password, a key, a .env) is refused by line number, never by quoting
// what the file holds.
func TestUnparsableFileRevealsNoValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content, want string
	}{
		{"a short password", "S3CRET7\n", "c.yaml: line 1: the file is not a mapping of settings"},
		{"not a mapping, with a tab", "S3CRET\n\tmore\n", "c.yaml: line 1: the file is not a mapping of settings (section:, then indented key: value lines) (a line is indented with a tab"},
		{"a key twice", "log:\n  level: S3CRET\n  level: S3CRET2\n", `c.yaml: line 3: mapping key "level" already defined at line 2`},
		{"a token", "S3CRETeyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig\n", "line 1:"},
		{"a PEM key", "-----BEGIN PRIVATE KEY-----\nS3CRETMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", "line 1:"},
		{"a .env file", "S3CRET=abc\nOTHER=1\n", "line 1:"},
		{"a list", "- S3CRET\n", "line 1:"},
		{"an unknown anchor", "log:\n  level: *S3CRET\n", "unknown anchor"},
		{"a value tagged as a number", "log:\n  level: !!float S3CRET\n", "cannot decode !!str (value not shown) as a !!float"},
		{"a mapping as a name", "? {S3CRET: 1}\n: x\n", "line 1:"},
		{"a mapping as a name in a section", "log:\n  ? {S3CRET: 1}\n  : x\n", "invalid map key"},
		{"a syntax error keeps its words", "log:\n  level: [S3CRET\n", "did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := config.Load(false, path, base)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if strings.Contains(err.Error(), "S3") {
				t.Errorf("got %q, want no part of the file's content", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it saying %q", err, tt.want)
			}
		})
	}
}
