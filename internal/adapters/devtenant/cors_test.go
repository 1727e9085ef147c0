package devtenant

import (
	"net/http"
	"strings"
	"testing"
)

// TestTokenCORS checks the browser's preflight for the SDK's token call.
func TestTokenCORS(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct {
		origin string
		want   string
	}{
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://evil.example", ""},
	} {
		req := newRequest(t, http.MethodOptions, tn.Issuer()+"oauth/token", nil)
		req.Header.Set("Origin", tt.origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "auth0-client,content-type")
		res := do(t, req)
		if got := res.header.Get("Access-Control-Allow-Origin"); got != tt.want {
			t.Errorf("preflight from %s: got Allow-Origin %q, want %q", tt.origin, got, tt.want)
		}
		if tt.want != "" && !strings.Contains(strings.ToLower(res.header.Get("Access-Control-Allow-Headers")), "auth0-client") {
			t.Errorf("preflight: got Allow-Headers %q, want Auth0-Client allowed", res.header.Get("Access-Control-Allow-Headers"))
		}
	}
}
