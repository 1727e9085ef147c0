package httpapi

import (
	"net"
	"os"
	"syscall"
)

// takeQueue accepts, without waiting, every connection queued on ln's
// socket (until EAGAIN) and then shuts the socket's reading side down: on
// Linux a listening socket then refuses new connections at once, where
// net.Listener.Close takes effect only when the goroutine blocked in
// Accept has let go of it, milliseconds under load, long enough for dozens
// of connections to queue and be reset. A connection whose handshake
// completes between the last accept and the shutdown is still reset, and
// that window lasts as long as this goroutine or its thread is descheduled
// there (on a loaded machine, long enough for several); so the socket's
// backlog is cut to one first: one connection at most completes in the
// window, and the kernel drops the SYNs of the others, which their clients
// send again a second later, to be refused. Errors end the taking early:
// the connections left are then reset, as without it.
func takeQueue(ln net.Listener) []net.Conn {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var fds []int
	_ = rc.Control(func(fd uintptr) {
		// listen on a listening socket sets its backlog only; with 0 the
		// kernel queues one connection (the queue is full above the
		// backlog). On error the window stays open to any number.
		_ = syscall.Listen(int(fd), 0)
		for {
			nfd, _, err := syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
			if err == syscall.EINTR || err == syscall.ECONNABORTED { // ECONNABORTED: one reset while queued, the rest still wait
				continue
			}
			if err != nil { // EAGAIN: the queue is empty
				break
			}
			fds = append(fds, nfd)
		}
		if testHookBeforeShutdown != nil {
			testHookBeforeShutdown()
		}
		_ = syscall.Shutdown(int(fd), syscall.SHUT_RD)
	})
	conns := make([]net.Conn, 0, len(fds))
	for _, fd := range fds {
		f := os.NewFile(uintptr(fd), "")
		c, err := net.FileConn(f) // a duplicate of fd, in Go's poller
		f.Close()
		if err == nil {
			conns = append(conns, c)
		}
	}
	return conns
}

// testHookBeforeShutdown, when a test sets it, runs in takeQueue's window:
// after the last accept, before the shutdown.
var testHookBeforeShutdown func()
