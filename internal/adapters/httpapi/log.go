package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/domain"
)

// requestState is one request's record, shared by the middlewares and the
// handler through a single context value: the access log reads what
// authentication wrote, without cloning the request again.
type requestState struct {
	id      string
	claims  *domain.Claims // nil when the caller is not authenticated
	reason  string         // why the request was rejected, if it was
	absence absence        // why there were no credentials, if there were none
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{} // only when a handler runs outside observe
}

const requestIDHeader = "X-Request-Id"

// requestID accepts a well-formed incoming id (1 to 64 of [A-Za-z0-9._-])
// so a request can be traced across services, and otherwise makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get(requestIDHeader); validRequestID(id) {
		return id
	}
	var b [16]byte
	var out [32]byte
	_, _ = rand.Read(b[:])
	hex.Encode(out[:], b[:])
	return string(out[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// observe gives each request an id, logs one access line when it ends and
// turns a panic into a JSON 500 with the stack logged once.
func (h *handler) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &requestState{id: requestID(r)}
		w.Header()[requestIDHeader] = []string{st.id}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.Error("panic serving request", zap.String("request_id", st.id),
					zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
				if ww.Status() == 0 {
					h.writeError(ww, r, errPanic)
				}
			}
			h.logRequest(r, ww, st, time.Since(start))
		}()
		next.ServeHTTP(ww, r)
	})
}

var errPanic = &requestError{http.StatusInternalServerError, "server_error", "internal error"}

func (h *handler) logRequest(r *http.Request, ww middleware.WrapResponseWriter, st *requestState, d time.Duration) {
	status := ww.Status()
	if status == 0 {
		status = http.StatusOK
	}
	route := routePattern(r)
	h.metrics.request(route, r.Method, status, d)
	log, msg := h.log, "request"
	if st.reason != "" {
		log, msg = h.rejectLog, "request rejected"
	}
	ce := log.Check(zap.InfoLevel, msg)
	if ce == nil {
		return // below the level, or sampled away: build no fields
	}
	fields := make([]zap.Field, 0, 7) // room for subject or reason: no regrowth
	fields = append(fields,
		zap.String("request_id", st.id),
		zap.String("method", r.Method),
		zap.String("route", route),
		zap.Int("status", status),
		zap.Duration("duration", d),
		zap.Int("bytes", ww.BytesWritten()),
	)
	if st.claims != nil {
		fields = append(fields, zap.String("subject", st.claims.Subject))
	}
	if st.reason != "" {
		fields = append(fields, zap.String("reason", st.reason))
	}
	ce.Write(fields...)
}

// routePattern is the matched chi pattern, never the raw path, so logs and
// metrics stay bounded whatever paths clients send.
func routePattern(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil {
		if p := rctx.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}
