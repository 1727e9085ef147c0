package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
)

// TestReadinessFromTheGraph: a check provided with Readiness reaches
// /readyz and is asked at each probe, so the server reports not ready
// while what it checks is not.
func TestReadinessFromTheGraph(t *testing.T) {
	var loaded atomic.Bool
	var s *Server
	app := fxtest.New(t, Module, fx.Supply(Config{Addr: "127.0.0.1:0"}, zap.NewNop(), &loaded),
		Readiness("keys", (*atomic.Bool).Load), fx.Populate(&s))
	defer app.RequireStop()
	tests := []struct {
		name       string
		loaded     bool
		wantStatus int
		wantBody   string
	}{
		{"check failing", false, http.StatusServiceUnavailable, `"failing":["keys"]`},
		{"check passing", true, http.StatusOK, `"ready"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loaded.Store(tt.loaded)
			rec := httptest.NewRecorder()
			s.srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("got %d %s, want %d holding %s", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}
