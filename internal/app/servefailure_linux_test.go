package app_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestServeFailureExits1 runs the binary and makes its API listener fail
// under Serve, which nothing in normal operation does: the service stops
// with exit code 1 and says why, and a signal during that stop cuts it
// short, as during the stop on a SIGTERM. A failure during a signal's
// drain still makes the exit 1: the stop was not clean.
func TestServeFailureExits1(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildAPI(t)
	for _, tt := range []struct {
		name        string
		drain       string
		signalAfter bool      // SIGTERM once the failure's stop has begun
		signalFirst bool      // SIGTERM, then the failure during its drain
		wantLog     [2]string // logger, message
	}{
		{"stops with exit 1", "0s", false, false, [2]string{"app", "stopping: a server stopped serving"}},
		{"a signal during that stop cuts it short", "1h", true, false, [2]string{"app", "second signal: stopping now, cutting off the drain and in-flight requests"}},
		{"a failure during a signal's drain", "5s", false, true, [2]string{"httpapi", "API server stopped"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := startBinary(t, bin, "HTTP_DRAIN_DELAY="+tt.drain)
			if tt.signalFirst {
				if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				b.logs.waitFor(t, "app", "stopping")
			}
			failListener(t, b.cmd.Process.Pid, b.api)
			b.logs.waitFor(t, "httpapi", "serve failed")
			if tt.signalAfter {
				b.logs.waitFor(t, "app", "stopping: a server stopped serving")
				b.logs.waitFor(t, "httpapi", "shutting down")
				if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			err := b.wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Errorf("got exit %v after the listener failed, want exit status 1", err)
			}
			b.logs.waitFor(t, tt.wantLog[0], tt.wantLog[1])
		})
	}
}

// failListener makes the socket listening on addr in process pid fail under
// its Accept, as no outside event can on demand: it takes a copy of the
// socket (pidfd_getfd, Linux 5.6) and shuts it down, which stops it for
// every holder. It skips t where the system does not allow that.
func failListener(t *testing.T, pid int, addr string) {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	defer unix.Close(pidfd)
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range fds {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fd, err := unix.PidfdGetfd(pidfd, n, 0)
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) {
			t.Skipf("pidfd_getfd: %v", err)
		}
		if err != nil {
			continue // closed since the listing
		}
		listening, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		sa, _ := unix.Getsockname(fd)
		if in, ok := sa.(*unix.SockaddrInet4); ok && listening == 1 && in.Port == port {
			err := unix.Shutdown(fd, unix.SHUT_RD)
			unix.Close(fd)
			if err != nil {
				t.Fatalf("shutting the listener down: %v", err)
			}
			return
		}
		unix.Close(fd)
	}
	t.Fatalf("got no socket listening on %s in process %d", addr, pid)
}
