package admin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestErrorLogLevel: a scrape that cannot gather every metric, and what
// net/http reports through the admin server's ErrorLog, are faults and are
// logged at warn, where an operator who keeps warnings and errors sees them.
func TestErrorLogLevel(t *testing.T) {
	failing := prometheus.NewRegistry()
	failing.MustRegister(failingCollector{prometheus.NewDesc("failing", "A collector that fails.", nil, nil)})
	tests := []struct {
		name string
		do   func(s *Server)
	}{
		{"a failed gather", func(s *Server) {
			s.srv.Handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/metrics", nil))
		}},
		{"the server's own error", func(s *Server) {
			s.srv.ErrorLog.Print("http: Accept error: accept tcp 127.0.0.1:9090: accept4: too many open files; retrying in 5ms")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			s := New(Config{Addr: "127.0.0.1:0"}, failing, nil, zap.New(core))
			tt.do(s)
			all := logs.All()
			if len(all) == 0 {
				t.Fatal("got no line, want one")
			}
			for _, e := range all {
				if e.Level != zapcore.WarnLevel {
					t.Errorf("got %q at %s, want warn", e.Message, e.Level)
				}
			}
		})
	}
}

// failingCollector fails every collection, as a collector whose source is
// gone does.
type failingCollector struct{ desc *prometheus.Desc }

func (c failingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c failingCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(c.desc, errors.New("collector failed"))
}
