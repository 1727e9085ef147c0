// Package httpapi serves the Messages API over HTTP with chi: routing,
// bearer-token extraction, the mapping of domain and port errors to RFC 6750
// responses, access logs and the server's lifecycle.
package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/cors"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// HandlerConfig tunes the handler; zero values take the defaults.
type HandlerConfig struct {
	// Realm names the protection space in WWW-Authenticate (default "messages-api").
	Realm string
	// RetryAfterSeconds is the Retry-After, in seconds, of every 503: keys
	// unavailable, or the verification timed out (default 5).
	RetryAfterSeconds int
	// CORS lets browser apps on other origins call the API.
	CORS CORS
	// TrustedProxies are the CIDRs (or IPs) of the proxies whose
	// X-Forwarded-For is believed for the access line's remote_addr; none by
	// default. Entries that are not CIDRs or IPs are ignored here, with a
	// warning, and so are all of them when together they trust every address
	// of a family (config validation refuses both with ParseTrustedProxies).
	TrustedProxies []string
	// LogEveryRejection writes an access line for every rejected request
	// and every keys-unavailable warning, request-failed line and panic
	// line; by default they are sampled (sampleLines).
	LogEveryRejection bool
}

// CORS configures cross-origin access for single-page apps. With no allowed
// origins, no CORS headers are sent at all.
type CORS struct {
	AllowedOrigins   []string // exact origins, e.g. https://app.example.com; one CheckOrigin refuses is ignored, with a warning
	AllowCredentials bool     // cookies are never needed for bearer tokens; off by default
	MaxAgeSeconds    int      // how long browsers may cache a preflight
}

type handler struct {
	verifier   ports.TokenVerifier
	log        *zap.Logger
	sampled    *zap.Logger // rejections and faults: a token flood, or a fault every request hits, must not flood the logs
	realm      string
	retryAfter string
	metrics    *Metrics // nil: no metrics
	cors       CORS
	proxies    *trustedProxies
	tracing    Tracing
	mux        *chi.Mux // every route: routes()
	allowAny   []string // the Allow of OPTIONS *: every method a route serves
}

// Option tunes NewHandler.
type Option func(*handler)

// WithMetrics records request and verification metrics in m.
func WithMetrics(m *Metrics) Option { return func(h *handler) { h.metrics = m } }

// NewHandler returns the API's HTTP handler with every route.
func NewHandler(cfg HandlerConfig, verifier ports.TokenVerifier, log *zap.Logger, opts ...Option) *Handler {
	if cfg.Realm == "" {
		cfg.Realm = "messages-api"
	}
	if cfg.RetryAfterSeconds == 0 {
		cfg.RetryAfterSeconds = 5
	}
	// Access lines all come from one place: the caller annotation would
	// say the same thing every time and costs a stack walk per request.
	access := log.WithOptions(zap.WithCaller(false), noStacktrace)
	h := &handler{
		verifier:   verifier,
		log:        access,
		sampled:    sampledLog(access, cfg.LogEveryRejection),
		realm:      sanitize(cfg.Realm),
		retryAfter: retryAfterSeconds(cfg.RetryAfterSeconds),
		cors:       cfg.CORS,
	}
	for _, o := range opts {
		o(h)
	}
	h.cors.AllowedOrigins = exactOrigins(cfg.CORS.AllowedOrigins, log)
	if len(cfg.TrustedProxies) > 0 {
		h.proxies = &trustedProxies{}
		for _, e := range cfg.TrustedProxies {
			p, err := ParseTrustedProxies([]string{e})
			if err != nil {
				log.Warn("trusted proxy entry ignored", zap.Error(err))
				continue
			}
			h.proxies.prefixes = append(h.proxies.prefixes, p...)
		}
		if err := trustsEveryAddress(h.proxies.prefixes); err != nil {
			log.Warn("trusted proxies ignored", zap.Error(err))
			h.proxies = nil // the peer's own address: the client's pick would be worse
		}
	}
	h.mux = h.routes()
	mux := h.mux
	// Every route's series exist from the start: a request only looks them up.
	served := map[string]bool{http.MethodOptions: true}
	_ = chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		h.metrics.resolve(route)
		served[method] = true
		return nil
	})
	h.metrics.resolve(unmatchedRoute)
	served[http.MethodHead] = served[http.MethodGet] // middleware.GetHead
	var allow []string
	for _, m := range allowOrder {
		if served[m] {
			allow = append(allow, m)
		}
	}
	h.allowAny = []string{strings.Join(allow, ", ")}
	return &Handler{routeTree: mux, h: h}
}

// Handler is the API's http.Handler: the routes, readable (chi.Routes, to
// walk them) but closed to new ones, each request observed from before chi
// sees it.
type Handler struct {
	routeTree
	h *handler
}

// routeTree is chi.Routes under a name that, embedded, does not hide its
// Routes method behind a field of the same name.
type routeTree = chi.Routes

func (a *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.h.observe(w, r) }

