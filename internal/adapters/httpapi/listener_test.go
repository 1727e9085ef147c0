package httpapi

import (
	"context"
	"io"
	"net"
	"runtime"
	"testing"
)

// TestCloseQueueServesQueued dials connections that send a byte and sit in
// the accept queue (nothing accepts them), then closes the listener: on
// Linux, closeQueue takes all of them and Accept hands each over with its
// byte, new connections are refused, and Close reports no error for the
// socket already closed.
func TestCloseQueueServesQueued(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("takes the accept queue on Linux only")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tracked := 0
	ql := newQueueListener(ln, ln, func(net.Conn) { tracked++ })
	const n = 3
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	// No Serve is accepting, so closeQueue's wait for it is cut short.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	taken, err := ql.closeQueue(ctx)
	if taken != n || err != nil {
		t.Fatalf("got closeQueue %d, %v, want %d, nil", taken, err, n)
	}
	if tracked != n {
		t.Errorf("got %d connections tracked, want %d", tracked, n)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("got a connection after closeQueue, want it refused")
	}
	for i := range n {
		c, err := ql.Accept()
		if err != nil {
			t.Fatalf("got Accept error %v for queued connection %d, want it", err, i)
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil || b[0] != 'x' {
			t.Errorf("got %q, %v from queued connection %d, want its byte", b, err, i)
		}
		c.Close()
	}
	if err := ql.Close(); err != nil {
		t.Errorf("got Close error %v, want nil", err)
	}
	if _, err := ql.Accept(); err != net.ErrClosed {
		t.Errorf("got Accept error %v after Close, want net.ErrClosed", err)
	}
}
