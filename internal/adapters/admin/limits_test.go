package admin

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
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
