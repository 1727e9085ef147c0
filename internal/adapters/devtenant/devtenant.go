// Package devtenant runs an in-process, loopback-only stand-in for an Auth0
// tenant, so the API can run offline in dev mode and still check tokens with
// the real production verifier (OIDC discovery, then JWKS, over plain http on
// loopback).
//
// It serves three endpoints, shaped like Auth0's:
//
//	GET  /.well-known/openid-configuration
//	GET  /.well-known/jwks.json
//	POST /oauth/token   (client_credentials grant only)
//
// Tokens are RS256 compact JWS with Auth0's claim shape for machine-to-machine
// tokens. The signing key is generated in New and lives only in memory, so
// every run has a new key and a new kid.
//
// It is a development tool: anyone who knows a configured client secret can
// mint tokens, and it refuses to listen on anything but loopback.
package devtenant

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"go.uber.org/zap"
)

// Defaults applied by New when the corresponding Config field is zero.
const (
	DefaultAddr     = "127.0.0.1:3011"
	DefaultTokenTTL = 24 * time.Hour // Auth0's default lifetime for M2M access tokens
)

const (
	// maxTokenTTL is the longest token lifetime Auth0 allows for an API
	// (2592000 seconds).
	maxTokenTTL = 30 * 24 * time.Hour
	// maxBodyBytes caps the /oauth/token request body.
	maxBodyBytes = 64 << 10
	// keyBits is the RSA modulus size, as Auth0 uses.
	keyBits = 2048
	// discoveryCacheControl is what Auth0 sends on discovery and JWKS.
	discoveryCacheControl = "public, max-age=15, stale-while-revalidate=15, stale-if-error=86400"
)

// The endpoint paths, relative to the issuer.
const (
	pathDiscovery = "/.well-known/openid-configuration"
	pathJWKS      = "/.well-known/jwks.json"
	pathToken     = "/oauth/token"
)

// Client is a machine-to-machine application allowed to use the
// client_credentials grant against Config.Audience.
type Client struct {
	ID     string   `koanf:"id"`
	Secret string   `koanf:"secret"`
	Scopes []string `koanf:"scopes"` // scopes granted for Config.Audience; empty = a grant with no scopes
}

// Config configures the dev tenant.
type Config struct {
	// Addr is where the tenant listens; default "127.0.0.1:3011". It must be
	// a loopback IP (127.0.0.0/8, ::1) or "localhost" (which means
	// 127.0.0.1) with a numeric port; port 0 picks a free port.
	Addr string `koanf:"addr"`
	// Audience is the API identifier tokens are issued for,
	// e.g. "https://messages-api.dev".
	Audience string `koanf:"audience"`
	// TokenTTL is the access token lifetime; default 24h, whole seconds,
	// at most 30 days (Auth0's limit).
	TokenTTL time.Duration `koanf:"token_ttl"`
	// Clients are the applications that may obtain tokens.
	Clients []Client `koanf:"clients"`
}

// Tenant is a running (or ready to run) local tenant. Its methods are safe for
// concurrent use.
type Tenant struct {
	log      *zap.Logger
	addr     netip.AddrPort // validated listen address; port may be 0
	audience string
	ttl      time.Duration
	clients  map[string]client
	key      *rsa.PrivateKey
	kid      string
	jwks     []byte // the JWKS document, fixed for the key's lifetime
	handler  http.Handler
	now      func() time.Time // the clock; tests may replace it before Start

	issuer atomic.Pointer[string] // "" until known
	ready  atomic.Bool

	mu     sync.Mutex // guards srv and done
	srv    *http.Server
	done   chan struct{} // closed when the current Serve returns
	closed bool          // Stop has run for the current srv
}

type client struct {
	id         string
	secretHash [sha256.Size]byte
	scopes     []string
}

