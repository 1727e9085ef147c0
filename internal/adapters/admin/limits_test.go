package admin

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestLimits: the admin listener stays on loopback unless an address is
// set (containers set one to be probed), and bounds each connection's time
// as the API's listener does, so a client holding connections to it
// cannot starve probes and scrapes.
func TestLimits(t *testing.T) {
	tests := []struct {
		name  string
		addr  string
		limit func(*Server) any
		want  any
	}{
		{"address unset: loopback", "", func(s *Server) any { return s.addr }, "127.0.0.1:9090"},
		{"address set: kept", "0.0.0.0:9091", func(s *Server) any { return s.addr }, "0.0.0.0:9091"},
		{"read-header timeout", "", func(s *Server) any { return s.srv.ReadHeaderTimeout }, 5 * time.Second},
		{"read timeout", "", func(s *Server) any { return s.srv.ReadTimeout }, 10 * time.Second},
		{"write timeout", "", func(s *Server) any { return s.srv.WriteTimeout }, 30 * time.Second},
		{"idle timeout", "", func(s *Server) any { return s.srv.IdleTimeout }, 60 * time.Second},
		{"header cap", "", func(s *Server) any { return s.srv.MaxHeaderBytes }, 16 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Addr: tt.addr}, prometheus.NewRegistry(), nil, zap.NewNop())
			if got := tt.limit(s); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestScrapeWithAFailingCollector: one collector failing does not cost
// the operator the other metrics: the scrape answers 200 with them.
func TestScrapeWithAFailingCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(failingCollector{prometheus.NewDesc("failing", "A collector that fails.", nil, nil)})
	probe := prometheus.NewCounter(prometheus.CounterOpts{Name: "admin_test_probe_total", Help: "A counter of this test."})
	reg.MustRegister(probe)
	s := New(Config{Addr: "127.0.0.1:0"}, reg, nil, zap.NewNop())
	rec := httptest.NewRecorder()
	s.srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "admin_test_probe_total 0") {
		t.Errorf("got %d %.200q, want 200 with admin_test_probe_total 0", rec.Code, rec.Body)
	}
}

// TestStopIsNoFailure: a stop ends Serve with http.ErrServerClosed, which
// is neither logged as a failure nor reported to OnServeFailure (that
// would turn every clean stop into exit code 1).
func TestStopIsNoFailure(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	s := New(Config{Addr: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, zap.New(core))
	var failed atomic.Bool
	s.OnServeFailure(func(error) { failed.Store(true) })
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("got Stop error %v, want nil", err)
	}
	if n := logs.FilterMessage("admin serve failed").Len(); n != 0 || failed.Load() {
		t.Errorf("got %d failure lines, OnServeFailure called %v, want none, false", n, failed.Load())
	}
	// Nothing of the server runs once Stop has returned.
	select {
	case <-s.served:
	default:
		t.Error("got Stop returned while Serve still ran, want Serve returned first")
	}
}

// TestBeforeStart: a server never started (its start failed, or was never
// asked for) has no address, and its Stop returns at once rather than
// waiting for a Serve that never ran.
func TestBeforeStart(t *testing.T) {
	s := New(Config{Addr: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, zap.NewNop())
	if got := s.Addr(); got != nil {
		t.Errorf("got address %v before Start, want nil", got)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("got Stop error %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("got no return from Stop without Start, want one at once")
	}
}

// TestHeaderCap: a request whose header passes the cap is refused with 431
// before any handler runs; one under it is served.
func TestHeaderCap(t *testing.T) {
	s := New(Config{Addr: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, zap.NewNop())
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tt := range []struct {
		name   string
		header int
		want   int
	}{
		{"8 KiB of header", 8 << 10, http.StatusOK},
		{"20 KiB of header", 20 << 10, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "http://"+s.Addr().String()+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Padding", strings.Repeat("a", tt.header))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("got %v, want status %d", err, tt.want)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// TestBodyNobodyReads: a probe or scrape that declares a body and sends
// less of it is answered at once, closing the connection; net/http, to
// keep it, would wait for the whole body (until ReadTimeout) first.
func TestBodyNobodyReads(t *testing.T) {
	s := New(Config{Addr: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, zap.NewNop())
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	for _, tt := range []struct {
		name, request string
		want          int
	}{
		{"metrics, 3 of 1000 bytes", "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc", 200},
		{"healthz, an unfinished chunked body", "GET /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 200},
		{"readyz, none of 5 bytes", "GET /readyz HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 200},
		{"no such route", "GET /nope HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second)) // ReadTimeout is 10s: a server that waits fails here
			if _, err := io.WriteString(c, tt.request); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("reading the response: %v (none before the deadline: the server waits for the body)", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want || !resp.Close {
				t.Errorf("got status %d and close %v, want %d and Connection: close", resp.StatusCode, resp.Close, tt.want)
			}
		})
	}
}
