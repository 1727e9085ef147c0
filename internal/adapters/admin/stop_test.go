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
// Shutdown waits for; when the stop's context ends first, or the stop's
// grace runs out (the stops after this one need the budget), Stop closes
// it instead of leaving it, and its goroutine, to the read timeouts:
// nothing of the server runs after Stop. Only a context that ended is an
// error of the stop.
func TestStopCutsOffWhatOutlivesItsContext(t *testing.T) {
	// Each stop's context is made just before Stop is called: one made
	// earlier would have ended before the stop began.
	spent := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the stop's budget already spent by the hooks before
		return ctx, cancel
	}
	background := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	ended := func() (context.Context, context.CancelFunc) { return endedUnsignalled{context.Background()}, func() {} }
	expiring := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 50*time.Millisecond)
	}
	sends := []struct{ name, send string }{
		{"a client that sends nothing", ""},
		{"half a request line", "GET /metr"},
		{"a request whose headers never end", "GET /metrics HTTP/1.1\r\nHost: admin\r\n"},
	}
	stops := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		grace   time.Duration
		wantErr error
	}{
		{"budget spent", spent, time.Minute, context.Canceled},
		{"grace over", background, 10 * time.Millisecond, nil},
		// The budget ending after the grace did, before Stop looks, is
		// no fault of the stop.
		{"grace over, then the budget", ended, 10 * time.Millisecond, nil},
		// A budget ending before the grace is the stop's own fault.
		{"budget ending before the grace", expiring, time.Minute, context.DeadlineExceeded},
	}
	for _, stop := range stops {
		for _, tt := range sends {
			t.Run(stop.name+"/"+tt.name, func(t *testing.T) {
				ignore := goleak.IgnoreCurrent()                   // by id: goroutines of earlier tests do not count
				t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // registered first, so it runs after the test's own cleanups
				s := New(Config{Addr: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, zap.NewNop())
				s.grace = stop.grace
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
				ctx, cancel := stop.ctx()
				defer cancel()
				stopped := make(chan error, 1)
				go func() { stopped <- s.Stop(ctx) }()
				select { // well before net/http's own 5s cut of a connection that sent nothing
				case err := <-stopped:
					if !errors.Is(err, stop.wantErr) {
						t.Errorf("got Stop error %v, want %v", err, stop.wantErr)
					}
				case <-time.After(2 * time.Second):
					t.Fatalf("got Stop still waiting after 2s, want it back after its grace (%s) or its context", stop.grace)
				}
				// Well under the 5s read-header timeout that would close it anyway.
				_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("got %v reading the connection after Stop, want it closed by the server", err)
				}
			})
		}
	}
}

// endedUnsignalled is a context that reports itself ended when asked but
// never signalled it: as one whose deadline passes just after the grace.
type endedUnsignalled struct{ context.Context }

func (endedUnsignalled) Err() error { return context.DeadlineExceeded }
