package auth0_test

import (
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/auth0"
)

// TestIssuerErrorHidesUserinfo: a domain refused for carrying user
// information (a credential) is named in the error without it, whichever
// check refuses it.
func TestIssuerErrorHidesUserinfo(t *testing.T) {
	tests := []struct {
		name, domain, wantShown string
	}{
		{"https with user and password", "https://user:S3CRET@" + vtDomain, "https://REDACTED@" + vtDomain},
		{"no scheme", "user:S3CRET@" + vtDomain, "REDACTED@" + vtDomain},
		{"http", "http://user:S3CRET@" + vtDomain, "http://REDACTED@" + vtDomain},
		{"other scheme", "ftp://user:S3CRET@" + vtDomain, "ftp://REDACTED@" + vtDomain},
		{"unparsable port", "https://user:S3CRET@" + vtDomain + ":bad", "https://REDACTED@" + vtDomain + ":bad"},
		{"password with a slash and an @", "https://user:S3/C@RET@" + vtDomain, "https://REDACTED@" + vtDomain},
		{"token only", "S3CRET@" + vtDomain, "REDACTED@" + vtDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := auth0.Issuer(tt.domain, true)
			if err == nil {
				t.Fatalf("got no error for %q, want one", tt.domain)
			}
			if strings.Contains(err.Error(), "S3") || strings.Contains(err.Error(), "user") {
				t.Errorf("got %q, want it without the user information", err)
			}
			if !strings.Contains(err.Error(), tt.wantShown) {
				t.Errorf("got %q, want it naming %q", err, tt.wantShown)
			}
		})
	}
}
