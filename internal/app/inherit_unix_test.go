//go:build unix

package app_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInheritedSocketThatCannotServe: a DEV_TENANT_FD socket that is not a
// TCP socket is a configuration error naming the variable (exit 2); one
// bound but not listening fails at its first accept, and the service stops
// with exit 1 rather than running on with a tenant that never answers.
func TestInheritedSocketThatCannotServe(t *testing.T) {
	tests := []struct {
		name     string
		socket   func(t *testing.T) (fd int, addr string)
		wantExit int
		want     string // in stderr
	}{
		{"a Unix socket", unixSocket, 2, "DEV_TENANT_FD=%d: not a TCP socket"},
		// Started, then stopped by the tenant's failure: the only exit 1
		// with nothing on stderr (a failed start says why there).
		{"bound, not listening", boundTCPSocket, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd, addr := tt.socket(t)
			environ := []string{"PORT=0", "ADMIN_ADDR=127.0.0.1:0", "DEV_TENANT_SPA_ADDR=", "LOG_LEVEL=error",
				"DEV_TENANT_ADDR=" + addr, "DEV_TENANT_FD=" + strconv.Itoa(fd)}
			var stderr strings.Builder
			exit := make(chan int, 1)
			go func() { exit <- run(t, []string{"-dev", "-config", keyFileConfig(t)}, environ, &stderr) }()
			select {
			case got := <-exit:
				want := tt.want
				if want != "" {
					want = fmt.Sprintf(want, fd)
				}
				if got != tt.wantExit || !strings.Contains(stderr.String(), want) || want == "" && stderr.Len() > 0 {
					t.Errorf("got exit %d, stderr %q; want exit %d and %q", got, stderr.String(), tt.wantExit, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("got the service still running 10 s on, want it stopped")
			}
		})
	}
}

// unixSocket is a listening Unix socket's descriptor, which the service
// takes over and closes (a raw one: no Go file of the test's closes it
// again), and a loopback address for the setting.
func unixSocket(t *testing.T) (int, string) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: filepath.Join(t.TempDir(), "s")}); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 1); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	return fd, "127.0.0.1:1"
}

// boundTCPSocket is a TCP socket bound to a loopback port and never put
// to listen, and its address; the service takes it over and closes it.
func boundTCPSocket(t *testing.T) (int, string) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	return fd, "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
}
