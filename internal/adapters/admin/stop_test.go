package admin

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
	"go.uber.org/zap"
)

// TestStopCutsOffWhatOutlivesItsContext: a client that connects to the
// admin port and sends nothing (or half a request) holds a connection
// Shutdown waits for; when the stop's context ends first, Stop closes it
// instead of leaving it, and its goroutine, to the read timeouts: nothing
// of the server runs after Stop.
func TestStopCutsOffWhatOutlivesItsContext(t *testing.T) {
	tests := []struct {
		name string
		send string
	}{
		{"a client that sends nothing", ""},
		{"half a request line", "GET /metr"},
		{"a request whose headers never end", "GET /metrics HTTP/1.1\r\nHost: admin\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()                   // by id: goroutines of earlier tests do not count
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // registered first, so it runs after the test's own cleanups
			s := New(Config{Addr: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, zap.NewNop())
			accepted := make(chan struct{}, 1)
			s.srv.ConnState = func(_ net.Conn, st http.ConnState) {
				if st == http.StateNew {
					accepted <- struct{}{}
				}
			}
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			conn, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.send); err != nil {
				t.Fatal(err)
			}
			select { // in the server's hands, which Shutdown then waits for
			case <-accepted:
			case <-time.After(time.Minute):
				t.Fatal("got the connection not accepted, want it accepted")
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the stop's budget already spent by the hooks before
			if err := s.Stop(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("got Stop error %v, want one wrapping %v", err, context.Canceled)
			}
			// Well under the 5s read-header timeout that would close it anyway.
			_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("got %v reading the connection after Stop, want it closed by the server", err)
			}
		})
	}
}
