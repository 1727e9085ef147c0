package auth0_test

import (
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/auth0"
)

// TestIssuerErrorHidesCredentials: a domain refused for carrying user
// information, a query or a fragment (where a credential, an API key or a
// token may be put) is named in the error without them, whichever check
// refuses it.
func TestIssuerErrorHidesCredentials(t *testing.T) {
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
		{"an API key in the query", "https://" + vtDomain + "/?api_key=S3CRET", "https://" + vtDomain + "/?REDACTED"},
		{"a token in the fragment", "https://" + vtDomain + "/#access_token=S3CRET", "https://" + vtDomain + "/#REDACTED"},
		{"user, query and fragment", "https://user:S3CRET@" + vtDomain + "/?k=S3CRET#S3CRET", "https://REDACTED@" + vtDomain + "/?REDACTED#REDACTED"},
		{"no scheme, a query", vtDomain + "?key=S3CRET", vtDomain + "?REDACTED"},
		{"no scheme, a fragment", vtDomain + "#S3CRET", vtDomain + "#REDACTED"},
		{"unparsable, with a query", "https://" + vtDomain + ":bad/?key=S3CRET", "https://" + vtDomain + ":bad/?REDACTED"},
		{"unparsable, with user and query", "https://user:S3CRET@" + vtDomain + ":bad?key=S3CRET@x", "https://REDACTED@x"},
		// A "://" further on (a URL in the query) is no scheme's: the user
		// information before it is still hidden.
		{"no scheme, a URL in the query", "user:S3CRET@" + vtDomain + "/?next=https://x", "REDACTED@" + vtDomain + "/?REDACTED"},
		{"no scheme, unparsable, a URL in the query", "S3CRET@" + vtDomain + ":bad?r=https://x", "REDACTED@" + vtDomain + ":bad?REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := auth0.Issuer(tt.domain, true)
			if err == nil {
				t.Fatalf("got no error for %q, want one", tt.domain)
			}
			if strings.Contains(err.Error(), "S3") || strings.Contains(err.Error(), "user") {
				t.Errorf("got %q, want it without the credential", err)
			}
			if !strings.Contains(err.Error(), tt.wantShown) {
				t.Errorf("got %q, want it naming %q", err, tt.wantShown)
			}
		})
	}
}
