package httpapi

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/domain"
)

// requestState is one request's record, shared by the middlewares and the
// handler through a single context value: the access log reads what
// authentication wrote. It is also the request's context and response
// writer, so observing a request costs one allocation, not four.
type requestState struct {
	ctx     stateContext
	w       statusWriter
	rctx    *chi.Context // chi's routing context: ownRctx, or a parent router's when mounted
	ownRctx chi.Context  // chi finds it in the state and adds no context (or request copy) of its own
	parent  int          // len(rctx.RoutePatterns) before our routes: a parent router's patterns
	id      string
	idHdr   [1]string      // the X-Request-Id header's value slice
	claims  *domain.Claims // nil when the caller is not authenticated
	reason  string         // why the request was rejected, if it was
	absence absence        // why there were no credentials, if there were none
	start   time.Time

	// Set when the access line is written.
	route    string
	status   int
	duration time.Duration
	req      *http.Request
	proxies  *trustedProxies
	line     [1]zap.Field // the access line's one field, kept here so writing it allocates nothing

	// Trace correlation, when the request is traced.
	span    trace.Span
	traceID [32]byte // hex
	spanID  [16]byte // hex
}

type stateKey struct{}

// stateContext is the request's context with its state as the stateKey
// value: one allocation with the state instead of a context.WithValue.
type stateContext struct {
	context.Context
	st *requestState
}

func (c *stateContext) Value(key any) any {
	switch key {
	case stateKey{}:
		return c.st
	case chi.RouteCtxKey:
		return c.st.rctx
	}
	return c.Context.Value(key)
}

func stateFrom(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{} // only when a handler runs outside observe
}

// MarshalLogObject adds the request's ids (request_id and, when traced,
// trace_id and span_id) to any log line: zap.Inline(st).
func (st *requestState) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("request_id", st.id)
	if st.span != nil {
		enc.AddByteString("trace_id", st.traceID[:])
		enc.AddByteString("span_id", st.spanID[:])
	}
	return nil
}

// accessLine is the state as the access line's fields.
type accessLine requestState

func (a *accessLine) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	st := (*requestState)(a)
	_ = st.MarshalLogObject(enc)
	enc.AddString("method", loggedMethod(st.req.Method))
	enc.AddString("route", st.route)
	enc.AddInt64("status", int64(st.status))
	enc.AddDuration("duration", st.duration) // milliseconds with the service's encoder
	bytes := st.w.bytes
	if st.req.Method == http.MethodHead {
		bytes = 0 // net/http reports a HEAD body's writes as done and sends none of it
	}
	enc.AddInt64("bytes", int64(bytes))
	enc.AddString("remote_addr", st.proxies.clientAddr(st.req))
	enc.AddString("user_agent", userAgent(st.req))
	if st.claims != nil {
		enc.AddString("subject", subject(st.claims.Subject))
	}
	if st.reason != "" {
		enc.AddString("reason", st.reason)
	}
	return nil
}

// maxMethod bounds the method on the access line: a client chooses it (any
// token up to the header cap); the longest registered method has 17 bytes.
const maxMethod = 32

// loggedMethod is the method cut to maxMethod bytes; net/http accepts only
// token characters (ASCII) in a method, so a byte is a character.
func loggedMethod(m string) string {
	if len(m) > maxMethod {
		return m[:maxMethod]
	}
	return m
}

const requestIDHeader = "X-Request-Id"

// requestID accepts a well-formed incoming id (1 to 64 of [A-Za-z0-9._-])
// so a request can be traced across services, and otherwise makes one: 128
// bits from the runtime's per-thread ChaCha8 generator, which is seeded from
// the OS and, unlike crypto/rand, costs no system call and no lock. An id
// only needs to be unique, not secret.
func requestID(r *http.Request) string {
	if v := r.Header[requestIDHeader]; len(v) > 0 && validRequestID(v[0]) {
		return v[0]
	}
	var b [16]byte
	var out [32]byte
	u1, u2 := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		b[i], b[8+i] = byte(u1>>(8*i)), byte(u2>>(8*i))
	}
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