// New validates cfg, applies defaults and generates the tenant's RSA-2048
// signing key with a random kid. It does not listen; Start does.
func New(cfg Config, log *zap.Logger) (*Tenant, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}

	var errs []error
	addr, err := parseLoopbackAddr(cfg.Addr)
	if err != nil {
		errs = append(errs, err)
	}
	switch {
	case cfg.Audience == "":
		errs = append(errs, errors.New("audience must be set"))
	case strings.TrimSpace(cfg.Audience) != cfg.Audience || !utf8.ValidString(cfg.Audience) || hasControl(cfg.Audience):
		errs = append(errs, fmt.Errorf("audience %q must not have surrounding spaces or control characters", cfg.Audience))
	}
	switch {
	case cfg.TokenTTL < time.Second:
		errs = append(errs, fmt.Errorf("token_ttl %s must be at least 1s", cfg.TokenTTL))
	case cfg.TokenTTL > maxTokenTTL:
		errs = append(errs, fmt.Errorf("token_ttl %s must be at most %s", cfg.TokenTTL, maxTokenTTL))
	case cfg.TokenTTL%time.Second != 0:
		errs = append(errs, fmt.Errorf("token_ttl %s must be a whole number of seconds", cfg.TokenTTL))
	}
	clients, cerrs := validateClients(cfg.Clients)
	errs = append(errs, cerrs...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("devtenant: invalid config: %w", errors.Join(errs...))
	}

	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("devtenant: generate signing key: %w", err)
	}
	var kidBytes [16]byte
	if _, err := rand.Read(kidBytes[:]); err != nil {
		return nil, fmt.Errorf("devtenant: generate key id: %w", err)
	}
	kid := b64(kidBytes[:])
	jwks, err := json.Marshal(jwkSet{Keys: []jwk{{
		Kty: "RSA",
		Use: "sig",
		Alg: "RS256",
		Kid: kid,
		N:   b64(key.N.Bytes()),
		E:   b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	if err != nil {
		return nil, fmt.Errorf("devtenant: encode JWKS: %w", err)
	}

	t := &Tenant{
		log:      log,
		addr:     addr,
		audience: cfg.Audience,
		ttl:      cfg.TokenTTL,
		clients:  clients,
		key:      key,
		kid:      kid,
		jwks:     jwks,
		now:      time.Now,
	}
	empty := ""
	t.issuer.Store(&empty)
	if addr.Port() != 0 {
		// The issuer of a fixed port is known before Start, so wiring that
		// needs it at construction time works with the default config.
		iss := issuerFor(addr)
		t.issuer.Store(&iss)
	}
	t.handler = http.HandlerFunc(t.route)
	return t, nil
}

// parseLoopbackAddr accepts "HOST:PORT" where HOST is a loopback IP literal
// or "localhost" (mapped to 127.0.0.1) and PORT is numeric.
func parseLoopbackAddr(s string) (netip.AddrPort, error) {
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("addr %q: %w", s, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("addr %q: port must be a number from 0 to 65535", s)
	}
	var ip netip.Addr
	if strings.EqualFold(host, "localhost") {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	} else {
		ip, err = netip.ParseAddr(host)
		if err != nil || ip.Zone() != "" || !ip.Unmap().IsLoopback() {
			return netip.AddrPort{}, fmt.Errorf("addr %q: the dev tenant must listen on a loopback address (127.0.0.0/8, ::1 or localhost), never on %q", s, host)
		}
		ip = ip.Unmap()
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

func validateClients(in []Client) (map[string]client, []error) {
	var errs []error
	if len(in) == 0 {
		errs = append(errs, errors.New("at least one client must be configured"))
	}
	out := make(map[string]client, len(in))
	for i, c := range in {
		where := fmt.Sprintf("clients[%d]", i)
		switch {
		case c.ID == "":
			errs = append(errs, fmt.Errorf("%s: id must be set", where))
		case !isVisibleASCII(c.ID) || strings.Contains(c.ID, ":"):
			errs = append(errs, fmt.Errorf("%s: id %q must be printable ASCII without spaces or ':'", where, c.ID))
		default:
			if _, dup := out[c.ID]; dup {
				errs = append(errs, fmt.Errorf("%s: id %q is not unique", where, c.ID))
			}
			where = fmt.Sprintf("client %q", c.ID)
		}
		if c.Secret == "" {
			errs = append(errs, fmt.Errorf("%s: secret must be set", where))
		}
		var scopes []string
		for _, s := range c.Scopes {
			switch {
			case !isScopeToken(s):
				errs = append(errs, fmt.Errorf("%s: scope %q is not a valid scope token", where, s))
			case slices.Contains(scopes, s):
				errs = append(errs, fmt.Errorf("%s: scope %q is listed twice", where, s))
			default:
				scopes = append(scopes, s)
			}
		}
		if c.ID != "" {
			out[c.ID] = client{id: c.ID, secretHash: sha256.Sum256([]byte(c.Secret)), scopes: scopes}
		}
	}
	return out, errs
}

// isScopeToken reports whether s is an RFC 6749 scope-token:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func isScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func issuerFor(ap netip.AddrPort) string {
	return "http://" + ap.String() + "/"
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Start listens on the configured address synchronously, so a taken port
// fails here, then serves in a goroutine until Stop.
func (t *Tenant) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv != nil && !t.closed {
		return errors.New("devtenant: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", t.addr.String())
	if err != nil {
		return fmt.Errorf("devtenant: listen on %s: %w", t.addr, err)
	}
	tcpAddr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		_ = ln.Close()
		return fmt.Errorf("devtenant: unexpected listener address %T", ln.Addr())
	}
	bound := netip.AddrPortFrom(tcpAddr.AddrPort().Addr().Unmap(), tcpAddr.AddrPort().Port())
	iss := issuerFor(bound)
	t.issuer.Store(&iss)

	errLog, err := zap.NewStdLogAt(t.log, zap.WarnLevel)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("devtenant: server error log: %w", err)
	}
	srv := &http.Server{
		Handler:           t.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          errLog,
	}
	done := make(chan struct{})
	t.srv, t.done, t.closed = srv, done, false
	t.ready.Store(true)

	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.ready.Store(false)
			t.log.Error("dev tenant stopped serving", zap.Error(err))
		}
	}()

	clientIDs := make([]string, 0, len(t.clients))
	for id := range t.clients {
		clientIDs = append(clientIDs, id)
	}
	slices.Sort(clientIDs)
	t.log.Warn("dev tenant is running: it issues access tokens to anyone who knows a configured client secret and must NEVER be used in production",
		zap.String("issuer", iss),
		zap.String("audience", t.audience),
		zap.Strings("client_ids", clientIDs),
		zap.String("kid", t.kid),
	)
	return nil
}

// Stop shuts the server down gracefully, waiting for in-flight requests until
// ctx ends, then closes what is left. Stop without Start is a no-op.
func (t *Tenant) Stop(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv == nil || t.closed {
		return nil
	}
	t.ready.Store(false)
	t.closed = true
	err := t.srv.Shutdown(ctx)
	if err != nil {
		// ctx ended first: drop the remaining connections.
		_ = t.srv.Close()
	}
	select {
	case <-t.done:
	case <-ctx.Done():
	}
	if err != nil {
		return fmt.Errorf("devtenant: shutdown: %w", err)
	}
	t.log.Info("dev tenant stopped")
	return nil
}

// Issuer is the tenant's issuer URL, "http://127.0.0.1:PORT/" with a trailing
// slash like Auth0's. After Start it names the bound port. Before Start it is
// already known for a fixed port and "" for port 0.
func (t *Tenant) Issuer() string { return *t.issuer.Load() }

// Ready reports whether the tenant is serving: true after Start succeeded and
// until Stop.
func (t *Tenant) Ready() bool { return t.ready.Load() }

// Handler serves the tenant's endpoints. URLs in its answers come from the
// bound address (Issuer), never from the request's Host header.
func (t *Tenant) Handler() http.Handler { return t.handler }

// --- HTTP ---

type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

type discoveryDoc struct {
	Issuer                            string   `json:"issuer"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
}

type jwkSet struct {
	Keys []jwk `json:"keys"`
}

type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope,omitzero"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

// tokenRequest holds the /oauth/token parameters, from a form or JSON body.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Audience     string `json:"audience"`
	Scope        string `json:"scope"`
}

func (t *Tenant) route(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	var (
		allow   []string
		handler func(http.ResponseWriter, *http.Request)
	)
	switch r.URL.Path {
	case pathDiscovery:
		allow, handler = []string{http.MethodGet, http.MethodHead}, t.serveDiscovery
	case pathJWKS:
		allow, handler = []string{http.MethodGet, http.MethodHead}, t.serveJWKS
	case pathToken:
		allow, handler = []string{http.MethodPost}, t.serveToken
	default:
		t.writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", ErrorDescription: "Not Found"})
		return
	}
	if !slices.Contains(allow, r.Method) {
		h.Set("Allow", strings.Join(allow, ", "))
		t.writeJSON(w, http.StatusMethodNotAllowed, oauthError{Error: "method_not_allowed", ErrorDescription: "Method " + r.Method + " is not allowed"})
		return
	}
	if t.Issuer() == "" {
		// Only possible when the handler is used before Start with port 0.
		t.writeJSON(w, http.StatusServiceUnavailable, oauthError{Error: "temporarily_unavailable", ErrorDescription: "The dev tenant is not started"})
		return
	}
	handler(w, r)
}

func (t *Tenant) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	iss := t.Issuer()
	w.Header().Set("Cache-Control", discoveryCacheControl)
	t.writeJSON(w, http.StatusOK, discoveryDoc{
		Issuer:                            iss,
		TokenEndpoint:                     iss + strings.TrimPrefix(pathToken, "/"),
		JWKSURI:                           iss + strings.TrimPrefix(pathJWKS, "/"),
		GrantTypesSupported:               []string{"client_credentials"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
	})
}

func (t *Tenant) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", discoveryCacheControl)
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(t.jwks)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(t.jwks)
}

// tokenError is a refusal from /oauth/token, in Auth0's error shape.
type tokenError struct {
	status int
	body   oauthError
	basic  bool // the client tried HTTP Basic auth; answer with WWW-Authenticate
}

func denied(status int, code, desc string) *tokenError {
	return &tokenError{status: status, body: oauthError{Error: code, ErrorDescription: desc}}
}

func (t *Tenant) serveToken(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")

	req, clientID, terr := t.tokenFor(w, r)
	if terr != nil {
		if terr.basic && terr.status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Basic realm="devtenant"`)
		}
		t.log.Info("token request refused",
			zap.Int("status", terr.status),
			zap.String("error", terr.body.Error),
			zap.String("error_description", terr.body.ErrorDescription),
			zap.String("client_id", clientID),
		)
		t.writeJSON(w, terr.status, terr.body)
		return
	}
	t.writeJSON(w, http.StatusOK, req)
}

