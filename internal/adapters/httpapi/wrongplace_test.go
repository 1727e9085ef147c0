package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestTokenInTheWrongPlace: a token only in the query, or under a scheme
// other than Bearer, is still no credentials (RFC 6750 §3.1: a challenge
// with no error code), but the body says what to send instead, and the
// access line has a reason of its own.
func TestTokenInTheWrongPlace(t *testing.T) {
	const (
		realm     = `Bearer realm="messages-api"`
		queryDesc = "tokens in the query string are not accepted; send Authorization: Bearer <token>"
		schemeDes = "the Authorization scheme must be Bearer; send Authorization: Bearer <token>"
		plainDesc = "a bearer access token is required"
		empty     = "<an empty header>" // auth: an Authorization header with no value
	)
	tests := []struct {
		name       string
		target     string
		auth       string
		wantDesc   string
		wantReason string
	}{
		{"nothing at all", "/api/private", "", plainDesc, "no_token"},
		{"query token alone", "/api/private?access_token=" + readToken, "", queryDesc, "token_in_query"},
		{"query token alone, scoped route", "/api/private-scoped?x=1&access_token=" + readToken, "", queryDesc, "token_in_query"},
		{"empty query token", "/api/private?access_token=", "", queryDesc, "token_in_query"},
		{"query token with a semicolon in its value", "/api/private?access_token=" + readToken + ";x=1", "", queryDesc, "token_in_query"},
		{"query token with a bad escape in its value", "/api/private?access_token=%zz" + readToken, "", queryDesc, "token_in_query"},
		{"query token with a percent-encoded name", "/api/private?%61ccess%5Ftoken=" + readToken, "", queryDesc, "token_in_query"},
		{"query token with every character of its name escaped", "/api/private?%61%63%63%65%73%73%5F%74%6F%6B%65%6E=" + readToken, "", queryDesc, "token_in_query"},
		{"query token after malformed pairs", "/api/private?%&=&a=%zz&access_token=" + readToken, "", queryDesc, "token_in_query"},
		// Parameter names are exact (RFC 6750 §2.3): another spelling is
		// another parameter, not a token in the wrong place.
		{"another spelling of the name", "/api/private?ACCESS_TOKEN=" + readToken, "", plainDesc, "no_token"},
		{"Token scheme", "/api/private", "Token " + readToken, schemeDes, "not_bearer"},
		{"JWT scheme", "/api/private", "JWT " + readToken, schemeDes, "not_bearer"},
		{"Basic scheme", "/api/private", "Basic dXNlcjpwYXNz", schemeDes, "not_bearer"},
		{"no scheme, the token alone", "/api/private", readToken, schemeDes, "not_bearer"},
		{"scheme glued to the token", "/api/private", "Bearer" + readToken, schemeDes, "not_bearer"},
		{"scheme with a letter after the token characters", "/api/private", "Bearers " + readToken, schemeDes, "not_bearer"},
		// A token in the query is the hint, whatever else the header holds:
		// following the scheme's hint alone would end in a 400 (two methods).
		{"another scheme and a query token", "/api/private?access_token=" + readToken, "Token " + readToken, queryDesc, "token_in_query"},
		{"Basic credentials and a query token", "/api/private?access_token=" + readToken, "Basic dXNlcjpwYXNz", queryDesc, "token_in_query"},
		{"no scheme and a query token", "/api/private?access_token=" + readToken, readToken, queryDesc, "token_in_query"},
		// A client whose token variable is empty sends an empty header: no
		// credentials, and a token in the query still gets its hint.
		{"an empty Authorization header", "/api/private", empty, plainDesc, "no_token"},
		{"an empty Authorization header and a query token", "/api/private?access_token=" + readToken, empty, queryDesc, "token_in_query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			switch tt.auth {
			case "":
			case empty:
				req.Header.Set("Authorization", "")
			default:
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("got status %d, want 401", rec.Code)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != realm {
				t.Errorf("got WWW-Authenticate %q, want %q", got, realm)
			}
			var body struct {
				Error            string `json:"error"`
				ErrorDescription string `json:"error_description"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", rec.Body, err)
			}
			if body.Error != "unauthorized" || body.ErrorDescription != tt.wantDesc {
				t.Errorf("got body %+v, want error unauthorized, description %q", body, tt.wantDesc)
			}
			entries := logs.All()
			if len(entries) != 1 {
				t.Fatalf("got %d log lines, want 1", len(entries))
			}
			if got := entries[0].ContextMap()["reason"]; got != tt.wantReason {
				t.Errorf("got access-log reason %v, want %q", got, tt.wantReason)
			}
		})
	}
}
