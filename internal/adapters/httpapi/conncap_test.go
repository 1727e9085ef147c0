package httpapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

const capWarning = "connection limit reached: new connections wait until one closes (HTTP_MAX_CONNECTIONS)"

// TestConnectionCapReclaimsIdle: at MaxConnections, a new connection is
// served by closing the connection idle longest between requests, once
// idle for reclaimAfter, so that a client holding kept-alive connections
// cannot lock new ones out; one idle for less is in use (its next request
// may be on the way) and is kept, the new connection waiting.
func TestConnectionCapReclaimsIdle(t *testing.T) {
	tests := []struct {
		name         string
		reclaimAfter time.Duration
		wantServed   bool // the third connection, at once
	}{
		{"idle long enough: the longest idle is closed", time.Millisecond, true},
		{"idle briefly: kept, the new connection waits", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs, _ := signalOn(capWarning)
			s, addr := startCapped(t, 2, tt.reclaimAfter, authtest.New(nil), log)
			held := []*wireConn{dialWire(t, addr), dialWire(t, addr)} // the first idle longest
			for i, c := range held {
				if resp, err := c.do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("connection %d: got %v (%v), want 200", i+1, resp, err)
				}
				awaitIdle(t, s, i+1)
			}
			third := dialWire(t, addr)
			third.send(t, "/api/public")
			if !tt.wantServed {
				// A wait for something that must not happen: it can only miss
				// a server that answers late, never fail a correct one.
				_ = third.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				if resp, err := http.ReadResponse(third.br, nil); !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("got %v (%v) with both connections idle briefly, want no answer", resp, err)
				}
				for i, c := range held {
					if resp, err := c.do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
						t.Errorf("connection %d idle briefly: got %v (%v), want it kept and answered", i+1, resp, err)
					}
				}
				if n := logs.FilterMessage(capWarning).Len(); n != 1 {
					t.Errorf("got %d cap warnings, want 1", n)
				}
				return
			}
			if resp, err := readResponse(third); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %v (%v) past the cap, want 200", resp, err)
			}
			if _, err := held[0].do("/api/public", ""); err == nil {
				t.Error("got an answer on the connection idle longest, want it closed")
			}
			if resp, err := held[1].do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("got %v (%v) on the other connection, want it kept and answered", resp, err)
			}
		})
	}
}

// TestConnectionCapHoldsBusy: at MaxConnections with every connection
// mid-request, the next one is not served (it waits in the kernel's queue)
// and the cap is logged; once a slot frees, it is served.
func TestConnectionCapHoldsBusy(t *testing.T) {
	log, logs, full := signalOn(capWarning)
	v := authtest.New(map[string]domain.Claims{"held": {Subject: "held@clients"}})
	gate := v.Hold()
	defer gate.Release()
	_, addr := startCapped(t, 2, reclaimAfter, v, log)
	answered := make(chan error, 2)
	for range 2 {
		c := dialWire(t, addr)
		go func() { _, err := c.do("/api/private", "Authorization: Bearer held\r\n"); answered <- err }()
	}
	gate.Arrived(t, 2)

	third := dialWire(t, addr)
	third.send(t, "/api/public")
	await(t, full, "warning that the cap is reached")
	if n := logs.FilterMessage(capWarning).Len(); n != 1 {
		t.Errorf("got %d cap warnings, want 1", n)
	}
	// A wait for something that must not happen: it can only miss a server
	// that answers late, never fail a correct one.
	_ = third.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if resp, err := http.ReadResponse(third.br, nil); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v (%v) past the cap, want no answer", resp, err)
	}

	gate.Release() // both held requests end; their connections go idle, and one makes room
	for range 2 {
		if err := await(t, answered, "answer to a held request"); err != nil {
			t.Errorf("got %v for a held request, want its answer", err)
		}
	}
	if resp, err := readResponse(third); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %v (%v) once a slot freed, want 200", resp, err)
	}
}

// readResponse reads the answer to a request already sent on c.
func readResponse(c *wireConn) (*http.Response, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(hangAfter)) // a hang detector
	resp, err := http.ReadResponse(c.br, nil)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// TestStopAtTheConnectionCap: a stop while the cap holds a connection in
