package auth0

import (
	"math"
	"net/http"
	"testing"
	"time"
)

// The key source takes the tenant's domain through NewTenant, the one
// place it is checked; the rows below run both steps.
func TestNewKeySourceConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		domain   string
		loopback bool // dev mode
		cfg      KeySourceConfig
		wantErr  bool
	}{
		{"https tenant", "https://tenant.eu.auth0.com/", false, KeySourceConfig{}, false},
		// Auth0's issuer is https://DOMAIN/, custom domains included: a path
		// is refused everywhere, as AUTH0_DOMAIN always refused it.
		{"https custom domain with path", "https://login.example.com/tenant/", false, KeySourceConfig{}, true},
		{"http 127.0.0.1 in dev mode", "http://127.0.0.1:8080/", true, KeySourceConfig{}, false},
		{"http 127.9.9.9 in dev mode", "http://127.9.9.9/", true, KeySourceConfig{}, false},
		{"http [::1] in dev mode", "http://[::1]:3000/", true, KeySourceConfig{}, false},
		{"http localhost in dev mode", "http://localhost:3000/", true, KeySourceConfig{}, false},
		{"empty issuer", "", false, KeySourceConfig{}, true},
		// A bare domain, a missing slash and an upper-case scheme are the
		// forms AUTH0_DOMAIN accepts; NewTenant normalizes them.
		{"no scheme", "tenant.eu.auth0.com/", false, KeySourceConfig{}, false},
		{"no trailing slash", "https://tenant.eu.auth0.com", false, KeySourceConfig{}, false},
		{"http without dev mode", "http://tenant.eu.auth0.com/", false, KeySourceConfig{}, true},
		{"http loopback without dev mode", "http://127.0.0.1:8080/", false, KeySourceConfig{}, true},
		{"http non-loopback in dev mode", "http://tenant.eu.auth0.com/", true, KeySourceConfig{}, true},
		{"http private address in dev mode", "http://10.0.0.1/", true, KeySourceConfig{}, true},
		{"http localhost lookalike in dev mode", "http://localhost.example.com/", true, KeySourceConfig{}, true},
		{"ftp scheme", "ftp://tenant.eu.auth0.com/", false, KeySourceConfig{}, true},
		{"upper-case scheme", "HTTPS://tenant.eu.auth0.com/", false, KeySourceConfig{}, false},
		{"user info", "https://user@tenant.eu.auth0.com/", false, KeySourceConfig{}, true},
		{"query", "https://tenant.eu.auth0.com/?a=b", false, KeySourceConfig{}, true},
		{"empty query", "https://tenant.eu.auth0.com/?", false, KeySourceConfig{}, true},
		{"fragment", "https://tenant.eu.auth0.com/#x", false, KeySourceConfig{}, true},
		{"empty host", "https:///", false, KeySourceConfig{}, true},
		{"negative fetch timeout", "https://t/", false, KeySourceConfig{FetchTimeout: -time.Second}, true},
		{"negative cooldown", "https://t/", false, KeySourceConfig{UnknownKeyCooldown: -time.Second}, true},
		{"negative body cap", "https://t/", false, KeySourceConfig{MaxBodyBytes: -1}, true},
		{"body cap at its bound", "https://t/", false, KeySourceConfig{MaxBodyBytes: MaxMaxBodyBytes}, false},
		{"body cap above its bound", "https://t/", false, KeySourceConfig{MaxBodyBytes: MaxMaxBodyBytes + 1}, true},
		{"body cap that would overflow its read", "https://t/", false, KeySourceConfig{MaxBodyBytes: math.MaxInt64}, true},
		{"retry interval at its bound", "https://t/", false, KeySourceConfig{RetryInterval: MaxRetryInterval}, false},
		{"retry interval above its bound", "https://t/", false, KeySourceConfig{RetryInterval: MaxRetryInterval + 1}, true},
		{"retry interval whose backoff would overflow", "https://t/", false, KeySourceConfig{RetryInterval: math.MaxInt64}, true},
		{"min refresh above max", "https://t/", false, KeySourceConfig{MinRefreshInterval: 2 * time.Hour, MaxRefreshInterval: time.Hour}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant, err := NewTenant(tt.domain, tt.loopback, 0)
			var ks *KeySource
			if err == nil {
				ks, err = NewKeySource(tenant, tt.cfg, nil, nil)
			}
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("NewTenant(%q, %v) then NewKeySource(%+v): got error %v, want error: %v", tt.domain, tt.loopback, tt.cfg, err, tt.wantErr)
			}
			if ks != nil {
				ks.Stop()
			}
		})
	}
}

func TestNewKeySourceDefaultsAndClient(t *testing.T) {
	t.Parallel()
	ks, err := NewKeySource(MustTenant(t, "https://tenant.eu.auth0.com/", false, 0), KeySourceConfig{}, nil, nil)
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	defer ks.Stop()
	want := KeySourceConfig{
		FetchTimeout:       5 * time.Second,
		MaxBodyBytes:       1 << 20,
		RefreshInterval:    10 * time.Minute,
		MinRefreshInterval: time.Minute,
		MaxRefreshInterval: 24 * time.Hour,
		UnknownKeyCooldown: 5 * time.Second,
		MaxStaleAge:        24 * time.Hour,
		RetryInterval:      5 * time.Second,
	}
	if ks.cfg != want {
		t.Errorf("defaults: got %+v, want %+v", ks.cfg, want)
	}
	if ks.client.Timeout != 5*time.Second {
		t.Errorf("built client timeout: got %s, want 5s", ks.client.Timeout)
	}
	if ks.client.CheckRedirect == nil || ks.client.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Errorf("built client: got a CheckRedirect that follows redirects, want http.ErrUseLastResponse")
	}

	given := &http.Client{}
	ks2, err := NewKeySource(MustTenant(t, "https://tenant.eu.auth0.com/", false, 0), KeySourceConfig{}, given, nil)
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	defer ks2.Stop()
	if given.CheckRedirect != nil {
		t.Errorf("given client: got it modified, want it left alone")
	}
	if ks2.client.CheckRedirect == nil || ks2.client.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Errorf("given client: got redirects followed, want http.ErrUseLastResponse")
	}
}
