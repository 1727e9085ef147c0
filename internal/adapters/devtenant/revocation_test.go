package devtenant

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestCodeReuseRevokes checks RFC 6749 section 4.1.2: a code presented a
// second time is refused and the refresh tokens it issued are revoked,
// since one of its two presenters stole it.
func TestCodeReuseRevokes(t *testing.T) {
	tn, logs := startTenant(t, withUsers)
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })
	const scope = "openid offline_access read:messages"
	for _, tt := range []struct {
		name  string
		reuse func(code, verifier string) (int, map[string]any)
	}{
		{"same verifier", func(code, verifier string) (int, map[string]any) {
			return postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		}},
		{"wrong verifier", func(code, _ string) (int, map[string]any) {
			return postForm(t, tn, redeem(spaID, code, spaRedirect, randomToken()))
		}},
		{"another client", func(code, verifier string) (int, map[string]any) {
			return postForm(t, tn, redeem(cliID, code, spaRedirect, verifier))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
			s, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
			rt, _ := b["refresh_token"].(string)
			if s != http.StatusOK || rt == "" {
				t.Fatalf("first redemption: got %d %v, want 200 with a refresh token", s, b["error"])
			}
			// A refresh before the reuse rotates; the rotated token dies too.
			s, b = postForm(t, tn, refreshForm(spaID, rt))
			rotated, _ := b["refresh_token"].(string)
			if s != http.StatusOK || rotated == "" {
				t.Fatalf("refresh: got %d %v, want 200 with a refresh token", s, b["error"])
			}
			if s, b := tt.reuse(code, verifier); s != http.StatusBadRequest || b["error"] != "invalid_grant" {
				t.Errorf("reused code: got %d %v, want 400 invalid_grant", s, b["error"])
			}
			if s, b := postForm(t, tn, refreshForm(spaID, rotated)); s != http.StatusBadRequest || b["error"] != "invalid_grant" {
				t.Errorf("refresh token of the reused code: got %d %v, want 400 invalid_grant", s, b["error"])
			}
		})
	}
	t.Run("other logins keep their tokens", func(t *testing.T) {
		other := refreshTokenFor(t, tn, scope)
		code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
		postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
		if s, b := postForm(t, tn, refreshForm(spaID, other)); s != http.StatusOK {
			t.Errorf("refresh token of another login: got %d %v, want 200", s, b["error"])
		}
	})
}

// TestRefreshScope checks RFC 6749 section 6 on a refresh: the scope
// parameter may narrow the grant, never widen it, and a request with
// nothing granted in it is invalid_scope, not a token without scope. A
// narrowed refresh still rotates the refresh token, and its log line says
// what was issued.
func TestRefreshScope(t *testing.T) {
	tn, logs := startTenant(t, withUsers)
	for _, tt := range []struct {
		scope      string
		wantStatus int
		wantScope  string // or the error code
	}{
		{"", http.StatusOK, "openid offline_access read:messages"},
		{"read:messages", http.StatusOK, "read:messages"},
		{"openid write:messages", http.StatusOK, "openid"},
		{"read:messages openid read:messages", http.StatusOK, "read:messages openid"},
		{"write:messages", http.StatusBadRequest, "invalid_scope"},
		{"write:messages delete:messages", http.StatusBadRequest, "invalid_scope"},
		{"   ", http.StatusOK, "openid offline_access read:messages"},
	} {
		t.Run(tt.scope, func(t *testing.T) {
			form := refreshForm(spaID, refreshTokenFor(t, tn, "openid offline_access read:messages"))
			form.Set("scope", tt.scope)
			s, b := postForm(t, tn, form)
			got, _ := b["scope"].(string)
			if s != http.StatusOK {
				got, _ = b["error"].(string)
			}
			if s != tt.wantStatus || got != tt.wantScope {
				t.Errorf("got %d %q (%v), want %d %q", s, got, b["error_description"], tt.wantStatus, tt.wantScope)
			}
			if s != http.StatusOK && b["access_token"] != nil {
				t.Error("got an access token with the refusal, want none")
			}
			if s == http.StatusOK {
				issued := logs.FilterMessage("issued user tokens").All()
				last := issued[len(issued)-1].ContextMap()
				if b["refresh_token"] == nil || last["refresh_token"] != true || strings.Join(toStrings(last["scopes"]), " ") != tt.wantScope {
					t.Errorf("got refresh token %v, logged refresh_token %v and scopes %v; want a rotated one, logged as issued, with scopes %q",
						b["refresh_token"] != nil, last["refresh_token"], last["scopes"], tt.wantScope)
				}
			}
			if s != http.StatusOK {
				// A refused scope leaves the token unspent: a retry is no reuse.
				form.Del("scope")
				if s, b := postForm(t, tn, form); s != http.StatusOK {
					t.Errorf("retry without scope: got %d %v, want 200", s, b["error"])
				}
			}
		})
	}
}

// TestGrantsBounded checks that loops of logins, refresh reuses and code
// reuses leave at most the cap of entries in memory, revoked families
// included.
func TestGrantsBounded(t *testing.T) {
	const rounds = 3*maxPending + 500
	for _, tt := range []struct {
		name  string
		round func(g *grants)
	}{
		{"refresh token reused", func(g *grants) {
			rt := g.issueRefresh("c", nil, grant{})
			g.spendRefresh(rt, "c", nil)
			g.spendRefresh(rt, "c", nil)
		}},
		{"code reused", func(g *grants) {
			code := g.issueCode(authCode{clientID: "c"})
			_, fam, _ := g.takeCode(code, func(*authCode) bool { return true })
			g.issueRefresh("c", fam, grant{})
			g.takeCode(code, func(*authCode) bool { return true })
		}},
		{"sessions", func(g *grants) { g.startSession(session{}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGrants()
			for range rounds {
				tt.round(g)
			}
			if got := g.size(); got > 3*maxPending {
				t.Errorf("got %d entries after %d rounds, want at most %d", got, rounds, 3*maxPending)
			}
		})
	}
}

// size is the number of entries g holds, for the tests of the cap.
func (g *grants) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.codes) + len(g.refresh) + len(g.sessions)
}

// toStrings is a logged zap.Strings field as the observer's context map
// holds it.
func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, e := range l {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}