// the kernel's queue serves it (the stop takes the queue) and ends: the
// accept waiting for a slot does not hold the stop up.
func TestStopAtTheConnectionCap(t *testing.T) {
	log, _, full := signalOn(capWarning)
	v := authtest.New(map[string]domain.Claims{"held": {Subject: "held@clients"}})
	gate := v.Hold()
	defer gate.Release()
	s, addr := startCapped(t, 1, reclaimAfter, v, log)
	held, answered := dialWire(t, addr), make(chan error, 1)
	go func() { _, err := held.do("/api/private", "Authorization: Bearer held\r\n"); answered <- err }()
	gate.Arrived(t, 1)
	queued := dialWire(t, addr)
	queued.send(t, "/api/public")
	await(t, full, "warning that the cap is reached")
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	if resp, err := readResponse(queued); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("got %v (%v) for the queued connection's request, want 200", resp, err)
	}
	gate.Release()
	if err := await(t, answered, "answer to the held request"); err != nil {
		t.Errorf("got %v for the held request, want its answer", err)
	}
	if err := await(t, stopped, "end of Stop"); err != nil {
		t.Errorf("got Stop error %v, want nil", err)
	}
}

// TestConnectionCapUnderTheFileLimit: a cap the open-file limit cannot hold
// (with room for the rest of the process) is lowered, with a warning
// naming both; one it can hold is kept as set.
func TestConnectionCapUnderTheFileLimit(t *testing.T) {
	const lowered = "HTTP_MAX_CONNECTIONS is above what the open-file limit leaves: lowered (raise ulimit -n, or lower the setting)"
	tests := []struct {
		name  string
		max   int
		limit uint64
		want  int
	}{
		{"limit unknown", 4096, 0, 4096},
		{"room left", 4096, 1 << 20, 4096},
		{"exactly room left", 896, 1024, 896},
		{"ulimit -n 1024", 4096, 1024, 896},
		{"a limit below the reserve", 4096, 100, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs, _ := signalOn(lowered)
			s := NewServer(ServerConfig{MaxConnections: tt.max}, authtest.New(nil), nil, log)
			s.fileLimit = func() uint64 { return tt.limit }
			if got := s.connectionCap(); got != tt.want {
				t.Errorf("got a cap of %d, want %d", got, tt.want)
			}
			if warned := logs.FilterMessage(lowered).Len() == 1; warned != (tt.want != tt.max) {
				t.Errorf("got warned %v, want %v", warned, tt.want != tt.max)
			}
		})
	}
}

// TestConnectionCapSparesARequestOnItsWay: a connection idle past
// reclaimAfter whose next request has begun to arrive is in use, though
// net/http says StateActive only once the whole head is read: it is not
// closed for a new connection, and its request is answered.
func TestConnectionCapSparesARequestOnItsWay(t *testing.T) {
	log, _, full := signalOn(capWarning)
	s, addr := startCapped(t, 1, time.Millisecond, authtest.New(nil), log)
	held := dialWire(t, addr)
	if resp, err := held.do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %v (%v), want 200", resp, err)
	}
	if _, err := io.WriteString(held.c, "GET /api/public HTTP/1.1\r\n"); err != nil { // half its next head
		t.Fatal(err)
	}
	awaitIdle(t, s, 0) // the server has read those bytes
	newcomer := dialWire(t, addr)
	newcomer.send(t, "/api/public")
	await(t, full, "warning that the cap holds the newcomer")
	if _, err := io.WriteString(held.c, "Host: api.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if resp, err := readResponse(held); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("got %v (%v) for the request on its way, want 200", resp, err)
	}
	if resp, err := readResponse(newcomer); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("got %v (%v) for the newcomer once the other went idle long enough, want 200", resp, err)
	}
}

// TestConnectionCapTimesTheNextHead: a kept-alive connection that sends the
// start of its next request and no more is in use, but only for
// ReadHeaderTimeout from its first byte, as a new connection's head would
// be: a few bytes after each request (fewer than net/http peeks before it
// starts its own header timeout) must not hold a slot until the idle
// timeout, locking a newcomer out.
func TestConnectionCapTimesTheNextHead(t *testing.T) {
	// Fewer bytes than net/http peeks, then half a head, which net/http's
	// own header timeout bounds: the answer the first two must now share.
	for _, sent := range []string{"G", "GET", "GET /api/public HTTP/1.1\r\n"} {
		t.Run(strconv.Quote(sent), func(t *testing.T) {
			log, _, full := signalOn(capWarning)
			s, addr := startCappedConfig(t, ServerConfig{MaxConnections: 1, ReadHeaderTimeout: 100 * time.Millisecond,
				IdleTimeout: time.Hour}, time.Millisecond, authtest.New(nil), log)
			held := dialWire(t, addr)
			if resp, err := held.do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %v (%v), want 200", resp, err)
			}
			if _, err := io.WriteString(held.c, sent); err != nil {
				t.Fatal(err)
			}
			awaitIdle(t, s, 0)
			newcomer := dialWire(t, addr)
			newcomer.send(t, "/api/public")
			await(t, full, "warning that the cap holds the newcomer")
			if resp, err := readResponse(newcomer); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("got %v (%v) for the newcomer, want 200 once the stalled head timed out", resp, err)
			}
			_ = held.c.SetReadDeadline(time.Now().Add(hangAfter))
			if n, err := held.br.Read(make([]byte, 1)); err == nil {
				t.Errorf("got %d bytes on the stalled connection, want it closed", n)
			}
		})
	}
}

