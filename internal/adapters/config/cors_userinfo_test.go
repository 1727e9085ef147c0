package config_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestCORSOriginIsOnlyAnOrigin: an Origin header is scheme://host[:port]
// (RFC 6454 §6.1), so an allowed origin with user information, a query or
// a fragment would never match; it is refused, and one with any of them
// (where a credential may be) is named by its position, never repeated, in
// the error or in the started line.
func TestCORSOriginIsOnlyAnOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		origin string
		want   string // "" for accepted
	}{
		{"https://app.example.com:8443", ""},
		{"https://user:S3CRET@app.example.com", "CORS_ALLOWED_ORIGINS (http.handler.cors.allowed_origins, from the environment) entry 1 has user information"},
		{"https://S3CRET@app.example.com", "entry 1 has user information"},
		{"https://app.example.com?x=1", "is not an exact origin"},
		{"https://app.example.com?", "is not an exact origin"},
		{"https://app.example.com#x", "is not an exact origin"},
		{"https://app.example.com?api_key=S3CRET", "CORS_ALLOWED_ORIGINS (http.handler.cors.allowed_origins, from the environment) entry 1 is not an exact origin"},
		{"https://app.example.com#access_token=S3CRET", "entry 1 is not an exact origin"},
		{"https:app.example.com", "is not an exact origin"},
		{"https://app.example.com:443", `"https://app.example.com:443" is not written as browsers send it in Origin: write https://app.example.com`},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			c, err := config.Load(false, "", append(slices.Clone(base), "CORS_ALLOWED_ORIGINS=https://ok.example,"+tt.origin))
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), strings.Replace(tt.want, "entry 1", "entry 2", 1))) {
				t.Errorf("got error %v, want one containing %q", err, strings.Replace(tt.want, "entry 1", "entry 2", 1))
			}
			if err != nil && strings.Contains(err.Error(), "S3CRET") {
				t.Errorf("got error %q, want it without the credential", err)
			}
			if err == nil && strings.Contains(strings.Join(c.HTTP.Handler.CORS.AllowedOrigins, ","), "S3CRET") {
				t.Errorf("got origins %q accepted, want the one with user information refused", c.HTTP.Handler.CORS.AllowedOrigins)
			}
		})
	}
}
