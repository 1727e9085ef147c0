package devtenant

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/go-json-experiment/json"
)

// TestPublicClientIdentification: a public client names itself by
// client_id in the body or as the HTTP Basic user with an empty password,
// form-encoded (RFC 6749 section 2.3.1) or as typed (curl -u), and sends
// no secret. A request that gets past identification reaches the grant,
// whose bogus refresh token is then invalid_grant.
func TestPublicClientIdentification(t *testing.T) {
	const (
		oddPublic  = "cli%+1" // not valid percent-encoding as typed
		plusPublic = "cli+2"  // form-decodes as typed to another id, "cli 2"
	)
	tn, logs := startTenant(t, func(c *Config) {
		withUsers(c)
		c.Clients = append(c.Clients,
			Client{ID: oddPublic, Type: TypeNative, RedirectURIs: []string{cliRedirect}},
			Client{ID: plusPublic, Type: TypeNative, RedirectURIs: []string{cliRedirect}},
		)
	})
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })
	refresh := func(kv ...string) string {
		return form(append([]string{"grant_type", "refresh_token", "refresh_token", "bogus"}, kv...)...)
	}
	const (
		identified    = "Unknown or invalid refresh token."
		onlyClientID  = "A public client sends only its client_id, in the body or as HTTP Basic user with an empty password"
		noSecretSent  = "A public client has no client_secret"
		missingClient = "Missing required parameter: client_id"
	)
	for _, tt := range []struct {
		name       string
		body       string
		basic      *[2]string
		header     http.Header
		wantStatus int
		wantError  string
		wantDesc   string
	}{
		{"client_id in the body", refresh("client_id", spaID), nil, nil, 400, "invalid_grant", identified},
		{"Basic user, empty password", refresh(), &[2]string{spaID, ""}, nil, 400, "invalid_grant", identified},
		{"Basic user form-encoded", refresh(), &[2]string{url.QueryEscape(oddPublic), ""}, nil, 400, "invalid_grant", identified},
		{"Basic user as typed", refresh(), &[2]string{oddPublic, ""}, nil, 400, "invalid_grant", identified},
		{"Basic user as typed, form-decodable", refresh(), &[2]string{plusPublic, ""}, nil, 400, "invalid_grant", identified},
		{"Basic user as typed and the same client_id in the body", refresh("client_id", plusPublic), &[2]string{plusPublic, ""}, nil, 400, "invalid_grant", identified},
		{"Basic user form-encoded and the same client_id in the body", refresh("client_id", oddPublic), &[2]string{url.QueryEscape(oddPublic), ""}, nil, 400, "invalid_grant", identified},
		{"Basic user with a password", refresh(), &[2]string{spaID, "guess"}, nil, 400, "invalid_request", onlyClientID},
		{"Basic user and another client_id in the body", refresh("client_id", spaID), &[2]string{cliID, ""}, nil, 400, "invalid_request", "client_id in the body does not match the Authorization header"},
		{"a Bearer Authorization header", refresh("client_id", spaID), nil, http.Header{"Authorization": {"Bearer abc"}}, 400, "invalid_request", "The Authorization header must use the Basic scheme"},
		{"client_secret in the body", refresh("client_id", spaID, "client_secret", "guess"), nil, nil, 400, "invalid_request", noSecretSent},
		{"no client_id", refresh(), nil, nil, 400, "invalid_request", missingClient},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := postToken(t, tn, tokenCase{contentType: ctForm, body: tt.body, basic: tt.basic, header: tt.header})
			var e oauthError
			if err := json.Unmarshal(res.body, &e); err != nil {
				t.Fatalf("body %s: %v", res.body, err)
			}
			if res.status != tt.wantStatus || e.Error != tt.wantError || e.ErrorDescription != tt.wantDesc {
				t.Errorf("got %d %s %q, want %d %s %q", res.status, e.Error, e.ErrorDescription, tt.wantStatus, tt.wantError, tt.wantDesc)
			}
		})
	}
}
