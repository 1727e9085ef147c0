package httpapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/domain"
)

// hangAfter bounds each wait of these tests: a server that never answers,
// or a Stop that never returns, fails the test instead of hanging it.
const hangAfter = 10 * time.Second

// await fails the test when ch is not ready within hangAfter.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(hangAfter):
		t.Fatalf("got no %s, want it", what)
		var zero T
		return zero
	}
}

// wireConn is one client connection, kept alive across requests.
type wireConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialWire(t *testing.T, addr string) *wireConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &wireConn{c, bufio.NewReader(c)}
}

// do sends one request on the connection (header lines end in CRLF) and
// reads the answer.
func (w *wireConn) do(path, header string) (*http.Response, error) {
	_ = w.c.SetDeadline(time.Now().Add(hangAfter))
	if _, err := io.WriteString(w.c, "GET "+path+" HTTP/1.1\r\nHost: api.test\r\n"+header+"\r\n"); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}

// signalOn returns a logger and a channel closed when msg is logged, the
// step of Stop a test waits for.
func signalOn(msg string) (*zap.Logger, *observer.ObservedLogs, <-chan struct{}) {
	core, logs := observer.New(zap.InfoLevel)
	logged := make(chan struct{})
	return zap.New(core, zap.Hooks(func(e zapcore.Entry) error {
		if e.Message == msg {
			close(logged)
		}
		return nil
	})), logs, logged
}

// TestDrain follows a kept-alive client and new connections through Stop:
// before it the server is ready and keeps connections alive; from its
// start readiness is false and every response closes its connection while
// the listener still accepts, for the drain delay (here until Stop's
// context ends); after it new connections are refused, and the stop is not
// taken for a serve failure.
func TestDrain(t *testing.T) {
	log, logs, draining := signalOn("shutting down")
	s := NewServer(ServerConfig{Host: "127.0.0.1", DrainDelay: time.Hour}, authtest.New(nil), nil, log)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	kept := dialWire(t, addr)
	ctx, endDrain := context.WithCancel(context.Background())
	defer endDrain()
	stopped := make(chan error, 1)
	tests := []struct {
		name      string
		before    func() // the step this row begins with
		conn      func() *wireConn
		wantClose bool // the response says Connection: close (http.ReadResponse sets Close)
		wantReady bool
	}{
		{"before Stop, a kept-alive connection", nil, func() *wireConn { return kept }, false, true},
		{"before Stop, a new connection", nil, func() *wireConn { return dialWire(t, addr) }, false, true},
		{"in the drain, the kept-alive connection", func() {
			go func() { stopped <- s.Stop(ctx) }()
			await(t, draining, "drain")
		}, func() *wireConn { return kept }, true, false},
		{"in the drain, a new connection", nil, func() *wireConn { return dialWire(t, addr) }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			if got := s.Ready(); got != tt.wantReady {
				t.Errorf("got ready %v, want %v", got, tt.wantReady)
			}
			resp, err := tt.conn().do("/api/public", "")
			if err != nil {
				t.Fatalf("got %v, want an answer", err)
			}
			if got := resp.Close; resp.StatusCode != http.StatusOK || got != tt.wantClose {
				t.Errorf("got status %d, Connection: close %v, want 200, %v", resp.StatusCode, got, tt.wantClose)
			}
		})
	}

	endDrain()
	await(t, stopped, "end of Stop after its context ended")
	await(t, s.served, "end of Serve")
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Error("got a connection after Stop, want it refused")
	}
	if s.Ready() {
		t.Error("got ready after Stop, want not ready")
	}
	if n := logs.FilterMessage("serve failed").Len(); n != 0 {
		t.Errorf("got %d \"serve failed\" lines for a stop, want none", n)
	}
}

// TestStopServesTheFreshConnection: a client that connected before Stop
// and sends its request only as the listener closes is answered: net/http
// drops a request it finishes reading after Shutdown has begun, so Stop
// waits for the first request of every accepted connection first.
func TestStopServesTheFreshConnection(t *testing.T) {
	log, _, closed := signalOn("listener closed")
	s := NewServer(ServerConfig{Host: "127.0.0.1"}, authtest.New(nil), nil, log)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	accepted := s.freshChange
	s.mu.Unlock()
	c := dialWire(t, s.Addr().String())
	await(t, accepted, "accepted connection")
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	await(t, closed, "listener closed")
	if n := s.nFresh.Load(); n != 1 {
		t.Errorf("got %d connections awaiting their first request as the listener closed, want 1", n)
	}
	resp, err := c.do("/api/public", "")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("got %v (%v) for a request sent as the listener closed, want 200", resp, err)
	}
	if err := await(t, stopped, "end of Stop"); err != nil {
		t.Errorf("got Stop error %v, want nil", err)
	}
}

