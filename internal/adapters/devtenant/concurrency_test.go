package devtenant

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"
)

// TestConcurrentRedemption: presentations of one code (or one refresh
// token) at the same moment give exactly one set of tokens; the others are
// invalid_grant and, being reuses, revoke what the winner got (RFC 6749
// section 4.1.2; refresh token rotation).
func TestConcurrentRedemption(t *testing.T) {
	tn, logs := startTenant(t, withUsers)
	t.Cleanup(func() { assertNoSecretsLogged(t, logs.All()) })
	const scope, racers = "openid offline_access read:messages", 8
	// One connection per request, closed after it: no spare connection
	// left open to hold up the tenant's graceful stop.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	// race posts form racers times at once, released together by a gate.
	race := func(t *testing.T, form url.Values) (wins []map[string]any, losses []string) {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			gate = make(chan struct{})
		)
		for range racers {
			req := newRequest(t, http.MethodPost, tn.Issuer()+"oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", ctForm)
			wg.Go(func() {
				<-gate
				res, err := client.Do(req)
				if err != nil {
					t.Errorf("POST: %v", err)
					return
				}
				defer res.Body.Close()
				body, err := io.ReadAll(res.Body)
				var b map[string]any
				if err == nil {
					err = json.Unmarshal(body, &b)
				}
				if err != nil {
					t.Errorf("body %q: %v", body, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if res.StatusCode == http.StatusOK {
					wins = append(wins, b)
				} else {
					e, _ := b["error"].(string)
					losses = append(losses, http.StatusText(res.StatusCode)+" "+e)
				}
			})
		}
		close(gate)
		wg.Wait()
		return wins, losses
	}
	check := func(t *testing.T, wins []map[string]any, losses []string) string {
		t.Helper()
		if len(wins) != 1 {
			t.Fatalf("got %d answers with tokens, want exactly 1", len(wins))
		}
		for _, l := range losses {
			if l != "Bad Request invalid_grant" {
				t.Errorf("got a refusal %q, want Bad Request invalid_grant", l)
			}
		}
		rt, _ := wins[0]["refresh_token"].(string)
		return rt
	}

	t.Run("one code", func(t *testing.T) {
		code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
		wins, losses := race(t, redeem(spaID, code, spaRedirect, verifier))
		rt := check(t, wins, losses)
		if s, b := postForm(t, tn, refreshForm(spaID, rt)); s != http.StatusBadRequest || b["error"] != "invalid_grant" {
			t.Errorf("refresh token of the raced code: got %d %v, want 400 invalid_grant", s, b["error"])
		}
	})
	t.Run("one refresh token", func(t *testing.T) {
		wins, losses := race(t, refreshForm(spaID, refreshTokenFor(t, tn, scope)))
		rt := check(t, wins, losses)
		if s, b := postForm(t, tn, refreshForm(spaID, rt)); s != http.StatusBadRequest || b["error"] != "invalid_grant" {
			t.Errorf("refresh token rotated by the race's winner: got %d %v, want 400 invalid_grant", s, b["error"])
		}
	})
}
