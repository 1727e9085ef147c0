package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestConfigFromAPipe: -config on a named pipe nobody writes to is an error
// at once, not a start-up that waits, silent and deaf to signals, for a
// writer; a pipe that has been written to (a shell's <(...)) is read as a
// file is.
func TestConfigFromAPipe(t *testing.T) {
	unwritten := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(unwritten, 0o600); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	if _, err := w.WriteString("log:\n  level: warn\n"); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	written := fmt.Sprintf("/dev/fd/%d", r.Fd())

	for _, tt := range []struct {
		name, path, wantErr, wantLevel string
	}{
		{"a named pipe nobody writes to", unwritten, "config file " + unwritten + ": a pipe that nothing was written to", ""},
		{"a pipe written to", written, "", "warn"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			type result struct {
				c   config.Config
				err error
			}
			done := make(chan result, 1)
			go func() {
				c, err := config.Load(false, tt.path, base)
				done <- result{c, err}
			}()
			var got result
			select {
			case got = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("got no answer from Load, want one at once") // the goroutine stays blocked in the open: the test binary exits
			}
			switch {
			case tt.wantErr != "" && (got.err == nil || !strings.Contains(got.err.Error(), tt.wantErr)):
				t.Errorf("got error %v, want %q", got.err, tt.wantErr)
			case tt.wantErr == "" && (got.err != nil || got.c.Log.Level != tt.wantLevel):
				t.Errorf("got level %q and error %v, want %q", got.c.Log.Level, got.err, tt.wantLevel)
			}
		})
	}
}
