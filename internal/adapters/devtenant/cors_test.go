package devtenant

import (
	"cmp"
	"net/http"
	"strings"
	"testing"
)

// TestTokenCORS checks the browser's preflight for the SDK's token call:
// only an spa client's origin, only /oauth/token, only the SDK's headers.
func TestTokenCORS(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	const sdkHeaders = "auth0-client,content-type"
	for _, tt := range []struct {
		name    string
		path    string // "" = oauth/token
		origin  string
		headers string // Access-Control-Request-Headers; "" = the SDK's
		want    string // Access-Control-Allow-Origin
	}{
		{"spa origin", "", "http://localhost:3000", "", "http://localhost:3000"},
		{"other origin", "", "http://evil.example", "", ""},
		// A native client's loopback redirect is no web origin.
		{"native client's origin", "", "http://127.0.0.1", "", ""},
		// The SDK sends no Authorization: a browser holds no client secret.
		{"Authorization header", "", "http://localhost:3000", "authorization,content-type", ""},
		// The Test tab mints tokens: no other origin may read it.
		{"Test tab", "test", "http://localhost:3000", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodOptions, tn.Issuer()+cmp.Or(tt.path, "oauth/token"), nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", cmp.Or(tt.headers, sdkHeaders))
			res := do(t, req)
			if got := res.header.Get("Access-Control-Allow-Origin"); got != tt.want {
				t.Errorf("preflight from %s: got Allow-Origin %q, want %q", tt.origin, got, tt.want)
			}
			if tt.want != "" && !strings.Contains(strings.ToLower(res.header.Get("Access-Control-Allow-Headers")), "auth0-client") {
				t.Errorf("preflight: got Allow-Headers %q, want Auth0-Client allowed", res.header.Get("Access-Control-Allow-Headers"))
			}
		})
	}
}
