package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
	"github.com/example/messages-api/internal/app"
)

// BenchmarkStack serves each endpoint through the whole chi stack with the
// real auth0 verifier (a static key instead of a JWKS), JSON access logs
// and metrics on, as in production. Figures, not
// assertions: go test -run '^$' -bench Stack -benchmem ./internal/adapters/httpapi/
func BenchmarkStack(b *testing.B) {
	const domain, audience = "bench.eu.auth0.com", "https://messages-api.example.com"
	signer, err := auth0test.NewSigner("https://"+domain+"/", audience, "k1")
	if err != nil {
		b.Fatal(err)
	}
	token, err := signer.Sign(signer.Claims("reader", "read:messages"))
	if err != nil {
		b.Fatal(err)
	}
	tenant, err := auth0.NewTenant(domain, false, 0)
	if err != nil {
		b.Fatal(err)
	}
	handler := func(cacheSize int, tr *tracing.Provider) http.Handler {
		v, err := auth0.New(tenant, auth0.Config{Audiences: []string{audience}, CacheSize: cacheSize}, signer)
		if err != nil {
			b.Fatal(err)
		}
		// As in production: JSON access logs (to nowhere), metrics, tracing.
		log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(app.EncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
		m, err := httpapi.NewMetrics(prometheus.NewRegistry())
		if err != nil {
			b.Fatal(err)
		}
		opts := []httpapi.Option{httpapi.WithMetrics(m)}
		if tr != nil {
			opts = append(opts, httpapi.WithTracing(httpapi.Tracing{Tracer: tr.Tracer("bench"), EveryRequest: tr.Exporting()}))
		}
		return httpapi.NewHandler(httpapi.HandlerConfig{}, v, log, opts...)
	}
	noExport := tracing.NewWithExporter(nil)                          // production without OTEL_* settings
	exporting := tracing.NewWithExporter(tracetest.NewNoopExporter()) // every span recorded and handed over
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	badSig := token[:len(token)-8] + "AAAAAAAA"
	for _, bc := range []struct {
		name, path, token string
		cacheSize, want   int
		tracing           *tracing.Provider
		traceparent       string
	}{
		{"public", "/api/public", "", 0, 200, noExport, ""},
		{"public-with-header", "/api/public", token, 0, 200, noExport, ""},
		{"private-warm", "/api/private", token, 0, 200, noExport, ""},
		{"scoped-warm", "/api/private-scoped", token, 0, 200, noExport, ""},
		{"private-cold", "/api/private", token, -1, 200, noExport, ""},
		{"bad-signature", "/api/private", badSig, 0, 401, noExport, ""},
		// What tracing costs: nothing configured, a traceparent to
		// correlate (no exporter), every request exported.
		{"public-untraced", "/api/public", "", 0, 200, nil, ""},
		{"public-traceparent", "/api/public", "", 0, 200, noExport, traceparent},
		{"public-exporting", "/api/public", "", 0, 200, exporting, ""},
		{"private-warm-exporting", "/api/private", token, 0, 200, exporting, traceparent},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := handler(bc.cacheSize, bc.tracing)
			req := httptest.NewRequest(http.MethodGet, bc.path, nil)
			if bc.token != "" {
				req.Header.Set("Authorization", "Bearer "+bc.token)
			}
			if bc.traceparent != "" {
				req.Header.Set("traceparent", bc.traceparent)
			}
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != bc.want {
					b.Fatalf("got status %d, want %d", rec.Code, bc.want)
				}
			}
		})
	}
}

// BenchmarkAccessLine writes the access line alone, as production does: the
// service's JSON encoder into a 256 KiB buffer flushed every second (to
// nowhere here), from as many goroutines as there are cores. ns/op is wall
// time per line; multiply by the cores for CPU time.
func BenchmarkAccessLine(b *testing.B) {
	out := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(io.Discard), Size: 256 << 10, FlushInterval: time.Second}
	defer func() { _ = out.Stop() }()
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(app.EncoderConfig()), out, zap.InfoLevel))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		write := httpapi.AccessLineWriter(log)
		for pb.Next() {
			write()
		}
	})
}
