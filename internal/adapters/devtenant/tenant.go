// Package devtenant runs an in-process, loopback-only stand-in for an Auth0
// tenant, so the API and its callers can run offline in dev mode and the
// API still checks tokens with the real production verifier (OIDC
// discovery, then JWKS, over plain http on loopback).
//
// Its endpoints are shaped like Auth0's:
//
//	GET  /.well-known/openid-configuration
//	GET  /.well-known/jwks.json
//	GET  /authorize        authorization code + PKCE (S256), login page
//	POST /authorize        the login form
//	POST /oauth/token      client_credentials, authorization_code, refresh_token
//	GET  /v2/logout        ends the login session, redirects to returnTo
//	GET  /test             the Test tab: an m2m token and a curl per endpoint
//
// Tokens are RS256 compact JWS with Auth0's claim shapes. The signing key
// is kept in a 0600 file (Config.KeyFile), so tokens outlive a restart.
// With Config.SPAAddr set, NewSPA serves an example single-page app built
// on Auth0's SPA SDK.
//
// It is a development tool: anyone who can reach its loopback port can
// mint tokens (the Test tab needs no secret), and it refuses to listen on
// anything but loopback.
package devtenant

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/cors"
	"github.com/go-json-experiment/json"
	"go.uber.org/zap"
)

const (
	// maxTokenTTL is the longest token lifetime Auth0 allows for an API
	// (2592000 seconds).
	maxTokenTTL = 30 * 24 * time.Hour
	// maxBodyBytes caps request bodies.
	maxBodyBytes = 64 << 10
	// discoveryCacheControl is what Auth0 sends on discovery and JWKS.
	discoveryCacheControl = "public, max-age=15, stale-while-revalidate=15, stale-if-error=86400"
)

// The endpoint paths, relative to the issuer.
const (
	pathDiscovery = "/.well-known/openid-configuration"
	pathJWKS      = "/.well-known/jwks.json"
	pathToken     = "/oauth/token"
	pathAuthorize = "/authorize"
	pathLogout    = "/v2/logout"
	pathTest      = "/test"
)

// Tenant is a running (or ready to run) local tenant. Its methods are safe for
// concurrent use.
type Tenant struct {
	log      *zap.Logger
	addr     netip.AddrPort // validated listen address; port may be 0
	audience string
	ttl      time.Duration
	rbac     bool
	clients  map[string]*client
	users    map[string]user
	key      *rsa.PrivateKey
	kid      string
	signer   *Signer
	grants   *grants
	handler  http.Handler
	now      func() time.Time // the clock; tests may replace it before Start

	issuer atomic.Pointer[string]     // "" until known
	apiURL atomic.Pointer[APIBaseURL] // set by UseAPI
	srv    server
}

// New validates cfg, applies defaults and loads the signing key from
// cfg.KeyFile, creating it when missing (see loadOrCreateKey). Its kid is
// the key's RFC 7638 thumbprint. New does not listen; Start does.
func New(cfg Config, log *zap.Logger) (*Tenant, error) {
	if log == nil {
		log = zap.NewNop()
	}
	cfg = withDefaults(cfg)
	s, err := validate(cfg)
	if err != nil {
		return nil, err
	}
	key, err := signingKey(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("devtenant: %w", err)
	}
	kid, err := Thumbprint(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("devtenant: key id: %w", err)
	}
	signer, err := NewSigner(key, kid)
	if err != nil {
		return nil, err
	}

	t := &Tenant{
		log:      log,
		addr:     s.addr,
		audience: s.audience,
		ttl:      s.ttl,
		rbac:     s.rbac,
		clients:  s.clients,
		users:    s.users,
		key:      key,
		kid:      kid,
		signer:   signer,
		grants:   newGrants(),
		now:      time.Now,
	}
	empty := ""
	t.issuer.Store(&empty)
	if s.addr.Port() != 0 {
		// The issuer of a fixed port is known before Start, so wiring that
		// needs it at construction time works with the default config.
		iss := issuerFor(s.addr)
		t.issuer.Store(&iss)
	}
	if s.spaAddr.IsValid() && s.spaAddr.Port() != 0 {
		// Registered now, so a login can start before the SPA is up.
		for _, origin := range SPAOrigins(cfg.SPAAddr) {
			t.clients[cfg.SPAClientID].addRedirectURI(origin + "/")
		}
	}
	t.handler = t.routes()
	t.srv = server{name: "devtenant", log: log, addr: s.addr, handler: t.handler, ln: cfg.Listener}
	return t, nil
}

func issuerFor(ap netip.AddrPort) string {
	return "http://" + ap.String() + "/"
}

// Start listens on the configured address synchronously, so a taken port
// fails here (or takes over Config.Listener), then serves in a goroutine
// until Stop.
func (t *Tenant) Start(ctx context.Context) error {
	bound, err := t.srv.start(ctx)
	if err != nil {
		return err
	}
	iss := issuerFor(bound)
	t.issuer.Store(&iss)
	clientIDs := make([]string, 0, len(t.clients))
	for id := range t.clients {
		clientIDs = append(clientIDs, id)
	}
	slices.Sort(clientIDs)
	t.log.Warn("dev tenant is running: it issues access tokens to anyone who can reach its port (the Test tab needs no secret) and must NEVER be used in production",
		zap.String("issuer", iss),
		zap.String("audience", t.audience),
		zap.Strings("client_ids", clientIDs),
		zap.String("kid", t.kid),
		zap.String("test_tab", iss+strings.TrimPrefix(pathTest, "/")),
	)
	return nil
}

