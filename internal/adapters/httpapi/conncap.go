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
	headerTimeout time.Duration // ReadHeaderTimeout: see cappedConn.Read
	slots         chan struct{}
	makeRoom      func() time.Duration // called while a connection waits for a slot: when to call it again (-1: when one goes idle)
	idle          chan struct{}        // a connection went idle while one waited
	waitIdle      atomic.Bool          // a connection waits for a slot, and for one to go idle
	closed        chan struct{}
	closeOnce     sync.Once
}

func newCapListener(ln net.Listener, max int, headerTimeout time.Duration, makeRoom func() time.Duration) *capListener {
	return &capListener{Listener: ln, headerTimeout: headerTimeout, slots: make(chan struct{}, max), makeRoom: makeRoom,
		idle: make(chan struct{}, 1), closed: make(chan struct{})}
}

func (l *capListener) conn(c net.Conn, release func()) *cappedConn {
	return &cappedConn{Conn: c, release: release, headerTimeout: l.headerTimeout, flags: new(connFlags)}
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
		return l.conn(c, release), nil
	default:
	}
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	defer l.waitIdle.Store(false)
	for {
		retry.Stop()
		// Listening before makeRoom looks: a connection going idle while it
		// looks would otherwise go unheard, and this one wait for the next
		// change, as late as the idle timeout. With a timer armed, a
		// connection going idle now cannot qualify before the one it waits
		// for: only with none idle is idled heard.
		l.waitIdle.Store(true)
		wait := l.makeRoom()
		if l.waitIdle.Store(wait < 0); wait >= 0 {
			select { // heard while looking, and not to be: a scan per arrival would spin
			case <-l.idle:
			default:
			}
			retry.Reset(wait)
		}
		select {
		case l.slots <- struct{}{}:
			return l.conn(c, release), nil
		case <-l.idle:
		case <-retry.C:
		case <-l.closed:
			return l.conn(c, func() {}), nil
		}
	}
}

// idled tells a connection waiting for a slot, with none idle, that one
// went idle, for makeRoom to look again. It costs an atomic load when none
// waits; nil (a server not started) does nothing.
func (l *capListener) idled() {
	if l != nil && l.waitIdle.Load() {
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

// cappedConn frees its slot when closed, once, and carries what the server
// tracks of it.
type cappedConn struct {
	net.Conn
	releaseOnce   sync.Once
	release       func()
	headerTimeout time.Duration
	flags         *connFlags
}

// peekedHead is how many bytes of a kept-alive connection's next request
// net/http waits for, under its idle timeout, before it starts
// ReadHeaderTimeout (its serve loop peeks 4).
const peekedHead = 4

// Read ends the connection's idle time as soon as a byte of its next
// request arrives: net/http says StateActive only once the whole head is
// read, and makeRoom must not close a connection whose request is on its
// way. With fewer than peekedHead bytes come, the rest of them get
// ReadHeaderTimeout from the first here (net/http would give them the idle
// timeout, and a byte sent after each request would keep a slot out of
// makeRoom's reach for good); once they are in, net/http gives the rest of
// the head its own ReadHeaderTimeout.
func (c *cappedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.flags.idleSince.Load() != 0 {
		c.flags.idleSince.Store(0)
		if n < peekedHead && c.headerTimeout > 0 {
			_ = c.Conn.SetReadDeadline(time.Now().Add(c.headerTimeout))
		}
	}
	return n, err
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
