package devtenant

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/go-json-experiment/json"
)

// TestBasicClientAuthentication: HTTP Basic client authentication at
// /oauth/token (RFC 6749 section 2.3.1) is read the same way for every
// grant: the id and secret form-decoded or as sent, a body client_id
// matching either form, and a header that cannot be read refused saying
// why, never taken for a missing client_id or a wrong secret.
func TestBasicClientAuthentication(t *testing.T) {
	tn, logs := startTenant(t, withUsers)
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })
	basic := func(userPass string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass)) }
	cc := form("grant_type", "client_credentials", "audience", testAudience)
	// An unknown refresh token: invalid_grant means the client was identified.
	refresh := func(kv ...string) string {
		return form(append([]string{"grant_type", "refresh_token", "refresh_token", "r"}, kv...)...)
	}
	const (
		notBasic  = "The Authorization header must use the Basic scheme"
		notBase64 = "The Authorization header's Basic credentials must be the base64 of client_id:client_secret"
		twice     = "The Authorization header must be sent at most once"
	)
	tests := []struct {
		name       string
		body       string
		basic      *[2]string
		header     []string // Authorization values, when not basic
		wantStatus int
		wantError  string
		wantDesc   string
	}{
		// client_credentials
		{"m2m: two Authorization headers", cc, nil, []string{basic(readerID + ":" + readerSecret), basic(noScopeID + ":" + noScopeSec)}, 400, "invalid_request", twice},
		{"m2m: Bearer scheme", cc, nil, []string{"Bearer abc"}, 400, "invalid_request", notBasic},
		{"m2m: Basic credentials not base64", cc, nil, []string{"Basic !!!"}, 400, "invalid_request", notBase64},
		{"m2m: Basic credentials without a colon", cc, nil, []string{basic(readerID)}, 400, "invalid_request", notBase64},
		{"m2m: Basic scheme alone", cc, nil, []string{"Basic"}, 400, "invalid_request", notBase64},
		{"m2m: basic scheme in lower case", cc, nil, []string{"basic " + base64.StdEncoding.EncodeToString([]byte(readerID+":"+readerSecret))}, 200, "", ""},
		{"m2m: form-encoded Basic id, same client_id in body", form("grant_type", "client_credentials", "audience", testAudience, "client_id", readerID),
			&[2]string{"%72eader-client", readerSecret}, nil, 200, "", ""},
		// refresh_token and authorization_code: public clients (more in
		// TestPublicClientIdentification)
		{"public: Basic id that does not form-decode", refresh(), &[2]string{"test%zzspa", ""}, nil, 401, "invalid_client", "Unknown client: test%zzspa"},
		{"public: Basic credentials not base64", refresh(), nil, []string{"Basic !!!"}, 400, "invalid_request", notBase64},
		{"public: two Authorization headers", refresh(), nil, []string{basic(spaID + ":"), basic(cliID + ":")}, 400, "invalid_request", twice},
		{"public: Bearer scheme", form("grant_type", "authorization_code", "client_id", spaID), nil, []string{"Bearer abc"}, 400, "invalid_request", notBasic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := tokenCase{contentType: ctForm, body: tt.body, basic: tt.basic}
			if tt.header != nil {
				tc.header = http.Header{"Authorization": tt.header}
			}
			res := postToken(t, tn, tc)
			var e oauthError
			if err := json.Unmarshal(res.body, &e); err != nil {
				t.Fatalf("body %s: %v", res.body, err)
			}
			if res.status != tt.wantStatus || e.Error != tt.wantError || e.ErrorDescription != tt.wantDesc {
				t.Errorf("got %d %q %q, want %d %q %q", res.status, e.Error, e.ErrorDescription, tt.wantStatus, tt.wantError, tt.wantDesc)
			}
		})
	}
}
