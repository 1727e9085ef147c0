package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/domain"
)

// ctxVerifier records the context the private route verifies with.
type ctxVerifier struct{ ctx context.Context }

func (v *ctxVerifier) Verify(ctx context.Context, _ string) (domain.Claims, error) {
	v.ctx = ctx
	return domain.Claims{Subject: "s"}, nil
}

// TestChiUsesTheRequestStateRouteContext pins that chi finds its routing
// context in the request's state and adds no context (and no request copy)
// of its own: the route it matched is the one the access line reports.
func TestChiUsesTheRequestStateRouteContext(t *testing.T) {
	v := &ctxVerifier{}
	h := NewHandler(HandlerConfig{}, v, zap.NewNop())
	req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
	req.Header.Set("Authorization", "Bearer t")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	st, _ := v.ctx.Value(stateKey{}).(*requestState)
	if st == nil {
		t.Fatal("got no request state in the verifier's context, want one")
	}
	if got, want := chi.RouteContext(v.ctx), &st.ownRctx; got != want {
		t.Errorf("got chi's route context %p, want the request state's %p", got, want)
	}
	if got, want := st.ownRctx.RoutePattern(), "/api/private"; got != want {
		t.Errorf("got route pattern %q, want %q", got, want)
	}
}

// TestMounted pins that the handler still routes when mounted under a
// parent chi router: the parent's routing context, with the path left to
// route, is the one used, and the access line names the whole pattern.
func TestMounted(t *testing.T) {
	for _, tt := range []struct {
		path      string
		wantCode  int
		wantRoute string
	}{
		{"/v1/api/public", http.StatusOK, "/v1/api/public"},
		{"/v1/api/private", http.StatusUnauthorized, "/v1/api/private"},
		{"/v1/nope", http.StatusNotFound, "/v1/*"}, // the parent's pattern, as chi reports it for a sub-router's 404
	} {
		t.Run(tt.path, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			parent := chi.NewRouter()
			parent.Mount("/v1", NewHandler(HandlerConfig{}, &ctxVerifier{}, zap.New(core)))
			rec := httptest.NewRecorder()
			parent.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.wantCode {
				t.Errorf("got status %d, want %d", rec.Code, tt.wantCode)
			}
			lines := logs.FilterMessageSnippet("request").All()
			if len(lines) != 1 {
				t.Fatalf("got %d access lines, want 1", len(lines))
			}
			if got := lines[0].ContextMap()["route"]; got != tt.wantRoute {
				t.Errorf("got route %v, want %q", got, tt.wantRoute)
			}
		})
	}
}
