package devtenant

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults applied by New when the corresponding Config field is zero.
const (
	DefaultAddr     = "127.0.0.1:3011"
	DefaultTokenTTL = 24 * time.Hour // Auth0's default lifetime for M2M access tokens
)

// The application types, as Auth0 names them.
const (
	TypeM2M    = "m2m"    // client credentials, with a secret
	TypeSPA    = "spa"    // public: authorization code + PKCE from a browser
	TypeNative = "native" // public: authorization code + PKCE, loopback redirects on any port
)

// Client is an application registered with the tenant.
type Client struct {
	ID string `koanf:"id"`
	// Type is m2m (the default), spa or native.
	Type string `koanf:"type"`
	// Secret authenticates an m2m client; public clients (spa, native)
	// have none.
	Secret string `koanf:"secret"`
	// Scopes are granted to an m2m client for Config.Audience; empty = a
	// grant with no scopes. Users' tokens take their users' permissions.
	Scopes []string `koanf:"scopes"`
	// RedirectURIs are the exact callback URLs of a public client. For a
	// native client, an http URL on a loopback IP literal matches on any
	// port (RFC 8252 section 7.3). Their origins are the SPA's allowed web
	// origins (CORS on /oauth/token) and, with the URLs themselves, the
	// allowed logout returnTo values.
	RedirectURIs []string `koanf:"redirect_uris"`
}

// User is a dev user who can log in on the tenant's login page.
type User struct {
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	// ID makes the subject "auth0|<id>"; default the username.
	ID string `koanf:"id"`
	// Permissions granted for Config.Audience (RBAC), e.g. read:messages.
	Permissions []string `koanf:"permissions"`
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
	// Users may log in through /authorize.
	Users []User `koanf:"users"`
	// RBAC adds the user's permissions as a "permissions" claim to user
	// access tokens, as Auth0's "Add Permissions in the Access Token" does.
	// Either way a user's scope holds only their permissions, as Auth0's
	// with "Enable RBAC" on: without it, Auth0 grants any API permission a
	// login asks for.
	RBAC bool `koanf:"rbac"`
	// KeyFile holds the signing key (PEM PKCS #8, mode 0600) so tokens
	// outlive a restart; default <user cache dir>/messages-api/dev-tenant-key.pem.
	KeyFile string `koanf:"key_file"`
	// ResetKey (-dev-reset) replaces the key file with a new key.
	ResetKey bool `koanf:"-"`
	// SPAAddr is where the example SPA listens, loopback only like Addr;
	// empty = no SPA. Its origin is added to SPAClientID's redirect URIs.
	SPAAddr string `koanf:"spa_addr"`
	// SPAClientID is the spa client the example SPA logs in with.
	SPAClientID string `koanf:"spa_client_id"`

	// Listener, when set, is an open loopback listener bound to Addr that
	// the tenant serves instead of listening itself, and closes at Stop. A
	// caller that must know the issuer before start (it is in the API's
	// config) opens 127.0.0.1:0, writes the bound address into Addr and
	// hands the listener over: the port is never closed and re-bound.
	Listener net.Listener `koanf:"-"`
	// SPAListener is the same for the example SPA and SPAAddr.
	SPAListener net.Listener `koanf:"-"`
}

// DefaultKeyFile is where the signing key lives when Config.KeyFile is empty.
func DefaultKeyFile() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory for the dev tenant's key (set dev_tenant.key_file): %w", err)
	}
	return filepath.Join(dir, "messages-api", "dev-tenant-key.pem"), nil
}

// withDefaults is cfg with DefaultAddr and DefaultTokenTTL in place of
// zero values.
func withDefaults(cfg Config) Config {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	return cfg
}

// Check returns each fault New would refuse cfg for, its defaults applied,
// headed by the setting at fault as a key of Config (token_ttl, clients[0],
// client "id", spa_addr...), so a config loader can refuse them with its
// other settings. The key file and the listeners are New's to check.
func Check(cfg Config) []error {
	cfg.Listener, cfg.SPAListener = nil, nil
	_, err := validate(withDefaults(cfg))
	var faults interface{ Unwrap() []error }
	if errors.As(err, &faults) {
		return faults.Unwrap()
	}
	return nil
}

// settings is a validated Config.
type settings struct {
	addr     netip.AddrPort
	spaAddr  netip.AddrPort // zero when there is no SPA
	audience string
	ttl      time.Duration
	clients  map[string]*client
	users    map[string]user
	rbac     bool
}

// validate checks cfg after defaults and returns every problem at once.
func validate(cfg Config) (settings, error) {
	var errs []error
	addr, err := ParseAddr(cfg.Addr)
	if err != nil {
		errs = append(errs, err)
	}
	if err == nil && cfg.Listener != nil {
		errs = append(errs, listenerAt("addr", addr, cfg.Listener)...)
	}
	s := settings{addr: addr, audience: cfg.Audience, ttl: cfg.TokenTTL, rbac: cfg.RBAC}
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
	var cerrs, uerrs []error
	s.clients, cerrs = validateClients(cfg.Clients)
	s.users, uerrs = validateUsers(cfg.Users)
	errs = append(append(errs, cerrs...), uerrs...)
	if cfg.SPAAddr != "" {
		s.spaAddr, err = ParseAddr(cfg.SPAAddr)
		if err != nil {
			errs = append(errs, fmt.Errorf("spa_addr: %w", err))
		} else if cfg.SPAListener != nil {
			errs = append(errs, listenerAt("spa_addr", s.spaAddr, cfg.SPAListener)...)
		}
		if c := s.clients[cfg.SPAClientID]; c == nil || c.typ != TypeSPA {
			errs = append(errs, fmt.Errorf("spa_client_id %q must name a client of type spa", cfg.SPAClientID))
		}
	}
	if cfg.SPAListener != nil && cfg.SPAAddr == "" {
		errs = append(errs, errors.New("a listener for the example SPA needs spa_addr"))
	}
	if len(errs) > 0 {
		return settings{}, fmt.Errorf("devtenant: invalid config: %w", errors.Join(errs...))
	}
	return s, nil
}

