package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/authtest"
)

// TestConnectionCap: with MaxConnections open, the next connection is not
// served (it waits in the kernel's queue) and the cap is logged; once one
// closes, it is served. One client's idle connections cannot take every
// file descriptor and the memory with them.
func TestConnectionCap(t *testing.T) {
	const msg = "connection limit reached: new connections wait until one closes (HTTP_MAX_CONNECTIONS)"
	log, logs, full := signalOn(msg)
	s := NewServer(ServerConfig{Host: "127.0.0.1", MaxConnections: 2}, authtest.New(nil), nil, log)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	addr := s.Addr().String()

	held := []*wireConn{dialWire(t, addr), dialWire(t, addr)}
	for i, c := range held {
		if resp, err := c.do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("connection %d: got %v (%v), want 200", i+1, resp, err)
		}
	}
	await(t, full, "warning that the cap is reached")
	if n := logs.FilterMessage(msg).Len(); n != 1 {
		t.Errorf("got %d cap warnings, want 1", n)
	}

	// Both held connections are idle and kept alive: the third is
	// connected by the kernel but not accepted, so its request goes
	// unanswered. (A wait for something that must not happen: it can
	// only miss a server that answers late, never fail a correct one.)
	third := dialWire(t, addr)
	if _, err := io.WriteString(third.c, "GET /api/public HTTP/1.1\r\nHost: api.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = third.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if resp, err := http.ReadResponse(third.br, nil); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v (%v) past the cap, want no answer", resp, err)
	}

	held[0].c.Close() // frees a slot: the third is accepted and answered
	resp, err := readResponse(third)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %v (%v) once a connection closed, want 200", resp, err)
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
	log, _, full := signalOn("connection limit reached: new connections wait until one closes (HTTP_MAX_CONNECTIONS)")
	s := NewServer(ServerConfig{Host: "127.0.0.1", MaxConnections: 1}, authtest.New(nil), nil, log)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	held := dialWire(t, addr)
	if resp, err := held.do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %v (%v), want 200", resp, err)
	}
	await(t, full, "warning that the cap is reached")
	queued := dialWire(t, addr)
	if _, err := io.WriteString(queued.c, "GET /api/public HTTP/1.1\r\nHost: api.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	if resp, err := readResponse(queued); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("got %v (%v) for the queued connection's request, want 200", resp, err)
	}
	if err := await(t, stopped, "end of Stop"); err != nil {
		t.Errorf("got Stop error %v, want nil", err)
	}
}
