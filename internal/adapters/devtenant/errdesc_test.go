package devtenant

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// hostile is a parameter value that an error message might echo: a quote,
// a backslash, a non-ASCII letter, a control character and length.
var hostile = "a\"b\\cü\x7fd\te" + strings.Repeat("x", 2000)

// checkDescription fails unless desc keeps RFC 6749 section 5.2's
// error_description alphabet (%x20-21 / %x23-5B / %x5D-7E) and stays short.
func checkDescription(t *testing.T, desc string) {
	t.Helper()
	if desc == "" {
		t.Fatal("got no error_description")
	}
	for i := 0; i < len(desc); i++ {
		if c := desc[i]; c < 0x20 || c == '"' || c == '\\' || c > 0x7e {
			t.Errorf("error_description byte %d is %#x, outside RFC 6749 section 5.2's set: %q", i, c, desc)
			break
		}
	}
	if len(desc) > maxDescription {
		t.Errorf("error_description is %d bytes, want at most %d", len(desc), maxDescription)
	}
}

// TestErrorDescriptions sends hostile values to every parameter an error
// echoes, at /oauth/token and in /authorize's redirected errors.
func TestErrorDescriptions(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	m2m := func(kv ...string) url.Values {
		f := url.Values{"grant_type": {"client_credentials"}, "client_id": {readerID}, "client_secret": {readerSecret}, "audience": {testAudience}}
		for i := 0; i < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	for _, tt := range []struct {
		name string
		form func() url.Values
	}{
		{"grant_type", func() url.Values { return url.Values{"grant_type": {hostile}} }},
		{"audience", func() url.Values { return m2m("audience", hostile) }},
		{"m2m scope", func() url.Values { return m2m("scope", hostile) }},
		{"public client_id", func() url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "client_id": {hostile}}
		}},
		{"refresh scope", func() url.Values {
			f := refreshForm(spaID, refreshTokenFor(t, tn, "openid offline_access"))
			f.Set("scope", hostile)
			return f
		}},
	} {
		t.Run("token/"+tt.name, func(t *testing.T) {
			status, body := postForm(t, tn, tt.form())
			if status < 400 || status > 499 {
				t.Fatalf("got status %d, want 4xx", status)
			}
			desc, _ := body["error_description"].(string)
			checkDescription(t, desc)
		})
	}
	for _, name := range []string{"response_type", "response_mode", "prompt", "scope", "audience", "code_challenge_method", "max_age"} {
		t.Run("authorize/"+name, func(t *testing.T) {
			params, _ := authParams(spaID, spaRedirect, "openid")
			params.Set(name, hostile)
			q := redirectQuery(t, authorizeGET(t, tn, params))
			checkDescription(t, q.Get("error_description"))
		})
	}
	t.Run("method", func(t *testing.T) {
		res := do(t, newRequest(t, strings.Repeat("M", 2000), tn.Issuer()+"oauth/token", nil))
		if res.status != http.StatusMethodNotAllowed {
			t.Fatalf("got status %d, want 405", res.status)
		}
		desc, _ := decodeJSON(t, res.body)["error_description"].(string)
		checkDescription(t, desc)
	})
	t.Run("authorize page", func(t *testing.T) {
		params, _ := authParams(hostile, spaRedirect, "openid")
		if res := authorizeGET(t, tn, params); res.status != http.StatusBadRequest || len(res.body) > 4096 {
			t.Errorf("got status %d and a %d-byte page, want 400 and a short page", res.status, len(res.body))
		}
	})
}
