package httpapi

import "testing"

// TestChallengeScope: the scope auth-param is quoted like the others (RFC
// 6750 §3), so a scope is sanitised too: today's only scope is a constant,
// but one holding a quote must not end the quoted string.
func TestChallengeScope(t *testing.T) {
	h := &handler{realm: "r"}
	tests := []struct{ name, code, desc, scope, want string }{
		{"no credentials", "", "", "", `Bearer realm="r"`},
		{"a scope", "insufficient_scope", "d", "read:messages", `Bearer realm="r", error="insufficient_scope", error_description="d", scope="read:messages"`},
		{"two scopes", "insufficient_scope", "d", "read:messages write:messages", `Bearer realm="r", error="insufficient_scope", error_description="d", scope="read:messages write:messages"`},
		{"a scope with a quote and a backslash", "insufficient_scope", "d", `a", x="\y`, `Bearer realm="r", error="insufficient_scope", error_description="d", scope="a, x=y"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.challenge(tt.code, tt.desc, tt.scope); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
