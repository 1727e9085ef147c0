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
	} {
		t.Run(tt.redirect, func(t *testing.T) {
			params, _ := authParams(cliID, tt.redirect, "openid")
			res := authorizeGET(t, tn, params)
			if got := res.status == http.StatusOK; got != tt.want {
				t.Errorf("got status %d, want accepted=%v", res.status, tt.want)
			}
		})
	}
	t.Run("spa clients match exactly", func(t *testing.T) {
		params, _ := authParams(spaID, "http://localhost:3999/", "openid")
		if res := authorizeGET(t, tn, params); res.status != http.StatusBadRequest {
			t.Errorf("got status %d, want 400", res.status)
		}
	})
}