// TestShutdownTimeout: a request still in flight when the shutdown timeout
// ends is cut off, its connection closed, and Stop says so: a request
// that never ends cannot hold the process past its stop budget. Its access
// line says the server cut it off (503, reason shutdown), not that its
// client hung up.
func TestShutdownTimeout(t *testing.T) {
	v := authtest.New(map[string]domain.Claims{"held": {Subject: "held@clients"}})
	gate := v.Hold()
	defer gate.Release()
	log, logs, logged := signalOn("request rejected") // the access line, written once the handler has its answer
	s := NewServer(ServerConfig{Host: "127.0.0.1", ShutdownTimeout: time.Nanosecond}, v, nil, log)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := dialWire(t, s.Addr().String())
	answered := make(chan error, 1)
	go func() {
		_, err := c.do("/api/private", "Authorization: Bearer held\r\n")
		answered <- err
	}()
	gate.Arrived(t, 1)
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	if err := await(t, stopped, "end of Stop with a request held past the shutdown timeout"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got Stop error %v, want one wrapping %v", err, context.DeadlineExceeded)
	}
	if err := <-answered; err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("got %v for the held request, want its connection closed", err)
	}
	await(t, logged, "access line of the request cut off")
	if m := logs.FilterMessage("request rejected").All()[0].ContextMap(); m["status"] != int64(http.StatusServiceUnavailable) || m["reason"] != "shutdown" {
		t.Errorf("got access line status %v reason %v, want 503 shutdown", m["status"], m["reason"])
	}
}

// TestStopBeforeStart: Stop on a server that never listened (its Start
// failed, its port taken) has no listener to close and returns nil.
func TestStopBeforeStart(t *testing.T) {
	s := NewServer(ServerConfig{Host: "127.0.0.1"}, authtest.New(nil), nil, zap.NewNop())
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

// TestActiveConnections: a connection owes an answer from StateActive (a
// request's head read) until its next state, whether that is idle (the
// answer written out, however long after the handler returned) or closed;
// one that has sent nothing, or is idle between requests, owes none. Stop
// fails only when one does.
func TestActiveConnections(t *testing.T) {
	tests := []struct {
		name   string
		states []http.ConnState
		want   int64
	}{
		{"new", []http.ConnState{http.StateNew}, 0},
		{"a request read", []http.ConnState{http.StateNew, http.StateActive}, 1},
		{"answered, kept alive", []http.ConnState{http.StateNew, http.StateActive, http.StateIdle}, 0},
		{"the next request read", []http.ConnState{http.StateNew, http.StateActive, http.StateIdle, http.StateActive}, 1},
		{"answered with Connection: close", []http.ConnState{http.StateNew, http.StateActive, http.StateClosed}, 0},
		{"closed having sent nothing", []http.ConnState{http.StateNew, http.StateClosed}, 0},
		{"hijacked", []http.ConnState{http.StateNew, http.StateActive, http.StateHijacked}, 0},
		{"closed, then reported again", []http.ConnState{http.StateNew, http.StateActive, http.StateClosed, http.StateActive}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(ServerConfig{Host: "127.0.0.1"}, authtest.New(nil), nil, zap.NewNop())
			c1, c2 := net.Pipe()
			defer c1.Close()
			defer c2.Close()
			s.markFresh(c1)
			for _, st := range tt.states {
				s.trackFresh(c1, st)
			}
			if got := s.active.Load(); got != tt.want {
				t.Errorf("got %d active connections, want %d", got, tt.want)
			}
		})
	}
	t.Run("a connection never accepted", func(t *testing.T) {
		s := NewServer(ServerConfig{Host: "127.0.0.1"}, authtest.New(nil), nil, zap.NewNop())
		c1, c2 := net.Pipe()
		defer c1.Close()
		defer c2.Close()
		s.trackFresh(c1, http.StateActive)
		if got := s.active.Load(); got != 0 {
			t.Errorf("got %d active connections, want 0", got)
		}
	})
}

// TestStopAfterAnAnswerOwedABody: a client that declared a body, sent part
// of it and read its answer owes the rest, which net/http reads after the
// answer, up to ReadTimeout, the connection still active; the server owes
// nothing. A stop whose timeout ends then closes it and succeeds.
func TestStopAfterAnAnswerOwedABody(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	s := NewServer(ServerConfig{Host: "127.0.0.1", ShutdownTimeout: 50 * time.Millisecond}, authtest.New(nil), nil, zap.New(core))
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := dialWire(t, s.Addr().String())
	_ = c.c.SetDeadline(time.Now().Add(hangAfter))
	if _, err := io.WriteString(c.c, "POST /api/public HTTP/1.1\r\nHost: api.test\r\nContent-Length: 100\r\n\r\n0123456789"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("got %v (%v), want 405", resp, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("got Stop error %v, want nil: the answer had been written out", err)
	}
	if n := logs.FilterMessage("shutdown ended with no request in flight: closed the connections that had sent no whole request").Len(); n != 1 {
		t.Errorf("got %d warnings that the stop closed connections, want 1", n)
	}
}
