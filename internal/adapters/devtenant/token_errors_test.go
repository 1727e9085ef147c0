package devtenant

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

func TestTokenErrors(t *testing.T) {
	tn, logs := startTenant(t, nil)
	padding := strings.Repeat("a", maxBodyBytes)
	valid := []string{"grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience}
	with := func(kv ...string) string {
		all := append(slices.Clone(valid), kv...)
		return form(all...)
	}

	for _, tc := range []struct {
		tokenCase
		method     string // "" = POST
		path       string // "" = oauth/token
		chunked    bool   // send the body without Content-Length
		wantStatus int
		wantError  string
		wantDesc   string // "" = any
	}{
		{tokenCase: tokenCase{name: "wrong secret", contentType: ctForm, body: with("client_secret", "nope")},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "wrong secret of another client", contentType: ctForm, body: with("client_secret", noScopeSec)},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "unknown client", contentType: ctForm, body: with("client_id", "who")},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "wrong secret via basic", contentType: ctForm,
			body: form("grant_type", "client_credentials", "audience", testAudience), basic: &[2]string{readerID, "nope"}},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "unknown public client via basic", contentType: ctForm,
			body: form("grant_type", "authorization_code"), basic: &[2]string{"who", ""}},
			wantStatus: 401, wantError: "invalid_client", wantDesc: "Unknown client: who"},
		{tokenCase: tokenCase{name: "unknown audience", contentType: ctForm, body: with("audience", "https://other.example")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "Service not enabled within domain: https://other.example"},
		{tokenCase: tokenCase{name: "missing audience", contentType: ctForm, body: with("audience", "")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "No audience parameter was provided, and no default audience has been configured"},
		{tokenCase: tokenCase{name: "bad grant_type", contentType: ctForm, body: with("grant_type", "password")},
			wantStatus: 400, wantError: "unsupported_grant_type", wantDesc: "Unsupported grant type: password"},
		{tokenCase: tokenCase{name: "missing grant_type", contentType: ctForm, body: with("grant_type", "")},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Missing required parameter: grant_type"},
		{tokenCase: tokenCase{name: "missing client_id", contentType: ctForm, body: with("client_id", "")},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Missing required parameter: client_id"},
		{tokenCase: tokenCase{name: "missing client_secret", contentType: ctForm, body: with("client_secret", "")},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Missing required parameter: client_secret"},
		{tokenCase: tokenCase{name: "scope not granted", contentType: ctForm, body: with("scope", "read:messages delete:messages admin")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "Client has not been granted scopes: delete:messages admin"},
		{tokenCase: tokenCase{name: "scope requested by client without grants", contentType: ctForm,
			body: form("grant_type", "client_credentials", "client_id", noScopeID, "client_secret", noScopeSec, "audience", testAudience, "scope", "read:messages")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "Client has not been granted scopes: read:messages"},
		// A JSON body is refused as specifically as a form, and no
		// description quotes it: a syntax error is located by byte offset.
		{tokenCase: tokenCase{name: "malformed JSON", contentType: ctJSON, body: `{"grant_type":"client_credentials",`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "The request body is not valid JSON (at byte 35)"},
		{tokenCase: tokenCase{name: "JSON bad escape", contentType: ctJSON, body: `{"client_secret":"` + readerSecret + `\x"}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: fmt.Sprintf("The request body is not valid JSON (at byte %d)", len(`{"client_secret":"`+readerSecret))},
		{tokenCase: tokenCase{name: "JSON array", contentType: ctJSON, body: `[]`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "The request body must be a JSON object"},
		{tokenCase: tokenCase{name: "JSON string", contentType: ctJSON, body: `"client_credentials"`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "The request body must be a JSON object"},
		{tokenCase: tokenCase{name: "JSON null", contentType: ctJSON, body: ` null `},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "The request body must be a JSON object"},
		{tokenCase: tokenCase{name: "JSON empty body", contentType: ctJSON},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "The request body is not valid JSON (at byte 0)"},
		{tokenCase: tokenCase{name: "JSON non-string value", contentType: ctJSON, body: `{"grant_type":"client_credentials","client_id":1}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter client_id must be a string"},
		{tokenCase: tokenCase{name: "JSON scope as an array", contentType: ctJSON, body: jsonBody(t, valid...)[:len(jsonBody(t, valid...))-1] + `,"scope":["read:messages"]}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter scope must be a string"},
		// json reads null into a string as no change: a null secret would
		// be refused as missing, a null scope taken as none asked for.
		{tokenCase: tokenCase{name: "JSON null secret", contentType: ctJSON,
			body: `{"grant_type":"client_credentials","client_id":"` + readerID + `","client_secret":null,"audience":"` + testAudience + `"}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter client_secret must be a string"},
		{tokenCase: tokenCase{name: "JSON null scope", contentType: ctJSON, body: jsonBody(t, valid...)[:len(jsonBody(t, valid...))-1] + `,"scope":null}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter scope must be a string"},
		{tokenCase: tokenCase{name: "JSON duplicate member", contentType: ctJSON,
			body: `{"grant_type":"client_credentials","client_id":"` + readerID + `","client_id":"x","client_secret":"` + readerSecret + `","audience":"` + testAudience + `"}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter included more than once: client_id"},
		{tokenCase: tokenCase{name: "JSON duplicate member, one escaped", contentType: ctJSON,
			body: `{"grant_type":"client_credentials","gr\u0061nt_type":"password"}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter included more than once: grant_type"},
		{tokenCase: tokenCase{name: "JSON duplicate member inside an unknown one", contentType: ctJSON, body: `{"extra":{"a":1,"a":2}}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "The request body is not valid JSON (at byte 16)"},
		{tokenCase: tokenCase{name: "JSON not UTF-8", contentType: ctJSON, body: `{"grant_type":"client_credentials","x":"` + "\xff" + `"}`},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameters must be valid UTF-8"},
		{tokenCase: tokenCase{name: "JSON trailing data", contentType: ctJSON, body: jsonBody(t, valid...) + `{}`},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "malformed form", contentType: ctForm, body: with() + "&x=%zz"},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "form value not UTF-8", contentType: ctForm, body: with() + "&x=%ff"},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameters must be valid UTF-8"},
		{tokenCase: tokenCase{name: "form name not UTF-8", contentType: ctForm, body: with() + "&%ff=x"},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameters must be valid UTF-8"},
		{tokenCase: tokenCase{name: "repeated form parameter", contentType: ctForm, body: with() + "&audience=" + url.QueryEscape(testAudience)},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter included more than once: audience"},
		{tokenCase: tokenCase{name: "missing content type", body: with()},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "unsupported content type", contentType: "text/plain", body: with()},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "basic auth and client_secret in body", contentType: ctForm, body: with(), basic: &[2]string{readerID, readerSecret}},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "basic auth with other client_id in body", contentType: ctForm,
			body: form("grant_type", "client_credentials", "client_id", noScopeID, "audience", testAudience), basic: &[2]string{readerID, readerSecret}},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "bearer authorization header", contentType: ctForm, body: with(),
			header: http.Header{"Authorization": {"Bearer abc"}}},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "The Authorization header must use the Basic scheme"},
		{tokenCase: tokenCase{name: "oversized body", contentType: ctForm, body: with("padding", padding)},
			wantStatus: 413, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "oversized chunked body", contentType: ctForm, body: with("padding", padding)}, chunked: true,
			wantStatus: 413, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "GET on /oauth/token"}, method: http.MethodGet,
			wantStatus: 405, wantError: "method_not_allowed"},
		{tokenCase: tokenCase{name: "POST on jwks"}, method: http.MethodPost, path: ".well-known/jwks.json",
			wantStatus: 405, wantError: "method_not_allowed"},
		{tokenCase: tokenCase{name: "unknown path"}, method: http.MethodGet, path: "oauth/authorize",
			wantStatus: 404, wantError: "not_found"},
		{tokenCase: tokenCase{name: "token path with trailing slash", contentType: ctForm, body: with()}, path: "oauth/token/",
			wantStatus: 404, wantError: "not_found"},
		// RFC 6749 section 2.3.1: credentials never in the URL, where logs and
		// histories keep them; every parameter goes in the body.
		{tokenCase: tokenCase{name: "parameters in the URL only", contentType: ctForm},
			path: "oauth/token?" + with(), wantStatus: 400, wantError: "invalid_request",
			wantDesc: "Parameters must be sent in the request body, not in the URL (RFC 6749 section 2.3.1)"},
		{tokenCase: tokenCase{name: "client_secret in the URL as well as the body", contentType: ctForm, body: with()},
			path: "oauth/token?client_secret=" + readerSecret, wantStatus: 400, wantError: "invalid_request",
			wantDesc: "Parameters must be sent in the request body, not in the URL (RFC 6749 section 2.3.1)"},
		{tokenCase: tokenCase{name: "an empty query", contentType: ctForm, body: with()},
			path: "oauth/token?", wantStatus: 400, wantError: "invalid_request",
			wantDesc: "Parameters must be sent in the request body, not in the URL (RFC 6749 section 2.3.1)"},
		{tokenCase: tokenCase{name: "HEAD on /oauth/token"}, method: http.MethodHead,
			wantStatus: 405, wantError: ""},
		{tokenCase: tokenCase{name: "PUT on /oauth/token", contentType: ctForm, body: with()}, method: http.MethodPut,
			wantStatus: 405, wantError: "method_not_allowed"},
		{tokenCase: tokenCase{name: "DELETE on /authorize"}, method: http.MethodDelete, path: "authorize",
			wantStatus: 405, wantError: "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method, path := cmp.Or(tc.method, http.MethodPost), cmp.Or(tc.path, "oauth/token")
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			res := sendToken(t, tn, method, path, body, tc.tokenCase)
			if res.status != tc.wantStatus {
				t.Errorf("status: got %d, want %d (body %s)", res.status, tc.wantStatus, res.body)
			}
			// Every error answer, whatever the path or method (RFC 6749
			// section 5.2 answers come from the token endpoint's URL).
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if method == http.MethodHead {
				return // no body
			}
			if got := res.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", got)
			}
			var e map[string]string
			if err := json.Unmarshal(res.body, &e); err != nil {
				t.Fatalf("body %s: got %v, want a JSON object of strings", res.body, err)
			}
			if got := slices.Sorted(maps.Keys(e)); !slices.Equal(got, []string{"error", "error_description"}) {
				t.Errorf("error members: got %v, want [error error_description]", got)
			}
			if e["error"] != tc.wantError {
				t.Errorf("error: got %q, want %q", e["error"], tc.wantError)
			}
			if tc.wantDesc != "" && e["error_description"] != tc.wantDesc {
				t.Errorf("error_description: got %q, want %q", e["error_description"], tc.wantDesc)
			}
			if e["error_description"] == "" {
				t.Errorf("error_description: got empty, want a description")
			}
			if tc.wantStatus == 405 && res.header.Get("Allow") == "" {
				t.Errorf("Allow: got empty, want the allowed methods")
			}
			if tc.basic != nil && tc.wantStatus == 401 && res.header.Get("WWW-Authenticate") == "" {
				t.Errorf("WWW-Authenticate after failed Basic auth: got empty, want a Basic challenge")
			}
			// RFC 6749 section 5.2 challenges only a client that tried
			// Basic; a challenge to a browser's fetch can raise a password
			// prompt.
			if tc.basic == nil && res.header.Get("WWW-Authenticate") != "" {
				t.Errorf("WWW-Authenticate without Basic auth: got %q, want none", res.header.Get("WWW-Authenticate"))
			}
		})
	}
	if n := logs.FilterMessage("issued access token").Len(); n != 0 {
		t.Errorf("issued-token log lines after only refusals: got %d, want 0", n)
	}
	assertNoSecretsLogged(t, logs.All())
}
