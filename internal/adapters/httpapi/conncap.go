package httpapi

import (
	"net"
	"sync"
)

// capListener bounds the connections open at once: Accept waits for a free
// slot (the connection waits in the kernel's queue meanwhile), and a
// connection's Close frees its slot. Not netutil.LimitListener: its wrapper
// hides *net.TCPConn's CloseWrite, without which net/http resets a
// connection it refuses (a 431 for an oversized header) instead of letting
// the client read the answer.
type capListener struct {
	net.Listener
	slots     chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func newCapListener(ln net.Listener, max int) *capListener {
	return &capListener{Listener: ln, slots: make(chan struct{}, max), closed: make(chan struct{})}
}

// Accept waits for a slot, then for a connection; once the listener is
// closed it returns net.ErrClosed, slot or not.
func (l *capListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &cappedConn{Conn: c, release: func() { <-l.slots }}, nil
}

// Close closes the socket and ends an Accept waiting for a slot.
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
