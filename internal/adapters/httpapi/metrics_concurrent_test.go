package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestMetricsUnderConcurrentScrapes: requests making new series (the
// handles are copied on write) while several scrapes read them; run with
// -race. Every scrape answers 200 and the counts add up at the end.
func TestMetricsUnderConcurrentScrapes(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := httpapi.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.NewNop(), httpapi.WithMetrics(m))
	scrape := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	const workers, perWorker = 4, 50
	methods := []string{"GET", "HEAD", "POST", "BREW", "DELETE"}
	var wg sync.WaitGroup
	scrapeStatus := make(chan int, workers*perWorker)
	for w := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				path := []string{"/api/public", "/api/private", fmt.Sprintf("/no/%d", i)}[i%3]
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(methods[(w+i)%len(methods)], path, nil))
			}
		}()
		go func() {
			defer wg.Done()
			for range perWorker {
				rec := httptest.NewRecorder()
				scrape.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
				scrapeStatus <- rec.Code
			}
		}()
	}
	wg.Wait()
	close(scrapeStatus)
	for code := range scrapeStatus {
		if code != http.StatusOK {
			t.Fatalf("got a scrape answering %d, want 200", code)
		}
	}
	rec := httptest.NewRecorder()
	scrape.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var total float64
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "messages_api_http_requests_total{") {
			var n float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &n)
			total += n
		}
	}
	if total != workers*perWorker {
		t.Errorf("got %v requests counted, want %d", total, workers*perWorker)
	}
}