// tokenFor runs the client_credentials grant. It returns the response, or the
// refusal, and the client id the caller claimed (for logs; may be empty).
func (t *Tenant) tokenFor(w http.ResponseWriter, r *http.Request) (tokenResponse, string, *tokenError) {
	p, terr := readTokenRequest(w, r)
	if terr != nil {
		return tokenResponse{}, "", terr
	}

	switch p.GrantType {
	case "":
		return tokenResponse{}, "", denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type")
	case "client_credentials":
	default:
		return tokenResponse{}, "", denied(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+p.GrantType)
	}

	// Client authentication: client_secret_post or client_secret_basic,
	// never both (RFC 6749 section 2.3).
	var basic bool
	ids, secrets := []string{p.ClientID}, []string{p.ClientSecret}
	if r.Header.Get("Authorization") != "" {
		user, pass, ok := r.BasicAuth()
		if !ok {
			return tokenResponse{}, p.ClientID, denied(http.StatusBadRequest, "invalid_request", "The Authorization header must use the Basic scheme")
		}
		basic = true
		if p.ClientSecret != "" {
			return tokenResponse{}, user, denied(http.StatusBadRequest, "invalid_request", "Client authentication must use only one method: HTTP Basic or client_secret in the body")
		}
		// RFC 6749 section 2.3.1 form-encodes id and secret before Basic;
		// many clients (curl -u) do not, so accept either form.
		ids, secrets = formDecodedAndRaw(user), formDecodedAndRaw(pass)
		if p.ClientID != "" && !slices.Contains(ids, p.ClientID) {
			return tokenResponse{}, user, denied(http.StatusBadRequest, "invalid_request", "client_id in the body does not match the Authorization header")
		}
	}
	claimedID := ids[0]
	switch {
	case claimedID == "":
		return tokenResponse{}, "", denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: client_id")
	case secrets[0] == "":
		return tokenResponse{}, claimedID, denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: client_secret")
	}
	c, ok := t.authenticate(ids, secrets)
	if !ok {
		terr := denied(http.StatusUnauthorized, "access_denied", "Unauthorized")
		terr.basic = basic
		return tokenResponse{}, claimedID, terr
	}

	switch {
	case p.Audience == "":
		return tokenResponse{}, c.id, denied(http.StatusForbidden, "access_denied", "No audience parameter was provided, and no default audience has been configured")
	case p.Audience != t.audience:
		return tokenResponse{}, c.id, denied(http.StatusForbidden, "access_denied", "Service not enabled within domain: "+p.Audience)
	}

	granted := c.scopes
	if requested := splitScope(p.Scope); len(requested) > 0 {
		var missing []string
		for _, s := range requested {
			if !slices.Contains(c.scopes, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			return tokenResponse{}, c.id, denied(http.StatusForbidden, "access_denied", "Client has not been granted scopes: "+strings.Join(missing, " "))
		}
		granted = slices.DeleteFunc(slices.Clone(c.scopes), func(s string) bool { return !slices.Contains(requested, s) })
	}

	scope := strings.Join(granted, " ")
	token, err := t.sign(c.id, scope)
	if err != nil {
		t.log.Error("sign access token", zap.Error(err))
		return tokenResponse{}, c.id, denied(http.StatusInternalServerError, "server_error", "The token could not be signed")
	}
	t.log.Info("issued access token",
		zap.String("client_id", c.id),
		zap.String("audience", t.audience),
		zap.Strings("scopes", granted),
		zap.Duration("ttl", t.ttl),
	)
	return tokenResponse{
		AccessToken: token,
		Scope:       scope,
		ExpiresIn:   int64(t.ttl / time.Second),
		TokenType:   "Bearer",
	}, c.id, nil
}

// readTokenRequest reads and parses the capped body as a form or JSON.
func readTokenRequest(w http.ResponseWriter, r *http.Request) (tokenRequest, *tokenError) {
	tooLarge := denied(http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("The request body must be at most %d bytes", maxBodyBytes))
	if r.ContentLength > maxBodyBytes {
		return tokenRequest{}, tooLarge
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mediaType = ""
	}
	if mediaType != "application/x-www-form-urlencoded" && mediaType != "application/json" {
		return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded or application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tokenRequest{}, tooLarge
		}
		return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "The request body could not be read")
	}

	var p tokenRequest
	if mediaType == "application/json" {
		// json v2 rejects duplicate names, invalid UTF-8, non-string values
		// for these fields and trailing data.
		if err := json.Unmarshal(body, &p); err != nil {
			return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "The request body is not a valid JSON object of string parameters")
		}
		return p, nil
	}

	form, err := url.ParseQuery(string(body))
	if err != nil {
		return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "The request body is not valid application/x-www-form-urlencoded")
	}
	for name, values := range form {
		if len(values) > 1 {
			return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "Parameter included more than once: "+name)
		}
		if !utf8.ValidString(name) || !utf8.ValidString(values[0]) {
			return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "Parameters must be valid UTF-8")
		}
	}
	p = tokenRequest{
		GrantType:    form.Get("grant_type"),
		ClientID:     form.Get("client_id"),
		ClientSecret: form.Get("client_secret"),
		Audience:     form.Get("audience"),
		Scope:        form.Get("scope"),
	}
	return p, nil
}

