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
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
)

// TestStopWithBadPeers: clients that connect and send nothing, send half a
// request line or headers that never end, or sit idle on a kept-alive
// connection, neither hold Stop past the read-header timeout (or the
// shutdown timeout, when it ends first) nor outlive it: when Stop returns
// every connection is closed and no goroutine of the server runs. Nor do
// they fail the stop: they had no request to cut off.
func TestStopWithBadPeers(t *testing.T) {
	tests := []struct {
		name     string
		cfg      ServerConfig
		wantWarn bool // the stop says it closed connections that had sent no whole request
	}{
		// The read-header timeout closes the silent ones, then Shutdown ends.
		{"cut off by the read-header timeout", ServerConfig{ReadHeaderTimeout: 50 * time.Millisecond}, false},
		// The shutdown timeout ends first (net/http would wait 5 s for a
		// connection that has sent nothing): Stop closes what is left.
		{"cut off by the shutdown timeout", ServerConfig{ShutdownTimeout: 50 * time.Millisecond}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()                   // by id: goroutines of earlier tests do not count
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // registered first, so it runs after the test's own cleanups
			tt.cfg.Host = "127.0.0.1"
			core, logs := observer.New(zap.InfoLevel)
			s := NewServer(tt.cfg, authtest.New(nil), nil, zap.New(core))
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
			if err := s.Stop(context.Background()); err != nil {
				t.Errorf("got Stop error %v, want nil: no request was cut off", err)
			}
			warned := logs.FilterMessage("shutdown ended with no request in flight: closed the connections that had sent no whole request").Len() == 1
			if warned != tt.wantWarn {
				t.Errorf("got the closing warning %v, want %v", warned, tt.wantWarn)
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
