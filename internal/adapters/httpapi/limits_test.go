package httpapi

import (
	"testing"
	"time"

	"go.uber.org/zap"
)

// TestServerLimits: each limit of ServerConfig bounds what one client can
// hold of the server (its time, the header bytes it may send, how long its
// request may run into a stop); unset, it takes the default ServerConfig
// documents, set, it is kept, and either way it reaches what enforces it.
func TestServerLimits(t *testing.T) {
	set := ServerConfig{ReadHeaderTimeout: 1 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 3 * time.Second,
		IdleTimeout: 4 * time.Second, ShutdownTimeout: 5 * time.Second, MaxHeaderBytes: 4096, MaxConnections: 7}
	unset := NewServer(ServerConfig{}, nil, nil, zap.NewNop())
	configured := NewServer(set, nil, nil, zap.NewNop())
	tests := []struct {
		name               string
		limit              func(*Server) any
		wantUnset, wantSet any
	}{
		{"read-header timeout", func(s *Server) any { return s.srv.ReadHeaderTimeout }, 5 * time.Second, set.ReadHeaderTimeout},
		{"read timeout", func(s *Server) any { return s.srv.ReadTimeout }, 10 * time.Second, set.ReadTimeout},
		{"write timeout", func(s *Server) any { return s.srv.WriteTimeout }, 10 * time.Second, set.WriteTimeout},
		{"idle timeout", func(s *Server) any { return s.srv.IdleTimeout }, 60 * time.Second, set.IdleTimeout},
		{"header bytes", func(s *Server) any { return s.srv.MaxHeaderBytes }, 16 << 10, set.MaxHeaderBytes},
		{"shutdown timeout", func(s *Server) any { return s.cfg.ShutdownTimeout }, 15 * time.Second, set.ShutdownTimeout},
		{"open connections", func(s *Server) any { return s.cfg.MaxConnections }, 4096, set.MaxConnections},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.limit(unset); got != tt.wantUnset {
				t.Errorf("unset: got %v, want %v", got, tt.wantUnset)
			}
			if got := tt.limit(configured); got != tt.wantSet {
				t.Errorf("set to %v: got %v", tt.wantSet, got)
			}
		})
	}
}
