package devtenant

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"

	"github.com/go-json-experiment/json"
	"go.uber.org/zap"
)

//go:embed spa
var spaFS embed.FS

// spaScope is what the example SPA asks for: an ID token with the user's
// name, a refresh token, and the API's scope (granted only to users with
// that permission).
const spaScope = "openid profile email offline_access read:messages"

// SPA serves the example single-page app: one static page on Auth0's SPA
// SDK (vendored, see spa/vendor/README.md) and /config.json, which tells
// it the tenant, client, audience and API base URL at request time.
type SPA struct {
	log      *zap.Logger
	tenant   *Tenant
	clientID string
	host     string // as configured: "localhost" stays in the origin
	api      APIBaseURL
	srv      server
	origin   string // set by Start
}

// spaConfig is /config.json.
type spaConfig struct {
	Domain     string `json:"domain"`
	ClientID   string `json:"clientId"`
	Audience   string `json:"audience"`
	Scope      string `json:"scope"`
	APIBaseURL string `json:"apiBaseUrl"`
}

// NewSPA returns the example SPA for cfg.SPAAddr (validated by New), or a
// SPA whose Start and Stop do nothing when cfg.SPAAddr is empty.
func NewSPA(cfg Config, t *Tenant, api APIBaseURL, log *zap.Logger) *SPA {
	if log == nil {
		log = zap.NewNop()
	}
	s := &SPA{log: log, tenant: t, clientID: cfg.SPAClientID, api: api}
	if cfg.SPAAddr == "" {
		return s
	}
	addr, _ := ParseAddr(cfg.SPAAddr) // validated by New
	s.host, _, _ = net.SplitHostPort(cfg.SPAAddr)
	static, _ := fs.Sub(spaFS, "spa") // a constant path in the embedded tree
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.json", s.serveConfig)
	mux.Handle("GET /{$}", files)
	mux.Handle("GET /app.js", files)
	mux.HandleFunc("GET /auth0-spa-js.production.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "vendor/auth0-spa-js.production.js")
	})
	s.srv = server{name: "devtenant spa", log: log, addr: addr, handler: mux, ln: cfg.SPAListener}
	return s
}

// Start listens and registers the bound origin (both its localhost and
// 127.0.0.1 spellings) as the SPA client's redirect URI and web origin.
func (s *SPA) Start(ctx context.Context) error {
	if s.srv.handler == nil {
		return nil
	}
	bound, err := s.srv.start(ctx)
	if errors.Is(err, syscall.EADDRINUSE) {
		// Port 3000 is where many teams run their own SPA, which is what
		// dev-spa is registered for: the example steps aside.
		s.log.Warn("the example SPA is not running: its address is in use; the dev tenant and the API run without it (set DEV_TENANT_SPA_ADDR, dev_tenant.spa_addr, to a free address to get it)",
			zap.Stringer("addr", s.srv.addr))
		return nil
	}
	if err != nil {
		return err
	}
	origins := SPAOrigins(net.JoinHostPort(s.host, strconv.Itoa(int(bound.Port()))))
	for _, o := range origins {
		if err := s.tenant.AddRedirectURI(s.clientID, o+"/"); err != nil {
			return err
		}
	}
	s.origin = origins[0]
	s.log.Info("example SPA is running", zap.String("url", s.origin+"/"), zap.String("client_id", s.clientID))
	return nil
}

// Stop shuts the SPA's server down; see Tenant.Stop.
func (s *SPA) Stop(ctx context.Context) error {
	_, err := s.srv.stop(ctx)
	return err
}

// OnServeFailure sets f to run if the SPA's server stops serving on its
// own after Start; see Tenant.OnServeFailure.
func (s *SPA) OnServeFailure(f func(error)) { s.srv.failed = f }

// URL is the SPA's address, "http://localhost:3000/", after Start; "" when
// there is no SPA or before Start.
func (s *SPA) URL() string {
	if s.srv.bound.Load() == nil {
		return ""
	}
	return s.origin + "/"
}

func (s *SPA) serveConfig(w http.ResponseWriter, _ *http.Request) {
	api := ""
	if s.api != nil {
		api = s.api()
	}
	body, err := json.Marshal(spaConfig{
		Domain: strings.TrimSuffix(s.tenant.Issuer(), "/"), ClientID: s.clientID,
		Audience: s.tenant.Audience(), Scope: spaScope, APIBaseURL: api,
	})
	if err != nil {
		http.Error(w, "config could not be encoded", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// SPAOrigins returns the browser origins of the SPA at addr ("HOST:PORT"):
// "http://localhost:PORT" and "http://127.0.0.1:PORT" when HOST is either,
// else "http://HOST:PORT" alone. The API's CORS settings and the SPA
// client's redirect URIs list them.
func SPAOrigins(addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if ip, err := netip.ParseAddr(host); strings.EqualFold(host, "localhost") || err == nil && ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
		return []string{"http://localhost:" + port, "http://127.0.0.1:" + port}
	}
	return []string{"http://" + net.JoinHostPort(host, port)}
}