// routes is every route the API serves, in one place.
func (h *handler) routes() *chi.Mux {
	r := chi.NewRouter()
	// observe runs before these (api.ServeHTTP): every response, even a
	// CORS preflight or a 404, gets its id, access line and metrics.
	r.Use(middleware.GetHead) // HEAD wherever GET works (RFC 9110 §9.3.2)
	if len(h.cors.AllowedOrigins) > 0 {
		// Preflights get their CORS headers here, before any token is looked
		// at, then go on to be answered as any OPTIONS is (methodNotAllowed:
		// 204 with Allow, or 404): the library would answer them 200 itself.
		r.Use(cors.Handler(cors.Options{
			AllowedOrigins: h.cors.AllowedOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodOptions}, // HEAD: served wherever GET is
			AllowedHeaders: []string{"Authorization", "Content-Type", requestIDHeader,
				"Traceparent", "Tracestate"}, // W3C Trace Context, which browser apps traced with OpenTelemetry send
			ExposedHeaders:     []string{"WWW-Authenticate", requestIDHeader, "Retry-After"},
			AllowCredentials:   h.cors.AllowCredentials,
			MaxAge:             h.cors.MaxAgeSeconds,
			OptionsPassthrough: true,
		}))
	}
	r.NotFound(h.notFound)
	r.MethodNotAllowed(h.methodNotAllowed(r))

	r.Get("/api/public", h.public)
	r.Get("/openapi.json", h.openAPI)
	r.Group(func(r chi.Router) {
		r.Use(noStore, h.authenticate())
		r.Get("/api/private", h.private)
		r.Get("/api/private-scoped", h.privateScoped)
	})
	return r
}

func (h *handler) public(w http.ResponseWriter, r *http.Request) {
	writeMessage(w, domain.PublicMessage().Text)
}

func (h *handler) private(w http.ResponseWriter, r *http.Request) {
	h.message(w, r, domain.PrivateMessage)
}

func (h *handler) privateScoped(w http.ResponseWriter, r *http.Request) {
	h.message(w, r, domain.PrivateScopedMessage)
}

// message asks the domain what the authenticated caller may read.
func (h *handler) message(w http.ResponseWriter, r *http.Request, read func(*domain.Claims) (domain.Message, error)) {
	m, err := read(claimsFrom(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeMessage(w, m.Text)
}

// noStore keeps responses that depend on a caller's token out of caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Cache-Control"] = noStoreValue
		next.ServeHTTP(w, r)
	})
}

// methodNotAllowed answers 405 with the Allow header, and answers OPTIONS
// on a known path with 204 and Allow: a preflight never needs a token.
func (h *handler) methodNotAllowed(mux *chi.Mux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, allowed := routeAt(mux, routePath(r))
		if allowed == nil {
			// chi answers a method it does not know (PROPFIND, BREW) here
			// before looking at the path: a path we do not serve is 404
			// whatever the method, and no Allow would be true of it.
			h.writeError(w, r, errNotFound)
			return
		}
		allowed = append(allowed, http.MethodOptions)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.writeError(w, r, errMethodNotAllowed)
	}
}

// notFound answers 404, and OPTIONS * (asterisk-form, RFC 9110 §9.3.7: the
// server as a whole) as an OPTIONS on a path is answered: 204, with Allow
// listing every method a route serves. NewServer keeps net/http from
// answering it first (a 200 without the request's id, access line or
// metrics).
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions && r.RequestURI == "*" {
		w.Header()["Allow"] = h.allowAny
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.writeError(w, r, errNotFound)
}

// allowOrder is the order of the methods in Allow, and the methods a route
// may serve (HEAD with GET, OPTIONS everywhere).
var allowOrder = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// routeAt is the pattern of the route at path and the methods it serves
// (HEAD with GET); no methods when the API does not serve path.
func routeAt(mux *chi.Mux, path string) (pattern string, allowed []string) {
	var rctx chi.Context // one scratch context for every lookup
	for _, m := range allowOrder {
		if m == http.MethodHead || m == http.MethodOptions {
			continue // not routes of their own
		}
		rctx.Reset()
		if p := mux.Find(&rctx, m, path); p != "" {
			pattern = p
			allowed = append(allowed, m)
			if m == http.MethodGet {
				allowed = append(allowed, http.MethodHead)
			}
		}
	}
	return pattern, allowed
}

// routePath is the path chi routes r by: what a parent router left of it
// when mounted, else the escaped path as sent, so a path chi would not
// match is not reported as one that exists.
func routePath(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		return rctx.RoutePath
	}
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

// sampledLog is the log of rejected and failed requests (their access
// lines, keys-unavailable warnings, request-failed and panic lines):
// access, sampled unless every line is asked for (an integration test's
// assertions, an incident). Metrics still count every request.
func sampledLog(access *zap.Logger, every bool) *zap.Logger {
	if every {
		return access
	}
	return access.WithOptions(zap.WrapCore(sampleLines))
}

// sampleLines keeps, for each message, the first 10 lines each second and
// then one in 100, so a flood of bad tokens, or a fault every request hits
// (a panic's line carries its stack), cannot flood the logs.
func sampleLines(c zapcore.Core) zapcore.Core {
	return zapcore.NewSamplerWithOptions(c, time.Second, 10, 100)
}
