package httpapi

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// TestTakeQueueWindow dials while takeQueue is between its last accept and
// the socket's shutdown, as clients do when the stopping goroutine or its
// thread is descheduled there on a loaded machine (which once cost seven
// requests in one stop of the shutdown load test): once one of them is
// established (to be reset with its request sent), the others are never
// established.
func TestTakeQueueWindow(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ql := newQueueListener(ln, ln, func(net.Conn) {})
	defer ql.Close()
	const dials = 4
	var (
		mu          sync.Mutex
		established []net.Conn
	)
	defer func() {
		for _, c := range established {
			c.Close()
		}
	}()
	dial := func() {
		// On loopback a connection the socket takes is established
		// within the dial; the timeout only ends the wait for one whose
		// SYN the socket dropped.
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond)
		if err != nil {
			return
		}
		if _, err := c.Write([]byte("x")); err != nil {
			c.Close()
			return
		}
		mu.Lock()
		established = append(established, c)
		mu.Unlock()
	}
	testHookBeforeShutdown = func() {
		// One connection first: the one the socket still queues. Dialled
		// at once with it, a few more could have their SYN answered
		// while the queue still has room (the kernel checks it at the SYN
		// and at the handshake's last ACK), and then be dropped at the
		// ACK: the cut bounds the window's losses by how many handshakes
		// overlap in it, not by how long it lasts.
		dial()
		var wg sync.WaitGroup
		for range dials - 1 {
			wg.Go(dial)
		}
		wg.Wait()
	}
	defer func() { testHookBeforeShutdown = nil }()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no Serve is accepting: do not wait for it
	if taken, err := ql.closeQueue(ctx); taken != 0 || err != nil {
		t.Fatalf("got closeQueue %d, %v, want 0, nil: nothing was queued before the window", taken, err)
	}
	if n := len(established); n > 1 {
		t.Errorf("got %d of %d connections dialed in the window established with their request sent (and reset), want at most 1: the others were dialled once one was queued", n, dials)
	}
}

// TestTakeQueueRefusesAfter: once takeQueue returns, the socket refuses
// new connections at once, before anything closes it; one it queued
// instead would be reset by the close, with its request sent.
func TestTakeQueueRefusesAfter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, c := range takeQueue(ln) {
		c.Close()
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("got a connection established after takeQueue, want it refused")
	}
}
