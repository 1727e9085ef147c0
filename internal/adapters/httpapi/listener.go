package httpapi

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// queueListener is the API's listener. Closing a listening socket makes the
// kernel reset every connection still in its accept queue, each of which
// may already have sent a request; closeQueue instead takes the queue
// (where the platform allows, see takeQueue) and hands those connections
// to Serve after the socket has stopped accepting.
type queueListener struct {
	net.Listener                // what Serve accepts from: socket, through the connection cap
	socket       net.Listener   // the listening socket, whose queue closeQueue takes
	track        func(net.Conn) // called for each connection before Serve sees it

	closing     atomic.Bool   // closeQueue has begun: Accept's errors come from it
	ready       chan struct{} // closed once taken is set
	drained     chan struct{} // closed once Serve's Accept has seen the socket stop
	closed      chan struct{} // closed by Close (http.Server.Shutdown)
	drainedOnce sync.Once
	closedOnce  sync.Once

	mu    sync.Mutex
	taken []net.Conn // from the queue, not handed to Serve yet
}

// newQueueListener serves ln, which accepts from socket (itself, or socket
// behind a wrapper such as a connection cap, which closing ln closes).
func newQueueListener(ln, socket net.Listener, track func(net.Conn)) *queueListener {
	return &queueListener{Listener: ln, socket: socket, track: track,
		ready: make(chan struct{}), drained: make(chan struct{}), closed: make(chan struct{})}
}

// Accept returns the socket's connections, then, once closeQueue has
// stopped the socket, the connections it took from the queue, then
// net.ErrClosed when http.Server.Shutdown closes the listener.
func (l *queueListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.track(c)
		return c, nil
	}
	if !l.closing.Load() {
		return nil, err
	}
	l.drainedOnce.Do(func() { close(l.drained) })
	select {
	case <-l.ready:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	if c := l.next(); c != nil {
		return c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

// next pops a connection closeQueue took, or returns nil.
func (l *queueListener) next() net.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.taken) == 0 {
		return nil
	}
	c := l.taken[0]
	l.taken = l.taken[1:]
	return c
}

// closeQueue takes the connections queued on the socket, closes it (new
// connections are refused from here) and returns once Serve has accepted
// its last connection from the socket, or when ctx ends: from then on
// every connection the server will ever serve has been tracked. It
// returns how many connections it took from the queue.
func (l *queueListener) closeQueue(ctx context.Context) (int, error) {
	if l.closing.Swap(true) { // before takeQueue: Serve's Accept fails once the socket stops
		return 0, nil // a second Stop: the queue was taken by the first
	}
	queued := takeQueue(l.socket)
	for _, c := range queued {
		l.track(c)
	}
	l.mu.Lock()
	l.taken = queued
	l.mu.Unlock()
	close(l.ready)
	err := l.Listener.Close()
	select {
	case <-l.drained:
	case <-ctx.Done():
	}
	return len(queued), err
}

// Close ends Accept and closes the taken connections Serve has not had
// (when closeQueue's wait was cut short). It reports no error for the
// socket closeQueue has already closed, since http.Server.Shutdown would
// return it.
func (l *queueListener) Close() error {
	l.closedOnce.Do(func() { close(l.closed) })
	l.mu.Lock()
	left := l.taken
	l.taken = nil
	l.mu.Unlock()
	for _, c := range left {
		c.Close()
	}
	if err := l.Listener.Close(); err != nil && !(l.closing.Load() && errors.Is(err, net.ErrClosed)) {
		return err
	}
	return nil
}
