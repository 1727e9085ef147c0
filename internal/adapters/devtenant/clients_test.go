package devtenant

import (
	"net/http"
	"testing"
)

// TestNativeLoopbackRedirect checks RFC 8252 section 7.3: any port on the
// registered loopback IP, nothing else.
func TestNativeLoopbackRedirect(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct {
		redirect string
		want     bool
	}{
		{"http://127.0.0.1:49152/callback", true},
		{"http://127.0.0.1:1/callback", true},
		{"http://[::1]:50000/callback", true},
		{"http://127.0.0.1/callback", true},
		{"http://127.0.0.1:49152/other", false},
		{"http://localhost:49152/callback", false},
		{"https://127.0.0.1:49152/callback", false},
		{"http://127.0.0.1:49152/callback?x=1", false},
		{"http://127.0.0.2:49152/callback", false},
		{"http://127.0.0.1:0/callback", false},
		{"http://127.0.0.1:65536/callback", false},
		{"http://127.0.0.1:99999/callback", false},
		{"http://127.0.0.1:65535/callback", true},
		{"http://127.0.0.1:49152/callback#", false},
		// Only the port varies, written as a number is.
		{"http://127.0.0.1:/callback", false},
		{"http://127.0.0.1:05555/callback", false},
		{"http://[::1]:/callback", false},
		{"HTTP://127.0.0.1:5555/callback", false},
		{"Http://127.0.0.1:5555/callback", false},
	} {
		t.Run(tt.redirect, func(t *testing.T) {
			params, _ := authParams(cliID, tt.redirect, "openid")
			res := authorizeGET(t, tn, params)
			if got := res.status == http.StatusOK; got != tt.want {
				t.Errorf("got status %d, want accepted=%v", res.status, tt.want)
			}
		})
	}
	// Only a native client's http URL on a loopback IP matches on any
	// port; every other registration matches exactly.
	tn, _ = startTenant(t, func(c *Config) {
		withUsers(c)
		c.Clients = append(c.Clients,
			Client{ID: "ip-spa", Type: TypeSPA, RedirectURIs: []string{"http://127.0.0.1:3000/"}},
			Client{ID: "tls-cli", Type: TypeNative, RedirectURIs: []string{"https://127.0.0.1:8443/cb"}},
			Client{ID: "lan-cli", Type: TypeNative, RedirectURIs: []string{"http://192.0.2.1:8080/cb"}},
			Client{ID: "zone-cli", Type: TypeNative, RedirectURIs: []string{"http://[::1%25lo]/cb"}},
		)
	})
	for _, tt := range []struct {
		name, client, redirect string
		want                   bool
	}{
		{"spa, registered", "ip-spa", "http://127.0.0.1:3000/", true},
		{"spa, loopback IP on another port", "ip-spa", "http://127.0.0.1:3001/", false},
		{"spa, localhost on another port", spaID, "http://localhost:3999/", false},
		{"native, https loopback on another port", "tls-cli", "https://127.0.0.1:9443/cb", false},
		{"native, non-loopback IP on another port", "lan-cli", "http://192.0.2.1:9090/cb", false},
		{"native, zoned loopback on another port", "zone-cli", "http://[::1%25lo]:5000/cb", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			params, _ := authParams(tt.client, tt.redirect, "openid")
			res := authorizeGET(t, tn, params)
			if got := res.status == http.StatusOK; got != tt.want {
				t.Errorf("got status %d, want accepted=%v", res.status, tt.want)
			}
		})
	}
}
