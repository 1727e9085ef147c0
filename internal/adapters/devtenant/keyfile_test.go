package devtenant

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func newWithKeyFile(t *testing.T, path string, reset bool) (*Tenant, error) {
	t.Helper()
	cfg := testConfig()
	cfg.KeyFile, cfg.ResetKey = path, reset
	return New(cfg, zap.NewNop())
}

func TestKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "messages-api")
	path := filepath.Join(dir, "key.pem")

	first, err := newWithKeyFile(t, path, false)
	if err != nil {
		t.Fatalf("New with no key file: got %v, want the file created", err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		if info, err := os.Stat(p); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: got mode %v (%v), want %04o", p, info.Mode().Perm(), err, want)
		}
	}

	t.Run("restart keeps the key", func(t *testing.T) {
		again, err := newWithKeyFile(t, path, false)
		if err != nil {
			t.Fatal(err)
		}
		if !again.key.Equal(first.key) || again.kid != first.kid {
			t.Errorf("after a restart: got kid %q, want the same key and kid %q", again.kid, first.kid)
		}
	})

	t.Run("reset makes a new key", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "key.pem")
		a, _ := newWithKeyFile(t, p, false)
		b, err := newWithKeyFile(t, p, true)
		if err != nil {
			t.Fatal(err)
		}
		if b.kid == a.kid {
			t.Errorf("after -dev-reset: got kid %q again, want a new key", b.kid)
		}
		if c, _ := newWithKeyFile(t, p, false); c.kid != b.kid {
			t.Errorf("after the reset: got kid %q, want the new key kept (%q)", c.kid, b.kid)
		}
	})

	t.Run("a directory", func(t *testing.T) {
		p := t.TempDir()
		if err := os.WriteFile(filepath.Join(p, "kept"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, reset := range []bool{false, true} {
			_, err := newWithKeyFile(t, p, reset)
			if want := "is a directory: set dev_tenant.key_file to the path of a file"; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("reset %v: got error %v, want one saying %q", reset, err, want)
			}
		}
		if _, err := os.Stat(filepath.Join(p, "kept")); err != nil {
			t.Errorf("got the directory's file gone (%v), want it kept", err)
		}
	})

	for _, tt := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    []string
	}{
		{"corrupt", "not a key", 0o600, []string{"not a PEM", "-dev-reset"}},
		{"truncated PEM", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", 0o600, []string{"not a PKCS #8 key", "-dev-reset"}},
		{"larger than any key", strings.Repeat("x", 64<<10+1), 0o600, []string{"larger than 64 KiB, not a key", "-dev-reset"}},
		{"world-readable", "", 0o644, []string{"mode 0644", "chmod 600", "-dev-reset"}},
		{"group-readable", "", 0o640, []string{"mode 0640", "chmod 600"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "key.pem")
			content := []byte(tt.content)
			if tt.content == "" {
				content, _ = os.ReadFile(path) // a good key, bad mode
			}
			if err := os.WriteFile(p, content, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			_, err := newWithKeyFile(t, p, false)
			for _, want := range tt.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("got error %v, want one naming %q", err, want)
				}
			}
			if _, err := newWithKeyFile(t, p, true); err != nil {
				t.Errorf("with -dev-reset: got %v, want a new key", err)
			}
		})
	}
}
