package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestConfigFromAPipe: -config may name a pipe (a named one, or a shell's
// <(...)), whose writer may come before or after the service opens it; one
// that no writer opens, or whose writer never finishes, is an error after
// the pipe wait, not a start-up that waits, silent and deaf to signals.
func TestConfigFromAPipe(t *testing.T) {
	config.SetPipeWait(t, 200*time.Millisecond)
	const content = "log:\n  level: warn\n"
	fifo := func(t *testing.T) string {
		p := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// writer opens p for writing (waiting for the reader, as a shell's
	// redirection does), writes s, and closes it, or with hold leaves that
	// to the test's end, which waits for the open Load has let through.
	writer := func(t *testing.T, p, s string, hold bool) {
		held := make(chan *os.File, 1)
		go func() {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				held <- nil
				return
			}
			_, _ = f.WriteString(s)
			if !hold {
				_ = f.Close()
				f = nil
			}
			held <- f
		}()
		t.Cleanup(func() {
			if f := <-held; f != nil {
				_ = f.Close()
			}
		})
	}
	for _, tt := range []struct {
		name      string
		path      func(t *testing.T) string
		wantErr   string
		wantLevel string
	}{
		{"a named pipe with a writer", func(t *testing.T) string {
			p := fifo(t)
			writer(t, p, content, false)
			return p
		}, "", "warn"},
		{"a shell's <(...): a pipe written to", func(t *testing.T) string {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.Close() })
			if _, err := w.WriteString(content); err != nil {
				t.Fatal(err)
			}
			_ = w.Close()
			return fmt.Sprintf("/dev/fd/%d", r.Fd())
		}, "", "warn"},
		{"a named pipe no writer opens", func(t *testing.T) string {
			p := fifo(t)
			t.Cleanup(func() { // the open Load gave up on ends, and its file is closed
				if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					_ = f.Close()
				}
			})
			return p
		}, "a pipe no writer opened within 200ms", ""},
		{"a named pipe whose writer never finishes", func(t *testing.T) string {
			p := fifo(t)
			writer(t, p, "log:\n", true)
			return p
		}, "a pipe whose writer did not finish within 200ms", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			type loaded struct {
				c   config.Config
				err error
			}
			done := make(chan loaded, 1)
			go func() {
				c, err := config.Load(false, path, base)
				done <- loaded{c, err}
			}()
			var c config.Config
			var err error
			select {
			case l := <-done:
				c, err = l.c, l.err
			case <-time.After(10 * time.Second): // far past the pipe wait: a Load that waits on fails here
				t.Fatal("got no answer from Load, want one within the pipe wait")
			}
			switch {
			case tt.wantErr != "" && (err == nil || err.Error() != "config file "+path+": "+tt.wantErr):
				t.Errorf("got error %v, want %q", err, "config file "+path+": "+tt.wantErr)
			case tt.wantErr == "" && (err != nil || c.Log.Level != tt.wantLevel):
				t.Errorf("got level %q and error %v, want %q", c.Log.Level, err, tt.wantLevel)
			}
		})
	}
}
