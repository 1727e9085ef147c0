//go:build unix

package devtenant

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKeyFileNamedPipe: a named pipe at the key file's path is refused as
// no regular file, at once: the file is opened before it is checked (so
// that what is read is what was checked), and opened to be read a pipe
// would wait for a writer and hold the start.
func TestKeyFileNamedPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := newWithKeyFile(t, p, false); done <- err }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("got no answer in 10 s, want the pipe refused at once")
	}
	if want := "is not a regular file"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got error %v, want one saying %q", err, want)
	}
}
