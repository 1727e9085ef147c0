package auth0_test

import (
	"crypto/rsa"
	"testing"

	"github.com/example/messages-api/internal/ports"
)

// TestVerifierClaimShapes: claims whose JSON type or presence the library
// takes too laxly, each refused by the pre-parse checks before any key
// lookup, and the shapes next to them that stay accepted.
func TestVerifierClaimShapes(t *testing.T) {
	keys := vtKeys()
	static := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &keys.main.PublicKey}}
	withPermissions := func(c *vtConfig) { c.Permissions = true }
	both := vtClaimsWant("read:messages", "write:messages")
	tests := []vtCase{
		// A null inside a string array is not a string (RFC 7519 §4.1.3 for
		// aud); go-jose reads it as "" in permissions, a scope nobody sent.
		{name: "permissions with a null element", cfg: withPermissions, token: vtToken(nil, vtObj{"permissions": []any{nil, "read:messages"}}), reason: ports.ReasonInvalidClaim},
		{name: "permissions null element only", cfg: withPermissions, token: vtToken(nil, vtObj{"permissions": []any{nil}}), reason: ports.ReasonInvalidClaim},
		{name: "permissions with a null element, RBAC off", token: vtToken(nil, vtObj{"permissions": []any{"read:messages", nil}}), reason: ports.ReasonInvalidClaim},
		{name: "permissions null is no permissions", cfg: withPermissions, token: vtToken(nil, vtObj{"permissions": nil}), want: both},
		{name: "aud array with a null element", token: vtToken(nil, vtObj{"aud": []any{nil, vtAudience}}), reason: ports.ReasonInvalidClaim},
		{name: "aud array of one null", token: vtToken(nil, vtObj{"aud": []any{nil}}), reason: ports.ReasonInvalidClaim},
		{name: "aud array with a repeated audience", token: vtToken(nil, vtObj{"aud": []string{vtAudience, vtAudience}}), want: both},

		// RFC 9068 §2.2 requires sub and iat, and Auth0 puts both in every
		// access token: without sub a caller has no identity at all.
		{name: "sub missing", token: vtToken(nil, vtObj{"sub": vtDel}), reason: ports.ReasonMissingClaim},
		{name: "sub null", token: vtToken(nil, vtObj{"sub": nil}), reason: ports.ReasonMissingClaim},
		{name: "sub empty", token: vtToken(nil, vtObj{"sub": ""}), reason: ports.ReasonMissingClaim},
		{name: "iat missing", token: vtToken(nil, vtObj{"iat": vtDel}), reason: ports.ReasonMissingClaim},
		{name: "iat null", token: vtToken(nil, vtObj{"iat": nil}), reason: ports.ReasonMissingClaim},
		{name: "iat zero is present", token: vtToken(nil, vtObj{"iat": 0}), want: both},
		{name: "nbf null is no nbf", token: vtToken(nil, vtObj{"nbf": nil}), want: both},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { vtRun(t, vtBaseConfig(), static, tc) })
	}
}
