package httpapi

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestServerErrorLogLevel: what net/http reports through the server's
// ErrorLog is a fault (a full file table when accepting, a handler's
// misuse of the response), and is logged at warn, where an operator who
// keeps warnings and errors sees it, never at info.
func TestServerErrorLogLevel(t *testing.T) {
	tests := []struct {
		name string
		line string // as net/http writes it
	}{
		{"accept error", "http: Accept error: accept tcp 127.0.0.1:3010: accept4: too many open files; retrying in 5ms"},
		{"superfluous WriteHeader", "http: superfluous response.WriteHeader call from example.handler (x.go:1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			s := NewServer(ServerConfig{Host: "127.0.0.1"}, nil, nil, zap.New(core).Named("httpapi"))
			s.srv.ErrorLog.Print(tt.line)
			all := logs.All()
			if len(all) != 1 {
				t.Fatalf("got %d lines, want 1", len(all))
			}
			if got := all[0]; got.Level != zapcore.WarnLevel || got.LoggerName != "httpapi.http" || got.Message != tt.line {
				t.Errorf("got %s %q from %q, want warn %q from httpapi.http", got.Level, got.Message, got.LoggerName, tt.line)
			}
		})
	}
}
