package auth0

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The clock skew tolerated on exp, nbf and iat: DefaultLeeway when the
// config leaves it zero, at most MaxLeeway ("a few minutes", RFC 8725).
const (
	DefaultLeeway = 30 * time.Second
	MaxLeeway     = 5 * time.Minute
)

// The kinds of NewTenant's errors, for errors.Is: a caller can name the
// setting at fault in its own words.
var (
	ErrNoDomain = errors.New("auth0: the tenant domain is required (set AUTH0_DOMAIN, e.g. example.eu.auth0.com)")
	ErrLeeway   = errors.New("auth0: leeway")
)

// Tenant is one Auth0 tenant, checked once by NewTenant: its exact issuer,
// where its OpenID discovery document is, whether plain http on loopback is
// allowed, and the clock skew tolerated on its tokens. The verifier and the
// key source take it as it is and check none of it again. The zero Tenant
// is invalid.
type Tenant struct {
	issuer           string   // "https://DOMAIN/", always ending in "/"
	issuerURL        *url.URL // parsed issuer: the host a jwks_uri must be on
	discovery        string   // issuer + ".well-known/openid-configuration"
	insecureLoopback bool
	leeway           time.Duration
}

// NewTenant checks a tenant's settings: domain as in Issuer, plain http
// only on a loopback host and only when allowInsecureLoopback is set (dev
// mode), leeway 0 (meaning DefaultLeeway) up to MaxLeeway. Its error joins
// every fault found; a domain fault mentions AUTH0_DOMAIN (ErrNoDomain when
// it is empty), a leeway fault wraps ErrLeeway.
func NewTenant(domain string, allowInsecureLoopback bool, leeway time.Duration) (Tenant, error) {
	var errs []error
	issuer, err := Issuer(domain, allowInsecureLoopback)
	if err != nil {
		errs = append(errs, err)
	}
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	if leeway < 0 || leeway > MaxLeeway {
		errs = append(errs, fmt.Errorf("%w %s is outside 0s..%s", ErrLeeway, leeway, MaxLeeway))
	}
	if len(errs) > 0 {
		return Tenant{}, errors.Join(errs...)
	}
	u, err := url.Parse(issuer)
	if err != nil { // Issuer built it from a parsed URL
		return Tenant{}, fmt.Errorf("auth0: issuer %q: %w", issuer, err)
	}
	return Tenant{
		issuer:           issuer,
		issuerURL:        u,
		discovery:        issuer + ".well-known/openid-configuration",
		insecureLoopback: allowInsecureLoopback,
		leeway:           leeway,
	}, nil
}

// Issuer is the tenant's exact issuer, "https://DOMAIN/" (the iss of its
// tokens).
func (t Tenant) Issuer() string { return t.issuer }

// DiscoveryURL is the tenant's OpenID discovery document (OpenID Connect
// Discovery 1.0 §4), which names its JWKS.
func (t Tenant) DiscoveryURL() string { return t.discovery }

// InsecureLoopback reports whether plain http on a loopback host is
// allowed, for the issuer and the JWKS: the local dev tenant only.
func (t Tenant) InsecureLoopback() bool { return t.insecureLoopback }

// Leeway is the clock skew tolerated on exp, nbf and iat.
func (t Tenant) Leeway() time.Duration { return t.leeway }

// valid reports whether t came from NewTenant.
func (t Tenant) valid() bool { return t.issuerURL != nil }

// Issuer derives the exact issuer "https://DOMAIN/" from a tenant domain
// given with or without scheme and trailing slash. Plain http is accepted
// only for a loopback host and only when allowInsecureLoopback is set. A
// path is refused: Auth0's issuer, custom domains included, is the bare
// origin with "/".
func Issuer(domain string, allowInsecureLoopback bool) (string, error) {
	d := strings.TrimSpace(domain)
	if d == "" {
		return "", ErrNoDomain
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	shown := RedactURL(domain) // every error below quotes the domain: never a credential in it
	u, err := url.Parse(d)
	if err != nil || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q is not a tenant domain such as example.eu.auth0.com", shown)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowInsecureLoopback || !LoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q must use https (http is allowed only for a loopback dev tenant)", shown)
		}
	default:
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q has scheme %q, want https", shown, u.Scheme)
	}
	// The issuer Auth0 writes is the bare host: a default port or a root dot
	// kept here would fail every token's iss, and a host no DNS name can be
	// would fail every fetch, long after startup.
	host, port := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), u.Port()
	// url.Parse takes any digits: a port no dial reaches fails every fetch,
	// and one with a leading zero every iss (Auth0 never writes one).
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port) {
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q has port %s, want 1 to 65535 without a leading zero", shown, port)
	}
	if u.Scheme == "https" && port == "443" || u.Scheme == "http" && port == "80" {
		port = ""
	}
	if net.ParseIP(host) == nil && !dnsName(host) || strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("auth0: AUTH0_DOMAIN %q is not a tenant domain such as example.eu.auth0.com (letters, digits, hyphens and dots; an internationalised name in its xn-- form)", shown)
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host + "/", nil
}

// RedactURL is s, a URL or a domain, as an error may show it: its
// user information, query and fragment replaced by REDACTED (a password, an
// API key or a token put there by mistake). A URL that parses loses exactly
// those; anything else, everything before its last "@" past the scheme (a
// password may hold a "/" or an "@") and everything after the first "?" or
// "#" past that.
func RedactURL(s string) string {
	start := authorityStart(s)
	if u, err := url.Parse(s); err == nil && start > 0 {
		if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
			return s
		}
		if u.User != nil {
			u.User = url.User("REDACTED")
		}
		if u.RawQuery != "" {
			u.RawQuery = "REDACTED"
		}
		if u.Fragment != "" {
			u.Fragment, u.RawFragment = "REDACTED", ""
		}
		return u.String()
	}
	if at := strings.LastIndex(s[start:], "@"); at >= 0 {
		s = s[:start] + "REDACTED" + s[start+at:]
		start += len("REDACTED@")
	}
	if i := strings.IndexAny(s[start:], "?#"); i >= 0 {
		s = s[:start+i+1] + "REDACTED"
	}
	return s
}

// authorityStart is the index just past s's leading "scheme://", or 0.
// Only a scheme (RFC 3986 §3.1) may stand before it: a "://" further on,
// in a path or a query, would otherwise leave the user information before
// it shown.
func authorityStart(s string) int {
	i := strings.Index(s, "://")
	if i <= 0 {
		return 0
	}
	for j := range i {
		c := s[j] | 0x20
		if !('a' <= c && c <= 'z' || j > 0 && ('0' <= s[j] && s[j] <= '9' || s[j] == '+' || s[j] == '-' || s[j] == '.')) {
			return 0
		}
	}
	return i + len("://")
}

// dnsName reports whether s is a DNS host name: labels of 1 to 63 ASCII
// letters, digits and inner hyphens (RFC 1123 §2.1), at most 253 bytes.
func dnsName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// LoopbackHost reports whether host is localhost or a loopback IP: the only
// place plain http is ever allowed (the dev tenant, local tools).
func LoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
