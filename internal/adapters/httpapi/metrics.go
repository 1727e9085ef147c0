package httpapi

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the API's request and token-verification metrics. Labels are
// bounded: route patterns (never raw paths), known methods, status codes and
// the port's fixed reason codes.
type Metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	verifications *prometheus.CounterVec
	valid         prometheus.Counter // the verification outcome of nearly every private call

	// Handles resolved per route pattern, so a request finds its series
	// with one map lookup instead of hashing its label values (and
	// formatting its status) on every call. Written once per new label set.
	mu     sync.Mutex
	routes atomic.Pointer[map[string]*routeMetrics] // copy on write
}

// routeMetrics are one route's series.
type routeMetrics struct {
	route    string
	duration prometheus.Observer
	requests atomic.Pointer[map[methodStatus]prometheus.Counter] // copy on write
}

type methodStatus struct {
	method string // already bounded by knownMethod
	status int
}

// NewMetrics registers the API's metrics with reg. It fails when reg
// already has metrics of the same names (prometheus.AlreadyRegisteredError).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "messages_api_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "messages_api_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "messages_api_token_verifications_total",
			Help: "Bearer tokens verified, by outcome (valid, invalid, unavailable, cancelled, error) and rejection reason.",
		}, []string{"outcome", "reason"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.verifications} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.valid = m.verifications.WithLabelValues("valid", "")
	m.routes.Store(&map[string]*routeMetrics{})
	return m, nil
}

// resolve makes the series of the given routes ahead of the first request.
func (m *Metrics) resolve(routes ...string) {
	if m == nil {
		return
	}
	for _, r := range routes {
		m.route(r)
	}
}

// route returns the route's series, making them on first use.
func (m *Metrics) route(route string) *routeMetrics {
	return loadOrMake(&m.routes, &m.mu, route, func() *routeMetrics {
		rm := &routeMetrics{route: route, duration: m.duration.WithLabelValues(route)}
		rm.requests.Store(&map[methodStatus]prometheus.Counter{})
		return rm
	})
}

// counter returns the route's request counter for method and status.
func (m *Metrics) counter(rm *routeMetrics, method string, status int) prometheus.Counter {
	return loadOrMake(&rm.requests, &m.mu, methodStatus{method, status}, func() prometheus.Counter {
		return m.requests.WithLabelValues(rm.route, method, strconv.Itoa(status))
	})
}

// loadOrMake returns key's value in the copy-on-write map p points to. A
// miss makes the value under mu and publishes a copy of the map with it:
// requests read without a lock, and each key is made once.
func loadOrMake[K comparable, V any](p *atomic.Pointer[map[K]V], mu *sync.Mutex, key K, mk func() V) V {
	if v, ok := (*p.Load())[key]; ok {
		return v
	}
	mu.Lock()
	defer mu.Unlock()
	old := *p.Load()
	if v, ok := old[key]; ok {
		return v
	}
	v := mk()
	next := maps.Clone(old)
	next[key] = v
	p.Store(&next)
	return v
}

func (m *Metrics) request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	rm := m.route(route)
	m.counter(rm, knownMethod(method), status).Inc()
	rm.duration.Observe(d.Seconds())
}

func (m *Metrics) verification(outcome, reason string) {
	if m == nil {
		return
	}
	if outcome == "valid" {
		m.valid.Inc()
		return
	}
	m.verifications.WithLabelValues(outcome, reason).Inc()
}

// knownMethod keeps the method label bounded whatever clients send.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
