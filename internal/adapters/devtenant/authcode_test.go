package devtenant

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestAuthorizationCodeSecurity is the security table of the code flow:
// each case must be refused with the RFC's error, never a token.
func TestAuthorizationCodeSecurity(t *testing.T) {
	tn, logs, clock := startTenantWithClock(t, withUsers)
	const scope = "openid offline_access read:messages"
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })

	type result struct {
		status int
		body   map[string]any
	}
	tests := []struct {
		name      string
		run       func(t *testing.T) result
		wantError string
	}{
		{"wrong code_verifier", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, randomToken()))
			return result{s, b}
		}, "invalid_grant"},
		{"reused code", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			if s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier)); s != http.StatusOK {
				t.Fatalf("first redemption: got %d %v, want 200", s, b)
			}
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"code spent by a failed redemption", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			postForm(t, tn, redeem(spaID, code, spaRedirect, randomToken()))
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"expired code", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			clock.advance(codeTTL)
			defer clock.advance(-codeTTL)
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"redirect_uri mismatch at exchange", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, "http://localhost:3000/other", verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"code of one client redeemed by another", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, cliID, cliRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, cliRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"code redeemed by an m2m client", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(readerID, code, spaRedirect, verifier))
			return result{s, b}
		}, "unauthorized_client"},
		// Codes and refresh tokens are looked up by their whole value.
		{"code with its last character changed", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, lastChanged(code), spaRedirect, verifier))
			return result{s, b}
		}, "invalid_grant"},
		{"refresh token with its last character changed", func(t *testing.T) result {
			s, b := postForm(t, tn, refreshForm(spaID, lastChanged(refreshTokenFor(t, tn, scope))))
			return result{s, b}
		}, "invalid_grant"},
		{"unknown code", func(t *testing.T) result {
			s, b := postForm(t, tn, redeem(spaID, randomToken(), spaRedirect, randomToken()))
			return result{s, b}
		}, "invalid_grant"},
		{"verifier too short", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, "short"))
			return result{s, b}
		}, "invalid_request"},
		{"missing code_verifier", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			form := redeem(spaID, code, spaRedirect, "")
			form.Del("code_verifier")
			s, b := postForm(t, tn, form)
			return result{s, b}
		}, "invalid_request"},
		{"repeated code_verifier", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			form := redeem(spaID, code, spaRedirect, verifier)
			form.Add("code_verifier", randomToken())
			s, b := postForm(t, tn, form)
			return result{s, b}
		}, "invalid_request"},
		{"code_verifier with a character outside RFC 7636", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, strings.Repeat("a", 42)+"+"))
			return result{s, b}
		}, "invalid_request"},
		{"code_verifier too long", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, strings.Repeat("a", 129)))
			return result{s, b}
		}, "invalid_request"},
		{"the challenge sent as the verifier (plain)", func(t *testing.T) result {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, oauth2.S256ChallengeFromVerifier(verifier)))
			return result{s, b}
		}, "invalid_grant"},
		{"verifier of another login", func(t *testing.T) result {
			code, _ := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			_, other := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, other))
			return result{s, b}
		}, "invalid_grant"},
		{"refresh token reuse revokes the family", func(t *testing.T) result {
			rt1 := refreshTokenFor(t, tn, scope)
			s, b := postForm(t, tn, refreshForm(spaID, rt1))
			rt2, _ := b["refresh_token"].(string)
			if s != http.StatusOK || rt2 == "" || rt2 == rt1 {
				t.Fatalf("first refresh: got %d and a rotated token %v, want 200 and a new token", s, rt2 != "" && rt2 != rt1)
			}
			if s, b := postForm(t, tn, refreshForm(spaID, rt1)); s != http.StatusBadRequest || b["error"] != "invalid_grant" {
				t.Errorf("reuse of the spent token: got %d %v, want 400 invalid_grant", s, b["error"])
			}
			// The token rotated in before the reuse dies with its family.
			s, b = postForm(t, tn, refreshForm(spaID, rt2))
			return result{s, b}
		}, "invalid_grant"},
		{"refresh token of another client", func(t *testing.T) result {
			s, b := postForm(t, tn, refreshForm(cliID, refreshTokenFor(t, tn, scope)))
			return result{s, b}
		}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.run(t)
			if got.status != http.StatusBadRequest || got.body["error"] != tt.wantError {
				t.Errorf("got %d %v (%v), want 400 %s", got.status, got.body["error"], got.body["error_description"], tt.wantError)
			}
			if _, ok := got.body["access_token"]; ok {
				t.Errorf("got an access token, want none")
			}
		})
	}
}

