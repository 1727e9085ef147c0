package devtenant

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"
)

func TestTokenIssuance(t *testing.T) {
	tn, logs := startTenant(t, nil)
	pub, kid := fetchKey(t, tn)
	iss := tn.Issuer()
	// A body of exactly maxBodyBytes, the most allowed, unknown parameter included.
	atCap := form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience) + "&padding="
	atCap += strings.Repeat("a", maxBodyBytes-len(atCap))

	for _, tc := range []struct {
		tokenCase
		wantClient string
		wantScope  string // "" = no scope member in the response or the token
	}{
		{
			tokenCase: tokenCase{name: "form client_secret_post", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "form with charset", contentType: ctForm + "; charset=UTF-8",
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "json", contentType: ctJSON,
				body: jsonBody(t, "grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "json with unknown member", contentType: ctJSON + "; charset=utf-8",
				body: `{"grant_type":"client_credentials","client_id":"` + readerID + `","client_secret":"` + readerSecret + `","audience":"` + testAudience + `","extra":"ignored"}`},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth", contentType: ctForm,
				body:  form("grant_type", "client_credentials", "audience", testAudience),
				basic: &[2]string{readerID, readerSecret}},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth with matching client_id in body", contentType: ctForm,
				body:  form("grant_type", "client_credentials", "client_id", readerID, "audience", testAudience),
				basic: &[2]string{readerID, readerSecret}},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth form-encoded per RFC 6749", contentType: ctJSON,
				body:  jsonBody(t, "grant_type", "client_credentials", "audience", testAudience),
				basic: &[2]string{url.QueryEscape(oddID), url.QueryEscape(oddSecret)}},
			wantClient: oddID, wantScope: "read:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth not encoded (curl -u)", contentType: ctForm,
				body:  form("grant_type", "client_credentials", "audience", testAudience),
				basic: &[2]string{oddID, oddSecret}},
			wantClient: oddID, wantScope: "read:messages",
		},
		{
			tokenCase: tokenCase{name: "odd secret in form body", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", oddID, "client_secret", oddSecret, "audience", testAudience)},
			wantClient: oddID, wantScope: "read:messages",
		},
		{
			// Auth0 gives a client every scope it was granted, whatever it asks for.
			tokenCase: tokenCase{name: "requested subset of scopes: all granted", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience, "scope", "read:messages")},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "requested all scopes, reordered and repeated", contentType: ctJSON,
				body: jsonBody(t, "grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience, "scope", " write:messages  read:messages write:messages ")},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "empty scope parameter means all granted", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience, "scope", "")},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase:  tokenCase{name: "body of exactly the cap", contentType: ctForm, body: atCap},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "grant without scopes", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", noScopeID, "client_secret", noScopeSec, "audience", testAudience)},
			wantClient: noScopeID, wantScope: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := postToken(t, tn, tc.tokenCase)
			if res.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", res.status, res.body)
			}
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if got := res.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", got)
			}
			body := decodeJSON(t, res.body)
			wantKeys := []string{"access_token", "expires_in", "token_type"}
			if tc.wantScope != "" {
				wantKeys = append(wantKeys, "scope")
			}
			slices.Sort(wantKeys)
			if got := keysOf(body); !slices.Equal(got, wantKeys) {
				t.Errorf("response members: got %v, want %v", got, wantKeys)
			}
			if got := body["token_type"]; got != "Bearer" {
				t.Errorf("token_type: got %v, want Bearer", got)
			}
			if got := body["expires_in"]; got != float64(86400) {
				t.Errorf("expires_in: got %v, want 86400", got)
			}
			if tc.wantScope != "" && body["scope"] != tc.wantScope {
				t.Errorf("scope: got %v, want %q", body["scope"], tc.wantScope)
			}
			token, _ := body["access_token"].(string)

			header, claims := verifyToken(t, token, pub)
			wantHeader := map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}
			if !maps.Equal(header, wantHeader) {
				t.Errorf("JWS header: got %v, want %v", header, wantHeader)
			}
			wantClaims := map[string]any{
				"iss": iss,
				"sub": tc.wantClient + "@clients",
				"aud": testAudience,
				"iat": float64(fixedNow.Unix()),
				"exp": float64(fixedNow.Add(24 * time.Hour).Unix()),
				"azp": tc.wantClient,
				"gty": "client-credentials",
			}
			if tc.wantScope != "" {
				wantClaims["scope"] = tc.wantScope
			}
			if !maps.Equal(claims, wantClaims) {
				t.Errorf("claims: got %v, want %v", claims, wantClaims)
			}

			// One log line per issued token, naming client, audience and scopes.
			entries := logs.TakeAll()
			assertNoSecretsLogged(t, entries)
			var issued []observer.LoggedEntry
			for _, e := range entries {
				if e.Message == "issued access token" {
					issued = append(issued, e)
				}
			}
			if len(issued) != 1 {
				t.Fatalf("issued-token log lines: got %d, want 1", len(issued))
			}
			fields := issued[0].ContextMap()
			if fields["client_id"] != tc.wantClient || fields["audience"] != testAudience {
				t.Errorf("issued-token log: got client_id=%v audience=%v, want %s %s", fields["client_id"], fields["audience"], tc.wantClient, testAudience)
			}
			if got, want := fmt.Sprint(fields["scopes"]), fmt.Sprint(strings.Fields(tc.wantScope)); got != want {
				t.Errorf("issued-token log scopes: got %s, want %s", got, want)
			}
		})
	}
}

func TestTokenTTL(t *testing.T) {
	tn, _ := startTenant(t, func(c *Config) { c.TokenTTL = 90 * time.Second })
	pub, _ := fetchKey(t, tn)
	res := postToken(t, tn, tokenCase{contentType: ctForm,
		body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)})
	body := decodeJSON(t, res.body)
	if got := body["expires_in"]; got != float64(90) {
		t.Errorf("expires_in: got %v, want 90", got)
	}
	_, claims := verifyToken(t, body["access_token"].(string), pub)
	if got, want := claims["exp"].(float64)-claims["iat"].(float64), float64(90); got != want {
		t.Errorf("exp-iat: got %v, want %v", got, want)
	}
}
