package httpapi

import (
	"net"
	"os"
	"syscall"
)

// takeQueue accepts, without waiting, every connection queued on ln's
// socket (until EAGAIN) and at once shuts the socket's reading side down:
// on Linux a listening socket then refuses new connections at once, where
// net.Listener.Close takes effect only when the goroutine blocked in
// Accept has let go of it, milliseconds under load, long enough for dozens
// of connections to queue and be reset. Errors end the taking early: the
// connections left are then reset, as without it.
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
		// A connection completing its handshake between the last accept
		// and this call is still reset: a window of one system call.
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
