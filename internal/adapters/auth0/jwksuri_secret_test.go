package auth0

import (
	"strings"
	"testing"
)

// TestJWKSURIRefusalHidesCredentials: a discovery document's jwks_uri
// refused for any reason is logged without its user information, query or
// fragment (where a credential may be), and the rest of it still shows what
// was wrong.
func TestJWKSURIRefusalHidesCredentials(t *testing.T) {
	t.Parallel()
	ks := &KeySource{tenant: MustTenant(t, "https://tenant.example/", false, 0)}
	tests := []struct {
		name, uri, want string
	}{
		{"user and password", "https://u:S3CRET@tenant.example/.well-known/jwks.json", `"https://REDACTED@tenant.example/.well-known/jwks.json" must not have user info`},
		{"user only", "https://S3CRET@tenant.example/jwks", `"https://REDACTED@tenant.example/jwks"`},
		{"an @ in the path is no user information", "http://tenant.example/keys@1", `"http://tenant.example/keys@1" is not https`},
		{"a signature in the query", "http://tenant.example/jwks?sig=S3CRET", `"http://tenant.example/jwks?REDACTED" is not https`},
		{"a fragment", "https://tenant.example/jwks#S3CRET", `"https://tenant.example/jwks#REDACTED" must not have user info or a fragment`},
		{"unparsable, with user information", "https://u:S3CRET@tenant.example:bad/jwks", `"https://REDACTED@tenant.example:bad/jwks" is not an absolute URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ks.checkJWKSURI(tt.uri)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if strings.Contains(err.Error(), "S3CRET") {
				t.Errorf("got %q, want it without the credential", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it containing %s", err, tt.want)
			}
		})
	}
}
