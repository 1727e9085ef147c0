package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestAccessLineMethodBounded: the method is the client's choice (any
// token up to the header cap), so the access line cuts it, as it cuts
// the user agent; every registered method fits whole.
func TestAccessLineMethodBounded(t *testing.T) {
	long := strings.Repeat("A", 4000)
	tests := []struct{ name, method, want string }{
		{"GET", http.MethodGet, "GET"},
		{"WebDAV", "PROPFIND", "PROPFIND"},
		{"longest registered method", "UPDATEREDIRECTREF", "UPDATEREDIRECTREF"},
		{"4000 bytes", long, long[:32]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, "/api/public", nil))
			if got := logs.All()[0].ContextMap()["method"]; got != tt.want {
				t.Errorf("got method of %d bytes %.40q, want %q", len(got.(string)), got, tt.want)
			}
		})
	}
}

// TestAccessLineBytesOfHEAD: a HEAD response sends no body, so its access
// line counts none, though net/http reports the handler's writes as done.
func TestAccessLineBytesOfHEAD(t *testing.T) {
	tests := []struct {
		method, target string
		wantBytes      int64
	}{
		{http.MethodGet, "/api/public", int64(len(`{"message":"` + publicMsg + `"}`))},
		{http.MethodHead, "/api/public", 0},
		{http.MethodHead, "/api/private", 0},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			srv := httptest.NewServer(httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core)))
			defer srv.Close()
			req, err := http.NewRequest(tt.method, srv.URL+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			srv.Close() // the access line is written before the server's handlers return
			if got := logs.All()[0].ContextMap()["bytes"]; got != tt.wantBytes {
				t.Errorf("got bytes %v, want %d", got, tt.wantBytes)
			}
		})
	}
}
