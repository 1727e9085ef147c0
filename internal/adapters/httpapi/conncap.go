package httpapi

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// capListener bounds the connections open at once. Past the cap, Accept
// holds the connection it has just accepted (its one extra file descriptor)
// until a slot frees: makeRoom runs first, then again each time a
// connection goes idle (idled) or when makeRoom said, since closing one
// idle long enough makes room; the connections after it wait in the
// kernel's queue. A connection's Close frees its slot.
// Not netutil.LimitListener: its wrapper hides *net.TCPConn's CloseWrite,
// without which net/http resets a connection it refuses (a 431 for an
// oversized header) instead of letting the client read the answer; and it
// waits before accepting, so nothing would know that a client waits.
type capListener struct {
	net.Listener
	slots     chan struct{}
	makeRoom  func() time.Duration // called while a connection waits for a slot: when to call it again (-1: when one goes idle)
	idle      chan struct{}        // a connection went idle while one waited
	waiting   atomic.Bool          // a connection waits for a slot
	closed    chan struct{}
	closeOnce sync.Once
}

func newCapListener(ln net.Listener, max int, makeRoom func() time.Duration) *capListener {
	return &capListener{Listener: ln, slots: make(chan struct{}, max), makeRoom: makeRoom,
		idle: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Accept accepts a connection, then waits for a slot for it. Once the
// listener is closed (the stop), a connection waiting for a slot is handed
// over without one: the stop serves what is queued.
func (l *capListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	release := func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		return &cappedConn{Conn: c, release: release}, nil
	default:
	}
	l.waiting.Store(true)
	defer l.waiting.Store(false)
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		retry.Stop()
		if wait := l.makeRoom(); wait >= 0 {
			retry.Reset(wait)
		}
		select {
		case l.slots <- struct{}{}:
			return &cappedConn{Conn: c, release: release}, nil
		case <-l.idle:
		case <-retry.C:
		case <-l.closed:
			return &cappedConn{Conn: c, release: func() {}}, nil
		}
	}
}

// idled tells a connection waiting for a slot that one went idle, for
// makeRoom to close. It costs an atomic load when none waits; nil (a
// server not started) does nothing.
func (l *capListener) idled() {
	if l != nil && l.waiting.Load() {
		select {
		case l.idle <- struct{}{}:
		default:
		}
	}
}

// Close closes the socket and hands over a connection waiting for a slot.
func (l *capListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// cappedConn frees its slot when closed, once.
type cappedConn struct {
	net.Conn
	releaseOnce sync.Once
	release     func()
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.releaseOnce.Do(c.release)
	return err
}

// CloseWrite half-closes a TCP connection, as net/http does before closing
// one it refused, so that the client reads the answer rather than a reset.
func (c *cappedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
