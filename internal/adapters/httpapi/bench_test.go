package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/adapters/httpapi"
)

// BenchmarkStack serves each endpoint through the whole chi stack with the
// real auth0 verifier (a static key instead of a JWKS). Figures, not
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
	handler := func(cacheSize int) http.Handler {
		v, err := auth0.New(tenant, auth0.Config{Audiences: []string{audience}, CacheSize: cacheSize}, signer)
		if err != nil {
			b.Fatal(err)
		}
		// As in production: JSON access logs (to nowhere) and metrics.
		log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel))
		m, err := httpapi.NewMetrics(prometheus.NewRegistry())
		if err != nil {
			b.Fatal(err)
		}
		return httpapi.NewHandler(httpapi.HandlerConfig{}, v, log, httpapi.WithMetrics(m))
	}
	badSig := token[:len(token)-8] + "AAAAAAAA"
	for _, bc := range []struct {
		name, path, token string
		cacheSize, want   int
	}{
		{"public", "/api/public", "", 0, 200},
		{"public-with-header", "/api/public", token, 0, 200},
		{"private-warm", "/api/private", token, 0, 200},
		{"scoped-warm", "/api/private-scoped", token, 0, 200},
		{"private-cold", "/api/private", token, -1, 200},
		{"bad-signature", "/api/private", badSig, 0, 401},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := handler(bc.cacheSize)
			req := httptest.NewRequest(http.MethodGet, bc.path, nil)
			if bc.token != "" {
				req.Header.Set("Authorization", "Bearer "+bc.token)
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
