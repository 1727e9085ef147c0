package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestMetricLabelsBounded: whatever methods and paths clients send, the
// request metrics' labels take only route patterns (or unmatched) and the
// methods the service knows (or other), so the series stay few.
func TestMetricLabelsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := httpapi.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: []string{"https://app.example.com"}}},
		newVerifier(), zap.NewNop(), httpapi.WithMetrics(m))
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "QUERY",
		"PROPFIND", "BREW", "get", strings.Repeat("M", 64)}
	paths := []string{"/api/public", "/api/private", "/api/private-scoped", "/openapi.json", "/api/public/", "/API/PUBLIC", "/api/%70ublic"}
	for i := range 200 {
		paths = append(paths, fmt.Sprintf("/no/such/%d", i), fmt.Sprintf("/api/public/%d", i))
	}
	for _, method := range methods {
		for _, path := range paths {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
		}
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))

	wantRoutes := map[string]bool{"/api/public": true, "/api/private": true, "/api/private-scoped": true, "/openapi.json": true, "unmatched": true}
	wantMethods := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "other": true}
	label := regexp.MustCompile(`(route|method)="([^"]*)"`)
	series := 0
	for line := range strings.Lines(rec.Body.String()) {
		if !strings.HasPrefix(line, "messages_api_http_request") {
			continue
		}
		if strings.HasPrefix(line, "messages_api_http_requests_total{") {
			series++
		}
		for _, l := range label.FindAllStringSubmatch(line, -1) {
			if want := map[string]map[string]bool{"route": wantRoutes, "method": wantMethods}[l[1]]; !want[l[2]] {
				t.Errorf("got %s label %q, want one of %v", l[1], l[2], want)
			}
		}
	}
	// Each route answers a handful of statuses per method: 200, 401, 404, 405, 204.
	if limit := len(wantRoutes) * len(wantMethods) * 5; series == 0 || series > limit {
		t.Errorf("got %d request series, want 1 to %d", series, limit)
	}
}
