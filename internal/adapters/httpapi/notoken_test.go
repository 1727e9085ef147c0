package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// TestNoTokenInTelemetry sends tokens every way a client can, valid or
// not, and reads everything the request leaves behind: each span (name,
// attributes, events, links, status), each log line at every level
// (message, fields, stack) and the /metrics page. None holds any part of
// a token or of the Authorization header's value.
func TestNoTokenInTelemetry(t *testing.T) {
	const secret = "s3cr3t-tok3n" // in every token below
	valid := secret + "-valid"
	tests := []struct {
		name   string
		target string
		auth   []string
		fail   error // the verifier's error
	}{
		{"valid", "/api/private-scoped", []string{"Bearer " + valid}, nil},
		{"valid on public", "/api/public", []string{"Bearer " + valid}, nil},
		{"refused", "/api/private", []string{"Bearer " + secret + "-unknown"}, nil},
		{"refused with a reason", "/api/private", []string{"Bearer " + valid}, ports.Invalid(ports.ReasonExpired, "the token has expired")},
		{"keys unavailable", "/api/private", []string{"Bearer " + valid}, ports.ErrKeysUnavailable},
		{"verifier error", "/api/private", []string{"Bearer " + valid}, fmt.Errorf("verifier bug")},
		{"other scheme", "/api/private", []string{"Token " + valid}, nil},
		{"basic", "/api/private", []string{"Basic " + secret}, nil},
		{"in the query", "/api/private?access_token=" + valid, nil, nil},
		{"header and query", "/api/private?access_token=" + valid, []string{"Bearer " + valid}, nil},
		{"two headers", "/api/private", []string{"Bearer " + valid, "Bearer " + secret}, nil},
		{"on a 404", "/no/such/" + secret, []string{"Bearer " + valid}, nil},
		{"on a 405", "/api/private", []string{"Bearer " + valid}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := authtest.New(map[string]domain.Claims{valid: {Subject: "reader@clients", Scopes: []string{"read:messages"}}})
			if tt.fail != nil {
				v.Fail(tt.fail)
			}
			exp := tracetest.NewInMemoryExporter()
			p := tracing.NewWithExporter(exp)
			core, logs := observer.New(zap.DebugLevel)
			reg := prometheus.NewRegistry()
			m, err := httpapi.NewMetrics(reg)
			if err != nil {
				t.Fatal(err)
			}
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, v, zap.New(core), httpapi.WithMetrics(m),
				httpapi.WithTracing(httpapi.Tracing{Tracer: p.Tracer("test"), EveryRequest: true}))
			method := http.MethodGet
			if tt.name == "on a 405" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, tt.target, nil)
			req.Header.Set("traceparent", traceparent)
			for _, a := range tt.auth {
				req.Header.Add("Authorization", a)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)

			var seen []string // everything recorded, as text
			for _, s := range exp.GetSpans() {
				seen = append(seen, "span name "+s.Name, "span status "+s.Status.Description)
				for _, a := range s.Attributes {
					seen = append(seen, "span attribute "+string(a.Key)+"="+a.Value.String())
				}
				for _, e := range s.Events {
					seen = append(seen, fmt.Sprintf("span event %s %v", e.Name, e.Attributes))
				}
				for _, l := range s.Links {
					seen = append(seen, fmt.Sprintf("span link %v", l.Attributes))
				}
			}
			for _, e := range logs.All() {
				seen = append(seen, fmt.Sprintf("log %q %v %s", e.Message, e.ContextMap(), e.Stack))
			}
			rec := httptest.NewRecorder()
			promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			body, _ := io.ReadAll(rec.Body)
			seen = append(seen, "metrics "+string(body))
			if len(exp.GetSpans()) != 1 || logs.Len() == 0 {
				t.Fatalf("got %d spans and %d log lines, want a span and the access line", len(exp.GetSpans()), logs.Len())
			}
			for _, s := range seen {
				if strings.Contains(s, secret) {
					t.Errorf("got %.300s, want no token", s)
				}
			}
		})
	}
}
