package admin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// TestRegistryCollectors: every scrape says which build runs (always 1,
// labelled with the version and Go's), and carries the Go runtime's and the
// process's metrics, which dashboards and alerts read by these names.
func TestRegistryCollectors(t *testing.T) {
	s := New(Config{}, NewRegistry(), nil, zap.NewNop())
	rec := httptest.NewRecorder()
	s.srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	tests := []struct {
		name      string
		line      string // the start of a line of the scrape
		linuxOnly bool   // the process collector reads /proc
	}{
		{"build info", fmt.Sprintf("messages_api_build_info{goversion=%q,version=%q} 1\n", runtime.Version(), version()), false},
		{"Go runtime", "go_goroutines ", false},
		{"process", "process_start_time_seconds ", true},
		{"process CPU", "process_cpu_seconds_total ", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.linuxOnly && runtime.GOOS != "linux" {
				t.Skipf("the process collector's metrics are checked on Linux, not %s", runtime.GOOS)
			}
			if !strings.Contains(rec.Body.String(), "\n"+tt.line) {
				t.Errorf("got no line %q in the scrape, want it", tt.line)
			}
		})
	}
}
