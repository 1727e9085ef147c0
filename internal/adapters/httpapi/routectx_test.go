package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"go.uber.org/zap"

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
	if got, want := chi.RouteContext(v.ctx), &st.rctx; got != want {
		t.Errorf("got chi's route context %p, want the request state's %p", got, want)
	}
	if got, want := st.rctx.RoutePattern(), "/api/private"; got != want {
		t.Errorf("got route pattern %q, want %q", got, want)
	}
}
