package devtenant

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// TestUserTokens checks Auth0's user-token shape, the ID token and the
// scope intersection for each dev user.
func TestUserTokens(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	pub, _ := fetchKey(t, tn)
	for _, tt := range []struct {
		user      string
		wantScope string
		wantPerms []any
	}{
		{"reader", "openid profile offline_access read:messages", []any{"read:messages"}},
		{"nobody", "openid profile offline_access", []any{}},
	} {
		t.Run(tt.user, func(t *testing.T) {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid profile offline_access read:messages write:messages", tt.user)
			status, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			if status != http.StatusOK {
				t.Fatalf("got %d %v, want 200", status, body)
			}
			if body["scope"] != tt.wantScope || body["token_type"] != "Bearer" || body["refresh_token"] == nil {
				t.Errorf("response: got scope %v, token_type %v, refresh token %v; want %q, Bearer, one", body["scope"], body["token_type"], body["refresh_token"] != nil, tt.wantScope)
			}
			_, at := verifyToken(t, body["access_token"].(string), pub)
			want := map[string]any{
				"iss": tn.Issuer(), "sub": "auth0|" + tt.user, "aud": []string{testAudience, tn.Issuer() + "userinfo"}, "azp": spaID, "scope": tt.wantScope,
				"iat": float64(fixedNow.Unix()), "exp": float64(fixedNow.Add(DefaultTokenTTL).Unix()), "permissions": tt.wantPerms,
			}
			if got, wantKeys := keysOf(at), keysOf(want); !slices.Equal(got, wantKeys) {
				t.Errorf("access token claims: got %v, want %v", got, wantKeys)
			}
			for k, w := range want {
				if fmt.Sprint(at[k]) != fmt.Sprint(w) {
					t.Errorf("access token %s: got %v, want %v", k, at[k], w)
				}
			}
			_, id := verifyToken(t, body["id_token"].(string), pub)
			wantID := map[string]any{"iss": tn.Issuer(), "sub": "auth0|" + tt.user, "aud": spaID, "azp": spaID, "nonce": "n-0S6", "name": tt.user}
			for k, w := range wantID {
				if id[k] != w {
					t.Errorf("id token %s: got %v, want %v", k, id[k], w)
				}
			}
			if id["exp"] != float64(fixedNow.Add(idTokenTTL).Unix()) || id["iat"] != float64(fixedNow.Unix()) {
				t.Errorf("id token iat/exp: got %v/%v, want now/now+10h", id["iat"], id["exp"])
			}
		})
	}
	t.Run("no openid, no offline_access", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "read:messages", "reader")
		_, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		if body["id_token"] != nil || body["refresh_token"] != nil || body["access_token"] == nil {
			t.Fatalf("got id_token %v, refresh_token %v; want only an access token", body["id_token"] != nil, body["refresh_token"] != nil)
		}
		if _, at := verifyToken(t, body["access_token"].(string), pub); at["aud"] != testAudience {
			t.Errorf("access token aud without openid: got %v, want the string %s", at["aud"], testAudience)
		}
	})
	t.Run("openid without profile: no name", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid read:messages", "reader")
		_, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		_, id := verifyToken(t, body["id_token"].(string), pub)
		if id["name"] != nil || id["nickname"] != nil {
			t.Errorf("id token: got name %v, nickname %v; want neither without profile", id["name"], id["nickname"])
		}
	})
	t.Run("a scope repeated at /authorize is granted once", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid read:messages  openid read:messages", "reader")
		if _, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier)); body["scope"] != "openid read:messages" {
			t.Errorf("got scope %v, want %q", body["scope"], "openid read:messages")
		}
	})
	t.Run("refresh narrows the scope to the grant", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid offline_access read:messages", "nobody")
		_, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		form := refreshForm(spaID, body["refresh_token"].(string))
		form.Set("scope", "openid read:messages") // read:messages was never granted to nobody
		status, body := postForm(t, tn, form)
		if status != http.StatusOK || body["scope"] != "openid" || body["refresh_token"] == nil {
			t.Fatalf("got %d scope %v, refresh token %v; want 200, scope openid and a new refresh token", status, body["scope"], body["refresh_token"] != nil)
		}
		// The rotated token still carries the whole grant.
		if status, body := postForm(t, tn, refreshForm(spaID, body["refresh_token"].(string))); status != http.StatusOK || body["scope"] != "openid offline_access" {
			t.Errorf("next refresh: got %d scope %v, want 200 and openid offline_access", status, body["scope"])
		}
	})
	t.Run("refresh keeps the grant, drops the nonce", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid offline_access read:messages", "reader")
		_, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		status, body := postForm(t, tn, refreshForm(spaID, body["refresh_token"].(string)))
		if status != http.StatusOK || body["scope"] != "openid offline_access read:messages" {
			t.Fatalf("got %d scope %v, want 200 and the original scope", status, body["scope"])
		}
		if _, id := verifyToken(t, body["id_token"].(string), pub); id["nonce"] != nil {
			t.Errorf("refreshed id token nonce: got %v, want none", id["nonce"])
		}
	})
}

// TestUserTokensWithoutRBAC: without RBAC, as at Auth0, a user's access
// token carries no permissions claim, only the granted scope.
func TestUserTokensWithoutRBAC(t *testing.T) {
	tn, _ := startTenant(t, func(c *Config) { withUsers(c); c.RBAC = false })
	pub, _ := fetchKey(t, tn)
	code, verifier := codeFor(t, tn, spaID, spaRedirect, "openid read:messages", "reader")
	status, body := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
	if status != http.StatusOK {
		t.Fatalf("got %d %v, want 200", status, body)
	}
	if _, at := verifyToken(t, body["access_token"].(string), pub); at["permissions"] != nil || at["scope"] != "openid read:messages" {
		t.Errorf("access token: got permissions %v and scope %v, want none and %q", at["permissions"], at["scope"], "openid read:messages")
	}
}