// Stop shuts the server down gracefully, waiting for in-flight requests until
// ctx ends, then closes what is left. Stop without Start is a no-op.
func (t *Tenant) Stop(ctx context.Context) error {
	stopped, err := t.srv.stop(ctx)
	if stopped && err == nil {
		t.log.Info("dev tenant stopped")
	}
	return err
}

// OnServeFailure sets f to run if the tenant stops serving on its own
// after Start (its listener failing, an inherited socket that does not
// accept): the tenant turns not ready, and a dev API nobody can get a
// token for should stop rather than live on. Call it before Start.
func (t *Tenant) OnServeFailure(f func(error)) { t.srv.failed = f }

// Issuer is the tenant's issuer URL, "http://127.0.0.1:PORT/" with a trailing
// slash like Auth0's. After Start it names the bound port. Before Start it is
// already known for a fixed port and "" for port 0.
func (t *Tenant) Issuer() string { return *t.issuer.Load() }

// Audience is the API identifier the tenant issues tokens for.
func (t *Tenant) Audience() string { return t.audience }

// Ready reports whether the tenant is serving: true after Start succeeded and
// until Stop.
func (t *Tenant) Ready() bool { return t.srv.ready.Load() }

// Handler serves the tenant's endpoints. URLs in its answers come from the
// bound address (Issuer), never from the request's Host header.
func (t *Tenant) Handler() http.Handler { return t.handler }

// AddRedirectURI registers one more redirect URI (and so web origin) for a
// public client: the example SPA registers its bound origin this way.
func (t *Tenant) AddRedirectURI(clientID, uri string) error {
	c := t.clients[clientID]
	if c == nil || !c.public() {
		return fmt.Errorf("devtenant: no public client %q", clientID)
	}
	if err := checkRedirectURI(uri); err != nil {
		return fmt.Errorf("devtenant: redirect URI %q %w", uri, err)
	}
	c.addRedirectURI(uri)
	return nil
}

// --- HTTP ---

type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// maxDescription caps an error_description, which may echo a parameter.
const maxDescription = 256

// describe makes desc a valid error_description (RFC 6749 sections 4.1.2.1
// and 5.2: only %x20-21 / %x23-5B / %x5D-7E) of at most maxDescription
// bytes: any other character becomes '?', since descriptions echo what the
// caller sent.
func describe(desc string) string {
	desc = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '?'
		}
		return r
	}, desc)
	if len(desc) > maxDescription {
		desc = desc[:maxDescription-3] + "..."
	}
	return desc
}

type route struct {
	allow   []string
	handler http.HandlerFunc
}

func (t *Tenant) routes() http.Handler {
	get := []string{http.MethodGet, http.MethodHead}
	table := map[string]route{
		pathDiscovery: {get, t.serveDiscovery},
		pathJWKS:      {get, t.serveJWKS},
		pathToken:     {[]string{http.MethodPost}, t.serveToken},
		pathAuthorize: {[]string{http.MethodGet, http.MethodPost}, t.serveAuthorize},
		pathLogout:    {[]string{http.MethodGet}, t.serveLogout},
		pathTest:      {[]string{http.MethodGet, http.MethodPost}, t.serveTestTab},
	}
	// Browsers call /oauth/token from the SPA's origin with Auth0's
	// Auth0-Client header; only spa clients' origins are allowed.
	tokenCORS := cors.Handler(cors.Options{
		AllowOriginFunc: func(_ *http.Request, origin string) bool { return t.originAllowed(origin) },
		AllowedMethods:  []string{http.MethodPost},
		AllowedHeaders:  []string{"Content-Type", "Auth0-Client"},
		MaxAge:          600,
	})
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rt, ok := table[r.URL.Path]
		if !ok {
			t.writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", ErrorDescription: "Not Found"})
			return
		}
		if !slices.Contains(rt.allow, r.Method) {
			w.Header().Set("Allow", strings.Join(rt.allow, ", "))
			t.writeJSON(w, http.StatusMethodNotAllowed, oauthError{Error: "method_not_allowed", ErrorDescription: describe("Method " + r.Method + " is not allowed")})
			return
		}
		if t.Issuer() == "" {
			// Only possible when the handler is used before Start with port 0.
			t.writeJSON(w, http.StatusServiceUnavailable, oauthError{Error: "temporarily_unavailable", ErrorDescription: "The dev tenant is not started"})
			return
		}
		rt.handler(w, r)
	})
	withCORS := tokenCORS(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pathToken {
			withCORS.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

type discoveryDoc struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
}

func (t *Tenant) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	iss := t.Issuer()
	at := func(path string) string { return iss + strings.TrimPrefix(path, "/") }
	w.Header().Set("Cache-Control", discoveryCacheControl)
	t.writeJSON(w, http.StatusOK, discoveryDoc{
		Issuer:                            iss,
		AuthorizationEndpoint:             at(pathAuthorize),
		TokenEndpoint:                     at(pathToken),
		JWKSURI:                           at(pathJWKS),
		EndSessionEndpoint:                at(pathLogout),
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query", "web_message"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		GrantTypesSupported:               []string{"authorization_code", "client_credentials", "refresh_token"},
		ScopesSupported:                   oidcScopes,
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "none"},
	})
}

func (t *Tenant) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	jwks := t.signer.JWKS()
	h := w.Header()
	h.Set("Cache-Control", discoveryCacheControl)
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(jwks)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(jwks)
}

func (t *Tenant) writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		t.log.Error("encode response", zap.Error(err))
		status = http.StatusInternalServerError
		body = []byte(`{"error":"server_error","error_description":"The response could not be encoded"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if status >= http.StatusBadRequest {
		// An error is about this one request: no cache may keep it (RFC
		// 6749 section 5.2 answers; a 404 or 405 too).
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
