package httpapi

// Which connections owe what at a stop: fresh ones, whose first request
// the drain waits for, and active ones, whose answers a stop past its
// timeout would cut off.

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// markFresh counts c as fresh from the moment it is accepted, before
// ConnState reports it (see queueListener): every connection is accepted
// there, so ConnState's own StateNew adds nothing.
func (s *Server) markFresh(c net.Conn) {
	f := new(connFlags)
	if cc, ok := c.(*cappedConn); ok {
		f = cc.flags // shared with its Read
	}
	s.conns.Store(c, f)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fresh[c] = struct{}{}
	s.freshChanged()
}

// trackFresh is the server's ConnState hook: StateIdle, StateClosed or
// StateHijacked mean c's first request has been answered (or c is gone).
// net/http drops a request it finishes reading after Shutdown has begun, so
// Stop waits for the fresh ones first. Not StateActive: net/http reports it
// just before it checks for Shutdown, and a Shutdown begun between the two
// would drop the request.
func (s *Server) trackFresh(c net.Conn, state http.ConnState) {
	s.trackActive(c, state)
	if state == http.StateNew || state == http.StateActive || s.nFresh.Load() == 0 {
		return // every request on a kept-alive connection passes here twice: no lock then
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.fresh[c]; ok {
		delete(s.fresh, c)
		s.freshChanged()
	}
}

// trackActive counts c among the active connections from StateActive
// (net/http reports it once a request's head has been read) to its next
// state: idle once its answer is written out, or closed. Stop tells by it a
// connection that owes an answer from one that has sent nothing.
func (s *Server) trackActive(c net.Conn, state http.ConnState) {
	v, ok := s.conns.Load(c)
	if !ok {
		return
	}
	f := v.(*connFlags)
	if state == http.StateActive {
		if !f.active.Swap(true) {
			s.active.Add(1)
		}
	} else if f.active.Swap(false) {
		s.active.Add(-1)
	}
	if state == http.StateIdle {
		f.idleSince.Store(int64(time.Since(s.epoch)))
		s.cap.idled()
	} else {
		f.idleSince.Store(0)
	}
	if state == http.StateClosed || state == http.StateHijacked {
		s.conns.Delete(c)
	}
}

// connFlags is what the server tracks of an open connection.
type connFlags struct {
	active    atomic.Bool  // from StateActive until its answer is written out (trackActive, answered)
	idleSince atomic.Int64 // kept alive between requests (StateIdle) since then, ns after Server.epoch; 0 otherwise
}

// reclaimAfter is how long a kept-alive connection sits idle before makeRoom
// may close it (Server.reclaimAfter; tests set their own): a client pausing
// less is using it, and its next request may already be on the way.
const reclaimAfter = 2 * time.Second

// makeRoom runs while a connection waits for a slot under the connection
// cap. It closes the kept-alive connection idle longest, if that is at
// least s.reclaimAfter (as nginx reuses its keep-alive connections when out
// of them), so that clients holding idle connections cannot lock new ones
// out; its client reconnects when it next needs one, and makeRoom returns
// -1 (the slot it freed is there to take). Otherwise it warns and returns
// how long until the longest idle one qualifies (-1 with none idle: every
// connection mid-request, or connected and silent until ReadHeaderTimeout).
func (s *Server) makeRoom() time.Duration {
	now := int64(time.Since(s.epoch))
	var (
		oldest      net.Conn
		oldestFlags *connFlags
		since       int64
	)
	s.conns.Range(func(k, v any) bool {
		f := v.(*connFlags)
		if t := f.idleSince.Load(); t != 0 && (oldest == nil || t < since) {
			oldest, oldestFlags, since = k.(net.Conn), f, t
		}
		return true
	})
	switch {
	case oldest == nil:
		s.warnFull()
		return -1
	case now-since < int64(s.reclaimAfter):
		s.warnFull()
		return time.Duration(int64(s.reclaimAfter) - (now - since))
	case oldestFlags.idleSince.CompareAndSwap(since, 0): // still idle since then: not mid-request
		_ = oldest.Close() // frees its slot, for the caller to take; net/http's read of its next request ends
		return -1
	}
	return 0 // it just took a request: look again
}

// warnFull says, at most once a minute, that the connection cap holds new
// connections waiting in the kernel's queue, unanswered, until one closes.
func (s *Server) warnFull() {
	now, last := int64(time.Since(s.epoch)), s.warnedFull.Load()
	if last != 0 && now-last < int64(time.Minute) || !s.warnedFull.CompareAndSwap(last, now) {
		return
	}
	s.log.Warn("connection limit reached: new connections wait until one closes (HTTP_MAX_CONNECTIONS)",
		zap.Int("max_connections", cap(s.cap.slots)))
}

// activeKey is the connection context's key of its active flag (trackActive).
type activeKey struct{}

// connContext is the server's ConnContext hook: it puts the connection's
// active flag, made when it was accepted, in its context for answered.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	if v, ok := s.conns.Load(c); ok {
		return context.WithValue(ctx, activeKey{}, v)
	}
	return ctx
}

// answered stops counting as active the connection of a request whose
// handler has returned.
func (s *Server) answered(ctx context.Context) {
	if f, ok := ctx.Value(activeKey{}).(*connFlags); ok && f.active.Swap(false) {
		s.active.Add(-1)
	}
}

// freshChanged publishes a change of fresh to waitFresh; s.mu is held.
func (s *Server) freshChanged() {
	s.nFresh.Store(int64(len(s.fresh)))
	close(s.freshChange)
	s.freshChange = make(chan struct{})
}

// waitFresh returns once every accepted connection has had its first
// request answered, or when ctx ends.
func (s *Server) waitFresh(ctx context.Context) {
	for {
		s.mu.Lock()
		n, changed := len(s.fresh), s.freshChange
		s.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}
