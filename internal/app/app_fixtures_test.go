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

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("got no %s within 5s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
