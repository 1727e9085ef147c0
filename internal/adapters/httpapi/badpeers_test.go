package httpapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/authtest"
)

// TestStopWithBadPeers: clients that connect and send nothing, send half a
// request line or headers that never end, or sit idle on a kept-alive
// connection, neither hold Stop past the read-header timeout (or the
// shutdown timeout, when it ends first) nor outlive it: when Stop returns
// every connection is closed and no goroutine of the server runs.
func TestStopWithBadPeers(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ServerConfig
		wantErr error
	}{
		// The read-header timeout closes the silent ones, then Shutdown ends.
		{"cut off by the read-header timeout", ServerConfig{ReadHeaderTimeout: 50 * time.Millisecond}, nil},
		// The shutdown timeout ends first: Stop closes what is left.
		{"cut off by the shutdown timeout", ServerConfig{ShutdownTimeout: 50 * time.Millisecond}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()                   // by id: goroutines of earlier tests do not count
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // registered first, so it runs after the test's own cleanups
			tt.cfg.Host = "127.0.0.1"
			s := NewServer(tt.cfg, authtest.New(nil), nil, zap.NewNop())
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			idle := dialWire(t, s.Addr().String())
			if resp, err := idle.do("/api/public", ""); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %v (%v), want 200", resp, err)
			}
			var conns []net.Conn
			for _, send := range []string{"", "GET /api/pub", "GET /api/public HTTP/1.1\r\nHost: api.test\r\n"} {
				c := dialWire(t, s.Addr().String()).c
				if _, err := io.WriteString(c, send); err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			if err := s.Stop(context.Background()); !errors.Is(err, tt.wantErr) {
				t.Errorf("got Stop error %v, want %v", err, tt.wantErr)
			}
			for i, c := range append(conns, idle.c) {
				_ = c.SetReadDeadline(time.Now().Add(hangAfter))
				if _, err := io.ReadAll(c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("connection %d: got %v after Stop, want it closed by the server", i, err)
				}
			}
		})
	}
}