// formDecodedAndRaw returns s form-decoded first, then s as sent when that
// differs.
func formDecodedAndRaw(s string) []string {
	if d, err := url.QueryUnescape(s); err == nil && d != s {
		return []string{d, s}
	}
	return []string{s}
}

// authenticate finds the client among the candidate ids whose secret matches
// one of the candidate secrets, comparing in constant time over hashes so
// neither the secret nor its length leaks through timing.
func (t *Tenant) authenticate(ids, secrets []string) (client, bool) {
	for _, id := range ids {
		// An unknown id still costs the same hashing and comparing.
		c, known := t.clients[id]
		want := c.secretHash
		for _, s := range secrets {
			got := sha256.Sum256([]byte(s))
			if subtle.ConstantTimeCompare(got[:], want[:]) == 1 && known {
				return c, true
			}
		}
	}
	return client{}, false
}

// splitScope splits a space-delimited scope parameter, dropping empty parts
// and duplicates and keeping the order.
func splitScope(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, " ") {
		if part != "" && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// jwtClaims is Auth0's claim shape for a client-credentials access token.
type jwtClaims struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Scope string `json:"scope,omitzero"`
	Gty   string `json:"gty"`
	Azp   string `json:"azp"`
}

// sign builds and signs the compact JWS for clientID with the given scope.
func (t *Tenant) sign(clientID, scope string) (string, error) {
	now := t.now().Unix()
	header, err := json.Marshal(jwtHeader{Alg: "RS256", Typ: "JWT", Kid: t.kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(jwtClaims{
		Iss:   t.Issuer(),
		Sub:   clientID + "@clients",
		Aud:   t.audience,
		Iat:   now,
		Exp:   now + int64(t.ttl/time.Second),
		Scope: scope,
		Gty:   "client-credentials",
		Azp:   clientID,
	})
	if err != nil {
		return "", err
	}
	signingInput := b64(header) + "." + b64(payload)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(nil, t.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signingInput + "." + b64(sig), nil
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
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
