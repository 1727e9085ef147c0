package httpapi

import (
	"net/http"
	"net/http/httptest"
	"time"

	"go.uber.org/zap"
)

// ErrCutOff is the cause Stop gives the contexts of the requests the
// shutdown timeout cuts off.
var ErrCutOff = errCutOff

// AccessLineWriter returns a func that writes to log, through the handler
// NewHandler builds, the access line of one GET /api/public answered 200.
// Each call makes its own request state, so each goroutine needs its own.
func AccessLineWriter(log *zap.Logger) func() {
	h := NewHandler(HandlerConfig{}, nil, log).h
	req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
	req.RemoteAddr = "192.0.2.7:54321"
	req.Header.Set("User-Agent", "wrk/4.1.0")
	st := &requestState{id: "4bf92f3577b34da6a3ce929d0e0e4736", req: req, route: "/api/public",
		status: http.StatusOK, duration: 183456 * time.Nanosecond}
	st.w.bytes = 88
	return func() { h.logAccess(st) }
}