// TestConnectionCapHearsIdleWhileLooking: a connection that goes idle while
// makeRoom looks, and finds none idle, still wakes the connection waiting
// for a slot, rather than leaving it to wait for the next change.
func TestConnectionCapHearsIdleWhileLooking(t *testing.T) {
	looks := 0
	l := capOneQueued(t, func(l *capListener, held net.Conn) time.Duration {
		if looks++; looks == 1 {
			l.idled() // as a connection going idle just after the scan passed it
		} else {
			held.Close() // looking again, it finds that one and closes it
		}
		return -1
	})
	accepted := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	select {
	case err := <-accepted:
		if err != nil || looks != 2 {
			t.Errorf("got %v after %d looks, want a slot after 2", err, looks)
		}
	case <-time.After(hangAfter):
		t.Fatal("got no slot for the waiting connection, want one once it heard the other go idle")
	}
}

// TestConnectionCapWaitsOutItsTimer: with a timer armed for the connection
// idle longest, connections going idle do not make the waiting one look
// again (a scan of every connection each time: a spin under load).
func TestConnectionCapWaitsOutItsTimer(t *testing.T) {
	const qualifies = 50 * time.Millisecond // after the first look: when the one idle longest may be closed
	var first time.Time
	early := 0 // looks before the timer can have fired
	l := capOneQueued(t, func(l *capListener, held net.Conn) time.Duration {
		l.idled() // another connection goes idle while it looks, every time
		if first.IsZero() {
			first = time.Now()
			return qualifies
		}
		if d := time.Since(first); d < qualifies {
			early++
			return qualifies - d
		}
		held.Close()
		return -1
	})
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if early != 0 {
		t.Errorf("got %d looks before the timer fired, want none", early)
	}
}

// capOneQueued is a listener capped at one connection, on loopback, with
// that connection accepted (held) and another waiting in the queue for
// the test's Accept; look is its makeRoom.
func capOneQueued(t *testing.T, look func(l *capListener, held net.Conn) time.Duration) *capListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var l *capListener
	var held net.Conn
	l = newCapListener(ln, 1, time.Second, func() time.Duration { return look(l, held) })
	t.Cleanup(func() { l.Close() })
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	if held, err = l.Accept(); err != nil {
		t.Fatal(err)
	}
	return l
}

// awaitIdle returns once n connections of s are idle between requests:
// net/http says so after the answer is written, so a client can have read
// it, and sent its next request, before.
func awaitIdle(t *testing.T, s *Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(hangAfter); ; {
		idle := 0
		s.conns.Range(func(_, v any) bool {
			if v.(*connFlags).idleSince.Load() != 0 {
				idle++
			}
			return true
		})
		if idle == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d connections idle, want %d", idle, n)
		}
		runtime.Gosched()
	}
}

// startCapped starts a server on loopback under the connection cap max,
// closing idle connections after reclaimAfter, and returns it with its
// address; the test's end stops it (once more, for a test that stopped it).
func startCapped(t *testing.T, max int, reclaimAfter time.Duration, v ports.TokenVerifier, log *zap.Logger) (*Server, string) {
	t.Helper()
	return startCappedConfig(t, ServerConfig{MaxConnections: max}, reclaimAfter, v, log)
}

// startCappedConfig is startCapped with cfg (on 127.0.0.1).
func startCappedConfig(t *testing.T, cfg ServerConfig, reclaimAfter time.Duration, v ports.TokenVerifier, log *zap.Logger) (*Server, string) {
	t.Helper()
	cfg.Host = "127.0.0.1"
	s := NewServer(cfg, v, nil, log)
	s.reclaimAfter = reclaimAfter
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s, s.Addr().String()
}

// send writes a whole request for path on the connection, its answer left
// to read.
func (w *wireConn) send(t *testing.T, path string) {
	t.Helper()
	if _, err := io.WriteString(w.c, "GET "+path+" HTTP/1.1\r\nHost: api.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
}
