package devtenant

import (
	"testing"

	"github.com/go-json-experiment/json"
)

// TestGrantNotForClient: a registered client asking for a grant its type
// does not use is unauthorized_client (RFC 6749 section 5.2), whatever
// credentials it sends, so the caller learns to switch grant or client,
// not to look for a secret that does not exist.
func TestGrantNotForClient(t *testing.T) {
	tn, logs := startTenant(t, withUsers)
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })
	cc := func(kv ...string) string {
		return form(append([]string{"grant_type", "client_credentials", "audience", testAudience}, kv...)...)
	}
	tests := []struct {
		name     string
		body     string
		basic    *[2]string
		wantDesc string
	}{
		{"spa client, client_credentials with a secret", cc("client_id", spaID, "client_secret", "guess"), nil,
			"Grant type client_credentials is for m2m clients; " + spaID + " is a spa client: it gets tokens by a user's login (authorization_code)"},
		{"spa client, client_credentials without a secret", cc("client_id", spaID), nil,
			"Grant type client_credentials is for m2m clients; " + spaID + " is a spa client: it gets tokens by a user's login (authorization_code)"},
		{"native client, client_credentials via Basic", cc(), &[2]string{cliID, ""},
			"Grant type client_credentials is for m2m clients; " + cliID + " is a native client: it gets tokens by a user's login (authorization_code)"},
		{"m2m client, authorization_code", form("grant_type", "authorization_code", "client_id", readerID, "code", "c", "redirect_uri", spaRedirect, "code_verifier", randomToken()), nil,
			"Grant type authorization_code is for spa and native clients; " + readerID + " is an m2m client"},
		{"m2m client, refresh_token", form("grant_type", "refresh_token", "client_id", readerID, "refresh_token", "r"), nil,
			"Grant type refresh_token is for spa and native clients; " + readerID + " is an m2m client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := postToken(t, tn, tokenCase{contentType: ctForm, body: tt.body, basic: tt.basic})
			var e oauthError
			if err := json.Unmarshal(res.body, &e); err != nil {
				t.Fatalf("body %s: %v", res.body, err)
			}
			if res.status != 400 || e.Error != "unauthorized_client" || e.ErrorDescription != tt.wantDesc {
				t.Errorf("got %d %s %q, want 400 unauthorized_client %q", res.status, e.Error, e.ErrorDescription, tt.wantDesc)
			}
		})
	}
}