// observe gives each request an id and, when traced, its span, logs one
// access line and records its metrics when it ends, and turns a panic into
// a JSON 500 with the stack logged once. It runs before mux, with chi's
// routing context already in the request's context: a request is copied
// once here instead of once here and once in chi.
func (h *handler) observe(w http.ResponseWriter, r *http.Request) {
	st := &requestState{start: time.Now(), w: statusWriter{ResponseWriter: w}, proxies: h.proxies}
	// Mounted under a parent chi router, the parent's context carries the
	// path left to route: keep it, as chi does for its own sub-routers.
	if st.rctx = chi.RouteContext(r.Context()); st.rctx == nil {
		st.rctx = &st.ownRctx
		st.rctx.Routes = h.mux
	}
	st.parent = len(st.rctx.RoutePatterns)
	st.id = requestID(r)
	st.idHdr[0] = st.id
	w.Header()[requestIDHeader] = st.idHdr[:]
	ctx := h.startSpan(r, st)
	st.ctx = stateContext{Context: ctx, st: st}
	r = r.WithContext(&st.ctx)
	st.req = r
	defer h.finish(st)
	h.mux.ServeHTTP(&st.w, r)
}

var errPanic = &requestError{http.StatusInternalServerError, "server_error", "internal error"}

// noStacktrace keeps the logger's own error-level stack trace off the
// request path's lines: it would be the logging call's (writeError's),
// never the fault's. The panic line carries the panicking goroutine's stack
// as a field instead, which loggers built without stack traces (dev's) get
// too.
var noStacktrace = zap.AddStacktrace(zap.LevelEnablerFunc(func(zapcore.Level) bool { return false }))

// finish runs when the request ends, even by a panic.
func (h *handler) finish(st *requestState) {
	if p := recover(); p != nil {
		if p == http.ErrAbortHandler {
			st.status = st.w.status
			h.endSpan(st, true)
			panic(p)
		}
		st.reason = "internal"
		// Sampled as the rejections are (a panic every request hits would
		// write a stack per request); the stack is taken only for a kept line.
		if ce := h.sampled.Check(zap.ErrorLevel, "panic serving request"); ce != nil {
			ce.Write(zap.Inline(st), zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
		}
		if st.w.status == 0 {
			h.writeError(&st.w, st.req, errPanic)
		}
	}
	st.duration = time.Since(st.start)
	st.status = st.w.status
	if st.status == 0 {
		st.status = http.StatusOK
	}
	st.route = st.routePattern(h.mux)
	h.metrics.request(st.route, st.req.Method, st.status, st.duration)
	h.endSpan(st, false)
	h.logAccess(st)
}

// logAccess writes the request's access line (rejections and failures to
// the sampled log).
func (h *handler) logAccess(st *requestState) {
	log, msg := h.log, "request"
	if st.reason != "" {
		log, msg = h.sampled, "request rejected"
	}
	if ce := log.Check(zap.InfoLevel, msg); ce != nil { // nil: below the level or sampled away
		st.line[0] = zap.Inline((*accessLine)(st))
		ce.Write(st.line[:]...)
	}
}

// routePattern is the matched chi pattern, never the raw path, so logs and
// metrics stay bounded whatever paths clients send. chi records a pattern
// only when a route serves the method: a 405, an OPTIONS answered with
// Allow or a CORS preflight is named here after the route at its path, so
// only a path the API does not serve is unmatched.
func (st *requestState) routePattern(mux *chi.Mux) string {
	if len(st.rctx.RoutePatterns) == st.parent {
		if p, _ := routeAt(mux, routePath(st.req)); p != "" {
			st.rctx.RoutePatterns = append(st.rctx.RoutePatterns, p)
		}
	}
	if p := st.rctx.RoutePattern(); p != "" {
		return p
	}
	return unmatchedRoute
}

// unmatchedRoute names the route of a request no route matched, in logs,
// metrics and span names (endSpan leaves http.route off for it).
const unmatchedRoute = "unmatched"

// statusWriter records the status and body size for the access line.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx are interim: the final status comes later
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
