package auth0_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0"
)

// NewTenant is the one check of a tenant's settings: each row is one rule.
func TestNewTenant(t *testing.T) {
	tests := []struct {
		name          string
		domain        string
		loopback      bool
		leeway        time.Duration
		wantIssuer    string
		wantDiscovery string
		wantLeeway    time.Duration
		wantKinds     []error // errors.Is targets the error must match; nil with wantIssuer ""
	}{
		{name: "bare domain", domain: "Tenant.EU.auth0.com", wantIssuer: "https://tenant.eu.auth0.com/",
			wantDiscovery: "https://tenant.eu.auth0.com/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "scheme and slash", domain: "https://tenant.eu.auth0.com/", leeway: time.Minute,
			wantIssuer: "https://tenant.eu.auth0.com/", wantDiscovery: "https://tenant.eu.auth0.com/.well-known/openid-configuration", wantLeeway: time.Minute},
		{name: "loopback http in dev mode", domain: "http://127.0.0.1:3011", loopback: true, leeway: auth0.MaxLeeway,
			wantIssuer: "http://127.0.0.1:3011/", wantDiscovery: "http://127.0.0.1:3011/.well-known/openid-configuration", wantLeeway: auth0.MaxLeeway},
		// Auth0's issuer never carries the default port or a root dot: kept,
		// they would fail every token's iss and the discovery document's.
		{name: "default port", domain: "tenant.eu.auth0.com:443", wantIssuer: "https://tenant.eu.auth0.com/",
			wantDiscovery: "https://tenant.eu.auth0.com/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "scheme, default port and slash", domain: " https://Tenant.eu.auth0.com:443/ ", wantIssuer: "https://tenant.eu.auth0.com/",
			wantDiscovery: "https://tenant.eu.auth0.com/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "root dot", domain: "tenant.eu.auth0.com.", wantIssuer: "https://tenant.eu.auth0.com/",
			wantDiscovery: "https://tenant.eu.auth0.com/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "another port kept", domain: "https://127.0.0.1:8443", wantIssuer: "https://127.0.0.1:8443/",
			wantDiscovery: "https://127.0.0.1:8443/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "loopback IPv6 in dev mode", domain: "http://[::1]:3011/", loopback: true, wantIssuer: "http://[::1]:3011/",
			wantDiscovery: "http://[::1]:3011/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "an empty label", domain: "tenant..auth0.com"},
		{name: "an underscore", domain: "my_tenant.eu.auth0.com"},
		{name: "a label ending in a hyphen", domain: "tenant-.eu.auth0.com"},
		{name: "not ASCII", domain: "bücher.example"},
		{name: "an empty port", domain: "tenant.eu.auth0.com:"},
		// A port no dial reaches, or one written with a leading zero (which
		// Auth0's iss never is), would fail every fetch or every iss.
		{name: "port zero", domain: "tenant.eu.auth0.com:0"},
		{name: "port out of range", domain: "tenant.eu.auth0.com:65536"},
		{name: "default port with a leading zero", domain: "tenant.eu.auth0.com:0443"},
		{name: "port with a leading zero", domain: "https://127.0.0.1:08443"},
		{name: "highest port kept", domain: "https://127.0.0.1:65535", wantIssuer: "https://127.0.0.1:65535/",
			wantDiscovery: "https://127.0.0.1:65535/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		// RFC 1123 §2.1's limits, at their edges: 63 bytes a label, 253 a name.
		{name: "a label of 63 bytes", domain: strings.Repeat("a", 63) + ".auth0.com", wantIssuer: "https://" + strings.Repeat("a", 63) + ".auth0.com/",
			wantDiscovery: "https://" + strings.Repeat("a", 63) + ".auth0.com/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "a label of 64 bytes", domain: strings.Repeat("a", 64) + ".auth0.com"},
		{name: "a name of 253 bytes", domain: dnsNameOf(253), wantIssuer: "https://" + dnsNameOf(253) + "/",
			wantDiscovery: "https://" + dnsNameOf(253) + "/.well-known/openid-configuration", wantLeeway: auth0.DefaultLeeway},
		{name: "a name of 254 bytes", domain: dnsNameOf(254)},
		{name: "empty domain", domain: " ", wantKinds: []error{auth0.ErrNoDomain}},
		{name: "a path", domain: "https://login.example.com/tenant/"},
		{name: "an empty query", domain: "https://tenant.eu.auth0.com/?"},
		{name: "http off loopback in dev mode", domain: "http://10.0.0.1", loopback: true},
		{name: "loopback http outside dev mode", domain: "http://127.0.0.1:3011"},
		{name: "negative leeway", domain: "tenant.eu.auth0.com", leeway: -time.Nanosecond, wantKinds: []error{auth0.ErrLeeway}},
		{name: "leeway over the max", domain: "tenant.eu.auth0.com", leeway: auth0.MaxLeeway + time.Nanosecond, wantKinds: []error{auth0.ErrLeeway}},
		{name: "both faults reported", domain: "", leeway: -time.Second, wantKinds: []error{auth0.ErrNoDomain, auth0.ErrLeeway}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := auth0.NewTenant(tc.domain, tc.loopback, tc.leeway)
			if tc.wantIssuer == "" {
				if err == nil {
					t.Fatalf("got tenant %q, want an error", got.Issuer())
				}
				for _, k := range tc.wantKinds {
					if !errors.Is(err, k) {
						t.Errorf("got error %v, want one matching %v", err, k)
					}
				}
				if got != (auth0.Tenant{}) {
					t.Errorf("got a non-zero tenant with the error, want the zero Tenant")
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got.Issuer() != tc.wantIssuer || got.DiscoveryURL() != tc.wantDiscovery || got.Leeway() != tc.wantLeeway || got.InsecureLoopback() != tc.loopback {
				t.Errorf("got issuer %q, discovery %q, leeway %s, loopback %v; want %q, %q, %s, %v",
					got.Issuer(), got.DiscoveryURL(), got.Leeway(), got.InsecureLoopback(),
					tc.wantIssuer, tc.wantDiscovery, tc.wantLeeway, tc.loopback)
			}
		})
	}
}

// A Tenant not made by NewTenant is refused, never used with no issuer;
// so is a verifier with no key finder, which would fail on its first token.
func TestNewZeroTenant(t *testing.T) {
	good := auth0.MustTenant(t, vtDomain, false, 0)
	tests := []struct {
		name    string
		tenant  auth0.Tenant
		keys    auth0.KeyFinder
		wantErr string
	}{
		{"zero Tenant", auth0.Tenant{}, &vtStaticKeys{}, "NewTenant"},
		{"nil key finder", good, nil, "key finder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := auth0.New(tc.tenant, auth0.Config{Audiences: []string{vtAudience}}, tc.keys)
			if err == nil || v != nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, %v; want nil and an error mentioning %q", v, err, tc.wantErr)
			}
		})
	}
}

func TestVerifierIssuer(t *testing.T) {
	tests := []struct {
		name     string
		domain   string
		loopback bool // allowInsecureLoopback
		want     string
		wantErr  bool
	}{
		{name: "bare domain", domain: vtDomain, want: vtIssuer},
		{name: "https scheme", domain: "https://" + vtDomain, want: vtIssuer},
		{name: "https scheme and trailing slash", domain: "https://" + vtDomain + "/", want: vtIssuer},
		{name: "bare domain and trailing slash", domain: vtDomain + "/", want: vtIssuer},
		{name: "upper-case domain", domain: "VT-Tenant.EU.Auth0.COM", want: vtIssuer},
		{name: "upper-case scheme", domain: "HTTPS://" + vtDomain, want: vtIssuer},
		{name: "surrounding spaces", domain: "  " + vtDomain + "\t", want: vtIssuer},
		{name: "custom domain with port", domain: "login.vt.example:8443", want: "https://login.vt.example:8443/"},
		{name: "empty", domain: "", wantErr: true},
		{name: "spaces only", domain: "   ", wantErr: true},
		{name: "path", domain: "https://" + vtDomain + "/tenant", wantErr: true},
		{name: "path with trailing slash", domain: vtDomain + "/a/", wantErr: true},
		{name: "double slash path", domain: "https://" + vtDomain + "//", wantErr: true},
		{name: "query", domain: "https://" + vtDomain + "/?x=1", wantErr: true},
		{name: "fragment", domain: "https://" + vtDomain + "#x", wantErr: true},
		{name: "userinfo", domain: "https://user:pass@" + vtDomain, wantErr: true},
		{name: "userinfo without scheme", domain: "evil.example@" + vtDomain, wantErr: true},
		{name: "backslash userinfo trick", domain: "https://" + vtDomain + `\@evil.example`, wantErr: true},
		{name: "space inside", domain: "vt tenant.eu.auth0.com", wantErr: true},
		{name: "other scheme", domain: "ftp://" + vtDomain, wantErr: true},
		{name: "scheme only", domain: "https://", wantErr: true},
		{name: "port without host", domain: "https://:443", wantErr: true},
		{name: "http non-loopback refused", domain: "http://" + vtDomain, wantErr: true},
		{name: "http non-loopback refused with loopback allowed", domain: "http://" + vtDomain, loopback: true, wantErr: true},
		{name: "http loopback refused without the flag", domain: "http://127.0.0.1:3011", wantErr: true},
		{name: "http localhost refused without the flag", domain: "http://localhost:3011", wantErr: true},
		{name: "http 127.0.0.1 with the flag", domain: "http://127.0.0.1:3011", loopback: true, want: "http://127.0.0.1:3011/"},
		{name: "http 127.0.0.2 with the flag", domain: "http://127.0.0.2:3011/", loopback: true, want: "http://127.0.0.2:3011/"},
		{name: "http ::1 with the flag", domain: "http://[::1]:3011", loopback: true, want: "http://[::1]:3011/"},
		{name: "http localhost with the flag", domain: "http://localhost:3011", loopback: true, want: "http://localhost:3011/"},
		{name: "http LOCALHOST with the flag", domain: "http://LOCALHOST:3011", loopback: true, want: "http://localhost:3011/"},
		{name: "http localhost-prefixed host with the flag", domain: "http://localhost.evil.example", loopback: true, wantErr: true},
		{name: "http loopback-looking DNS name with the flag", domain: "http://127.0.0.1.nip.io", loopback: true, wantErr: true},
		{name: "http 0.0.0.0 with the flag", domain: "http://0.0.0.0:3011", loopback: true, wantErr: true},
		{name: "https loopback needs no flag", domain: "https://127.0.0.1:8443", want: "https://127.0.0.1:8443/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := auth0.Issuer(tc.domain, tc.loopback)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Issuer(%q, %v): got %q, want an error", tc.domain, tc.loopback, got)
				}
				if got != "" {
					t.Errorf("Issuer(%q, %v): got %q with the error, want \"\"", tc.domain, tc.loopback, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Issuer(%q, %v): got %q, %v; want %q", tc.domain, tc.loopback, got, err, tc.want)
			}
		})
	}
}

// dnsNameOf is a DNS name of n bytes, labels of at most 63: "aaa…a.aaa…a…".
func dnsNameOf(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.Repeat("a", min(63, n-b.Len())))
	}
	return b.String()
}