// listenerAt checks that a handed-over listener is bound to the configured
// address, which the issuer and the SPA's origins are built from.
func listenerAt(setting string, want netip.AddrPort, ln net.Listener) []error {
	got, err := boundAddr(ln)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", setting, err)}
	}
	if got != want {
		return []error{fmt.Errorf("%s %s: the given listener is bound to %s", setting, want, got)}
	}
	return nil
}

// ParseAddr reads a Config.Addr or SPAAddr as the tenant does: "HOST:PORT"
// where HOST is a loopback IP literal or "localhost" (mapped to 127.0.0.1)
// and PORT is numeric. The tenant listens on the result and writes its
// issuer from it (http://ADDR/, ADDR as netip.AddrPort.String spells it):
// a caller that builds the issuer before the tenant exists builds it from
// this, not from s.
func ParseAddr(s string) (netip.AddrPort, error) {
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

func validateClients(in []Client) (map[string]*client, []error) {
	var errs []error
	if len(in) == 0 {
		errs = append(errs, errors.New("at least one client must be configured"))
	}
	out := make(map[string]*client, len(in))
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
		typ := cmp.Or(c.Type, TypeM2M)
		switch typ {
		case TypeM2M:
			if c.Secret == "" {
				errs = append(errs, fmt.Errorf("%s: secret must be set", where))
			}
			if len(c.RedirectURIs) > 0 {
				errs = append(errs, fmt.Errorf("%s: an m2m client has no redirect_uris", where))
			}
		case TypeSPA, TypeNative:
			if c.Secret != "" || len(c.Scopes) > 0 {
				errs = append(errs, fmt.Errorf("%s: a public (%s) client has no secret and no scopes: its tokens carry its users' permissions", where, typ))
			}
			if len(c.RedirectURIs) == 0 {
				errs = append(errs, fmt.Errorf("%s: redirect_uris must list at least one URL", where))
			}
			for j, u := range c.RedirectURIs {
				if err := checkRedirectURI(u); err != nil {
					shown := strconv.Quote(u)
					if strings.ContainsAny(u, "@?#") { // named by position: user information, a query or a fragment may hold a credential
						shown = fmt.Sprintf("entry %d", j+1)
					}
					errs = append(errs, fmt.Errorf("%s: redirect_uris %s %w", where, shown, err))
				}
			}
		default:
			errs = append(errs, fmt.Errorf("%s: type %q must be m2m, spa or native", where, c.Type))
		}
		scopes, serrs := scopeList(where, "scope", c.Scopes)
		errs = append(errs, serrs...)
		if c.ID != "" {
			out[c.ID] = newClient(c.ID, typ, c.Secret, scopes, c.RedirectURIs)
		}
	}
	return out, errs
}

func validateUsers(in []User) (map[string]user, []error) {
	var errs []error
	out := make(map[string]user, len(in))
	for i, u := range in {
		where := fmt.Sprintf("users[%d]", i)
		id := cmp.Or(u.ID, u.Username)
		switch {
		case u.Username == "" || !isVisibleASCII(u.Username):
			errs = append(errs, fmt.Errorf("%s: username %q must be printable ASCII without spaces", where, u.Username))
		case !isVisibleASCII(id):
			errs = append(errs, fmt.Errorf("%s: id %q must be printable ASCII without spaces", where, id))
		default:
			if _, dup := out[u.Username]; dup {
				errs = append(errs, fmt.Errorf("%s: username %q is not unique", where, u.Username))
			}
			where = fmt.Sprintf("user %q", u.Username)
		}
		if u.Password == "" {
			errs = append(errs, fmt.Errorf("%s: password must be set", where))
		}
		perms, perrs := scopeList(where, "permission", u.Permissions)
		errs = append(errs, perrs...)
		out[u.Username] = user{username: u.Username, sub: "auth0|" + id, passwordHash: hashSecret(u.Password), permissions: perms}
	}
	return out, errs
}

// scopeList checks that each entry is an RFC 6749 scope-token, listed once.
func scopeList(where, what string, in []string) ([]string, []error) {
	var (
		out  []string
		errs []error
	)
	for _, s := range in {
		switch {
		case !isScopeToken(s):
			errs = append(errs, fmt.Errorf("%s: %s %q is not a valid scope token", where, what, s))
		case slices.Contains(out, s):
			errs = append(errs, fmt.Errorf("%s: %s %q is listed twice", where, what, s))
		default:
			out = append(out, s)
		}
	}
	return out, errs
}

// checkRedirectURI accepts an absolute http(s) URL with no fragment and no
// user info (RFC 6749 section 3.1.2), whose query names none of the
// response's parameters. Its error says what is wrong without repeating
// s: the caller names the URI.
func checkRedirectURI(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok { // its text quotes s whole
			err = ue.Err
		}
		return fmt.Errorf("is not a URL: %w", err)
	}
	// Gate: respond keeps the query as registered and appends its own, so
	// a registered state or code would come first and a client reading the
	// first value would get it instead of the response's.
	own, _ := url.ParseQuery(u.RawQuery) // the names a client's parser would read
	for _, name := range []string{"code", "state", "error", "error_description"} {
		if own.Has(name) {
			return fmt.Errorf("must not have a %s parameter in its query: the response adds its own", name)
		}
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return errors.New("must be an absolute http or https URL")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return errors.New("must not have a fragment")
	case u.User != nil:
		return errors.New("must not have user info")
	}
	return nil
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
