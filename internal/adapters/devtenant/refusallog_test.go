package devtenant

import (
	"fmt"
	"strings"
	"testing"
)

// TestRefusalLogsNoUnknownClientID: a client_id that names no client is
// not logged, nor a description that echoes it: people paste secrets into
// the wrong field, and an unknown id can be 64 KiB long. A registered id
// is logged.
func TestRefusalLogsNoUnknownClientID(t *testing.T) {
	const typed = "typed-in-the-wrong-field-9c1e"
	long := typed + strings.Repeat("x", 60<<10)
	tests := []struct {
		name   string
		body   string
		basic  *[2]string
		status int
	}{
		{"client_credentials", form("grant_type", "client_credentials", "client_id", typed, "client_secret", "s", "audience", testAudience), nil, 401},
		{"client_credentials via Basic", form("grant_type", "client_credentials", "audience", testAudience), &[2]string{typed, "s"}, 401},
		{"client_credentials, very long id", form("grant_type", "client_credentials", "client_id", long, "client_secret", "s", "audience", testAudience), nil, 401},
		{"client_credentials without a secret", form("grant_type", "client_credentials", "client_id", typed, "audience", testAudience), nil, 400},
		{"authorization_code", form("grant_type", "authorization_code", "client_id", typed, "code", "c", "redirect_uri", spaRedirect, "code_verifier", randomToken()), nil, 401},
		{"authorization_code via Basic", form("grant_type", "authorization_code", "code", "c"), &[2]string{typed, ""}, 401},
		{"refresh_token", form("grant_type", "refresh_token", "client_id", typed, "refresh_token", "r"), nil, 401},
		{"public grant with a secret", form("grant_type", "refresh_token", "client_id", typed, "client_secret", "s", "refresh_token", "r"), nil, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn, logs := startTenant(t, withUsers)
			res := postToken(t, tn, tokenCase{contentType: ctForm, body: tt.body, basic: tt.basic})
			if res.status != tt.status {
				t.Errorf("status: got %d, want %d (%s)", res.status, tt.status, res.body)
			}
			entries := logs.FilterMessage("token request refused").All()
			if len(entries) != 1 {
				t.Fatalf("got %d refusal log lines, want 1", len(entries))
			}
			for _, e := range logs.All() {
				if line := fmt.Sprint(e.ContextMap()); strings.Contains(line, typed) {
					t.Errorf("log entry %q %.200s: got the unknown client_id in it, want it left out", e.Message, line)
				}
			}
			if got := entries[0].ContextMap()["unknown_client"]; got != true {
				t.Errorf("unknown_client: got %v, want true", got)
			}
		})
	}
	t.Run("/authorize", func(t *testing.T) {
		tn, logs := startTenant(t, withUsers)
		params, _ := authParams(typed, spaRedirect, "openid")
		if res := authorizeGET(t, tn, params); res.status != 400 {
			t.Errorf("status: got %d, want 400", res.status)
		}
		entries := logs.FilterMessage("authorization refused").All()
		if len(entries) != 1 || entries[0].ContextMap()["unknown_client"] != true {
			t.Fatalf("got %v, want one refusal with unknown_client", entries)
		}
		if line := fmt.Sprint(entries[0].ContextMap()); strings.Contains(line, typed) {
			t.Errorf("log entry %q: got the unknown client_id in it, want it left out", line)
		}
	})
	t.Run("a registered client is named", func(t *testing.T) {
		tn, logs := startTenant(t, withUsers)
		postToken(t, tn, tokenCase{contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", "nope", "audience", testAudience)})
		entries := logs.FilterMessage("token request refused").All()
		if len(entries) != 1 || entries[0].ContextMap()["client_id"] != readerID {
			t.Errorf("got %v, want one refusal naming client_id %s", entries, readerID)
		}
	})
}
