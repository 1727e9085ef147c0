package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/admin"
)

// TestEndpoints pins the admin listener's contract (README, "Operating
// it"): each endpoint answers GET (and HEAD), any other method 405 with
// Allow, any other path 404; readiness names its failing checks.
func TestEndpoints(t *testing.T) {
	var keys atomic.Bool
	reg := admin.NewRegistry()
	probe := prometheus.NewCounter(prometheus.CounterOpts{Name: "admin_test_probe_total", Help: "A counter of this test."})
	reg.MustRegister(probe)
	s := admin.New(admin.Config{Addr: "127.0.0.1:0"}, reg,
		[]admin.Check{{Name: "http", Ready: func() bool { return true }}, {Name: "keys", Ready: keys.Load}}, zap.NewNop())
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Stop(context.Background()) }()
	base := "http://" + s.Addr().String()
	tests := []struct {
		name, method, path string
		keysLoaded         bool
		wantStatus         int
		wantBody           string // a substring
		wantAllow          string
	}{
		{"liveness", http.MethodGet, "/healthz", false, 200, `{"status":"ok"}`, ""},
		{"liveness HEAD", http.MethodHead, "/healthz", false, 200, "", ""},
		{"not ready: names the failing check", http.MethodGet, "/readyz", false, 503, `{"status":"not ready","failing":["keys"]}`, ""},
		{"ready", http.MethodGet, "/readyz", true, 200, `{"status":"ready"}`, ""},
		{"readiness HEAD", http.MethodHead, "/readyz", true, 200, "", ""},
		{"metrics", http.MethodGet, "/metrics", false, 200, "admin_test_probe_total 0", ""},
		{"metrics with a query", http.MethodGet, "/metrics?name[]=go_goroutines", false, 200, "go_goroutines", ""},
		{"POST to metrics", http.MethodPost, "/metrics", false, 405, "", "GET, HEAD"},
		{"DELETE to readiness", http.MethodDelete, "/readyz", false, 405, "", "GET, HEAD"},
		{"unknown method", "BREW", "/healthz", false, 405, "", "GET, HEAD"},
		{"trailing slash", http.MethodGet, "/readyz/", false, 404, "", ""},
		{"root", http.MethodGet, "/", false, 404, "", ""},
		{"upper case", http.MethodGet, "/HEALTHZ", false, 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys.Store(tt.keysLoaded)
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got body %.200q, want it to hold %q", body, tt.wantBody)
			}
			if got := resp.Header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("got Allow %q, want %q", got, tt.wantAllow)
			}
			if strings.HasSuffix(tt.path, "z") && tt.wantStatus != 405 {
				if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
					t.Errorf("got Content-Type %q Cache-Control %q, want application/json, no-store", ct, cc)
				}
				if tt.method == http.MethodGet && !json.Valid(body) {
					t.Errorf("got body %q, want JSON", body)
				}
			}
		})
	}
}