// lastChanged is s with its last character replaced by another.
func lastChanged(s string) string {
	last := byte('A')
	if strings.HasSuffix(s, "A") {
		last = 'B'
	}
	return s[:len(s)-1] + string(last)
}

// TestExchangeMissingParameter: each parameter the exchange requires is
// named when it is missing (RFC 6749 section 4.1.3, RFC 7636 section
// 4.5), as invalid_request, not as a code or verifier that failed.
func TestExchangeMissingParameter(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, name := range []string{"code", "redirect_uri", "code_verifier"} {
		t.Run(name, func(t *testing.T) {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid", "reader")
			form := redeem(spaID, code, spaRedirect, verifier)
			form.Del(name)
			s, b := postForm(t, tn, form)
			if want := "Missing required parameter: " + name; s != http.StatusBadRequest || b["error"] != "invalid_request" || b["error_description"] != want {
				t.Errorf("got %d %v %q, want 400 invalid_request %q", s, b["error"], b["error_description"], want)
			}
		})
	}
}

// TestVerifierShape: a code_verifier is 43 to 128 characters of A-Z a-z
// 0-9 - . _ ~ (RFC 7636 section 4.1). One outside that is refused as
// invalid_request even when its challenge was the one sent, so a client
// learns the rule at the dev tenant rather than at Auth0.
func TestVerifierShape(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct {
		name, verifier string
		wantError      string // "" = tokens
	}{
		{"43 characters with every symbol", "-._~" + strings.Repeat("aZ9", 13), ""},
		{"128 characters", strings.Repeat("v", 128), ""},
		{"42 characters", strings.Repeat("v", 42), "invalid_request"},
		{"129 characters", strings.Repeat("v", 129), "invalid_request"},
		{"a plus sign", strings.Repeat("v", 42) + "+", "invalid_request"},
		{"a slash", strings.Repeat("v", 42) + "/", "invalid_request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			params, _ := authParams(spaID, spaRedirect, "openid")
			params.Set("code_challenge", oauth2.S256ChallengeFromVerifier(tt.verifier))
			q := redirectQuery(t, postLogin(t, tn, params, "reader", "reader-password"))
			s, b := postForm(t, tn, redeem(spaID, q.Get("code"), spaRedirect, tt.verifier))
			switch {
			case tt.wantError == "" && (s != http.StatusOK || b["access_token"] == nil):
				t.Errorf("got %d %v (%v), want 200 with tokens", s, b["error"], b["error_description"])
			case tt.wantError != "" && (s != http.StatusBadRequest || b["error"] != tt.wantError):
				t.Errorf("got %d %v (%v), want 400 %s", s, b["error"], b["error_description"], tt.wantError)
			}
		})
	}
}

// TestCodeReuseSaysWhy: a code presented again is refused either way, but
// the answer says whether its first redemption issued tokens (now revoked)
// or was itself refused (nothing to revoke), and only a real reuse is
// warned about as a theft.
func TestCodeReuseSaysWhy(t *testing.T) {
	tests := []struct {
		name      string
		first     func(code, verifier string) url.Values
		firstWant int
		wantDesc  string
		wantWarn  bool
	}{
		{"after tokens were issued", func(code, verifier string) url.Values {
			return redeem(spaID, code, spaRedirect, verifier)
		}, http.StatusOK, "Invalid authorization code: it was already used, so the refresh tokens it issued are revoked", true},
		{"after a wrong verifier", func(code, _ string) url.Values {
			return redeem(spaID, code, spaRedirect, randomToken())
		}, http.StatusBadRequest, "Invalid authorization code: it was presented before and refused; a code is single-use, so start a new login", false},
		{"after a wrong redirect_uri", func(code, verifier string) url.Values {
			return redeem(spaID, code, "http://localhost:3000/other", verifier)
		}, http.StatusBadRequest, "Invalid authorization code: it was presented before and refused; a code is single-use, so start a new login", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn, logs := startTenant(t, withUsers)
			code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid offline_access", "reader")
			if s, b := postForm(t, tn, tt.first(code, verifier)); s != tt.firstWant {
				t.Fatalf("first redemption: got %d %v, want %d", s, b, tt.firstWant)
			}
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			if s != http.StatusBadRequest || b["error"] != "invalid_grant" || b["error_description"] != tt.wantDesc {
				t.Errorf("second redemption: got %d %v %q, want 400 invalid_grant %q", s, b["error"], b["error_description"], tt.wantDesc)
			}
			warned := logs.FilterMessageSnippet("reused").Len() > 0
			if warned != tt.wantWarn {
				t.Errorf("reuse warning logged: got %v, want %v", warned, tt.wantWarn)
			}
		})
	}
}
