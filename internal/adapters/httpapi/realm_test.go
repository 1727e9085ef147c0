package httpapi_test

import (
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// The realm is a quoted auth-param (RFC 6750 §3): what sanitize would
// change is not a realm the challenge can carry as configured.
func TestValidRealm(t *testing.T) {
	tests := []struct {
		realm string
		want  bool
	}{
		{"messages-api", true},
		{"Messages API (prod) ~!#$%&'*+,./:;<=>?@[]^_`{|}", true},
		{strings.Repeat("a", httpapi.MaxQuotedBytes), true},
		{strings.Repeat("a", httpapi.MaxQuotedBytes+1), false},
		{`my "api"`, false},
		{`my\api`, false},
		{"café", false},
		{"tab\there", false},
		{"new\nline", false},
		{"del\x7f", false},
	}
	for _, tt := range tests {
		t.Run(tt.realm[:min(len(tt.realm), 20)], func(t *testing.T) {
			if got := httpapi.ValidRealm(tt.realm); got != tt.want {
				t.Errorf("ValidRealm(%q): got %v, want %v", tt.realm, got, tt.want)
			}
		})
	}
}
