package auth0_test

import (
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// An escaped lone surrogate reads as U+FFFD wherever it stands, as go-jose
// reads it: in aud and permissions too, whose elements the pre-parse
// decoder reads with decoders of their own.
func TestVerifierLoneSurrogateInArrays(t *testing.T) {
	keys := vtKeys()
	static := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &keys.main.PublicKey}}
	raw := func(payloadJSON string) string { return vtSign(vtRS256(keys.main), vtHeader(nil), payloadJSON) }
	claims := vtClaims(nil)
	withPermissions := func(c *vtConfig) { c.Permissions = true }
	tests := []vtCase{
		{name: "aud array: ours and another with a lone surrogate", token: raw(strings.Replace(claims, `"aud":"`+vtAudience+`"`, `"aud":["`+vtAudience+`","urn:x\ud83d"]`, 1)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "aud string with a lone surrogate is another audience", token: raw(strings.Replace(claims, `"aud":"`+vtAudience+`"`, `"aud":"`+vtAudience+`\ud83d"`, 1)), reason: ports.ReasonWrongAudience},
		{name: "permissions with a lone surrogate read as U+FFFD", cfg: withPermissions, token: raw(strings.Replace(claims, `{`, `{"permissions":["read:messages","x\udc00"],`, 1)),
			want: &domain.Claims{Subject: vtSubject, Scopes: []string{"read:messages", "write:messages", "read:messages", "x\ufffd"}}},
		{name: "raw invalid UTF-8 in an aud element", token: raw(strings.Replace(claims, `"aud":"`+vtAudience+`"`, `"aud":["`+vtAudience+`","`+"\xed\xa0\xbd"+`"]`, 1)), reason: ports.ReasonMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vtRun(t, vtBaseConfig(), static, tc)
		})
	}
}
