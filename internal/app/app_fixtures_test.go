package app_test

// Fixtures shared by the app's tests: the fake verifier's tokens and the
// wait for a condition seen from outside the app.

import (
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/domain"
)

func testVerifier() *authtest.Verifier {
	return authtest.New(map[string]domain.Claims{
		"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}},
		"nobody": {Subject: "nobody@clients"},
	})
}

// waitFor polls cond until it holds. Its bound only detects a hang: the
// conditions waited for come true by themselves, however slowly a loaded
// CI machine gets there (a binary starting up and fetching its tenant's
// keys on two busy cores can take seconds).
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	const hang = 60 * time.Second
	deadline := time.Now().Add(hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("got no %s within %s", what, hang)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
