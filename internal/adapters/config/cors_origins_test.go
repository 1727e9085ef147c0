package config_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestCORSOriginsAreExact: go-chi/cors reads a "*" anywhere in an allowed
// origin as a wildcard ("https://*" allows every https origin), so an
// origin with one is no exact origin and is refused.
func TestCORSOriginsAreExact(t *testing.T) {
	t.Parallel()
	const refused = "is not an exact origin"
	tests := []struct {
		origin string
		want   string // "" for accepted
	}{
		{"https://app.example.com", ""},
		{"http://localhost:3000", ""},
		{"*", refused},
		{"https://*", refused},
		{"https://*.example.com", refused},
		{"http://*:3000", refused},
		{"https://app.example.com*", refused},
		{"https://app.example.com/", refused},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			_, err := config.Load(false, "", append(slices.Clone(base), "CORS_ALLOWED_ORIGINS="+tt.origin))
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CORS_ALLOWED_ORIGINS=%s: got error %v, want one containing %q", tt.origin, err, tt.want)
			}
		})
	}
}
