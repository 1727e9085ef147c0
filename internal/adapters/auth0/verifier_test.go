package auth0_test

// Attack-driven tests for the production token verifier: one table of
// hand-built tokens (verifier_fixtures_test.go) through Verify.

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

func TestVerifierAttacks(t *testing.T) {
	keys := vtKeys()
	static := &vtStaticKeys{keys: map[string]*rsa.PublicKey{
		vtKid:                    &keys.main.PublicKey,
		strings.Repeat("k", 256): &keys.main.PublicKey,
	}}
	jku := vtNewListener(t)

	now := time.Now().Unix()
	mainRS := vtRS256(keys.main)
	valid := vtToken(nil, nil)
	validSegs := vtSegments(valid)

	pkixPEM, pkcs1PEM, der := vtPublicPEM(&keys.main.PublicKey)
	hs256 := func(secret []byte) string {
		return vtSign(vtHS256(secret), vtHeader(vtObj{"alg": "HS256"}), vtClaims(nil))
	}
	algNone := func(alg, sig string) string {
		return vtB64([]byte(vtHeader(vtObj{"alg": alg}))) + "." + vtB64([]byte(vtClaims(nil))) + "." + sig
	}
	attackerJWK := vtJWK(vtAttackerKid, &keys.attacker.PublicKey)
	attackerSigned := func(header vtObj) string {
		return vtSign(vtRS256(keys.attacker), vtHeader(header), vtClaims(nil))
	}
	raw := func(headerJSON, payloadJSON string) string { return vtSign(mainRS, headerJSON, payloadJSON) }
	defaultHeader := vtHeader(nil)

	// Exactly at and one byte over the size cap, with a padded valid token.
	padded := vtToken(nil, vtObj{"pad": strings.Repeat("x", 1200)})
	maxAt := func(n int) func(*vtConfig) { return func(c *vtConfig) { c.MaxTokenBytes = n } }

	// Non-canonical base64url in each segment, correctly signed where it
	// matters: a lenient decoder would accept these.
	ncHeader := vtNonCanonical(vtB64([]byte(vtPadTo3(defaultHeader))))
	ncPayload := vtNonCanonical(vtB64([]byte(vtPadTo3(vtClaims(nil)))))
	claims0 := vtClaims(nil)
	headerSeg := vtB64([]byte(defaultHeader))
	payloadSeg := vtB64([]byte(claims0))

	tampered := validSegs[0] + "." + vtB64([]byte(vtClaims(vtObj{"scope": "read:messages admin"}))) + "." + validSegs[2]

	jwsGeneral := fmt.Sprintf(`{"payload":%q,"signatures":[{"protected":%q,"signature":%q}]}`, validSegs[1], validSegs[0], validSegs[2])
	jwsFlattened := fmt.Sprintf(`{"payload":%q,"protected":%q,"signature":%q}`, validSegs[1], validSegs[0], validSegs[2])
	jweHeader := vtB64([]byte(vtJSON(vtObj{"alg": "RSA-OAEP", "enc": "A256GCM", "kid": vtKid})))
	jwe := jweHeader + "." + vtB64(make([]byte, 256)) + "." + vtB64(make([]byte, 12)) + "." + vtB64([]byte("ciphertext")) + "." + vtB64(make([]byte, 16))

	// Standard base64 with padding ("==" on the header) for every segment.
	stdHeader := base64.StdEncoding.EncodeToString([]byte(vtPadTo3(defaultHeader)))
	stdPayload := base64.StdEncoding.EncodeToString([]byte(claims0))
	stdToken := stdHeader + "." + stdPayload + "." + base64.StdEncoding.EncodeToString(mainRS(stdHeader+"."+stdPayload))

	// RFC 7797 framing: the signing input is BASE64URL(header) "." payload.
	b64FalseHeader := vtB64([]byte(vtHeader(vtObj{"b64": false})))
	b64False := b64FalseHeader + "." + payloadSeg + "." + vtB64(mainRS(b64FalseHeader+"."+claims0))

	withRequireAt := func(c *vtConfig) { c.RequireAtJWT = true }
	rfc9068 := vtObj{"jti": "j-1", "client_id": "vt-client"} // RFC 9068 §2.2's two claims the Auth0 profile lacks
	withPermissions := func(c *vtConfig) { c.Permissions = true }
	withAudiences := func(auds ...string) func(*vtConfig) {
		return func(c *vtConfig) { c.Audiences = auds }
	}
	bigLimit := maxAt(1 << 20)

	tests := []vtCase{
		// The happy paths, asserted exactly.
		{name: "valid token", token: valid, want: vtClaimsWant("read:messages", "write:messages")},
		{name: "scope with repeated and edge spaces splits on single spaces", token: vtToken(nil, vtObj{"scope": "  read:messages   write:messages "}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "scope tab is not a separator", token: vtToken(nil, vtObj{"scope": "read:messages\twrite:messages"}), want: vtClaimsWant("read:messages\twrite:messages")},
		{name: "no scope claim gives no scopes", token: vtToken(nil, vtObj{"scope": vtDel}), want: vtClaimsWant()},
		{name: "empty scope gives no scopes", token: vtToken(nil, vtObj{"scope": ""}), want: vtClaimsWant()},
		{name: "permissions ignored without Config.Permissions", token: vtToken(nil, vtObj{"permissions": []string{"delete:messages"}}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "permissions added with Config.Permissions", cfg: withPermissions, token: vtToken(nil, vtObj{"scope": "openid", "permissions": []string{"read:messages", "delete:messages"}}), want: vtClaimsWant("openid", "read:messages", "delete:messages")},
		{name: "permissions only with Config.Permissions", cfg: withPermissions, token: vtToken(nil, vtObj{"scope": vtDel, "permissions": []string{"read:messages"}}), want: vtClaimsWant("read:messages")},
		{name: "permissions of the wrong type", token: vtToken(nil, vtObj{"permissions": "read:messages"}), reason: ports.ReasonInvalidClaim},
		{name: "scope of the wrong type (array)", token: vtToken(nil, vtObj{"scope": []string{"read:messages"}}), reason: ports.ReasonInvalidClaim},
		{name: "unknown claims are ignored", token: vtToken(nil, vtObj{"https://vt.example/roles": []string{"admin"}}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "alg written with a JSON escape is still RS256", token: raw(`{"alg":"\u0052S256","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},

		// Audience.
		{name: "aud as a string", token: vtToken(nil, vtObj{"aud": vtAudience}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "aud as an array with ours last", token: vtToken(nil, vtObj{"aud": []string{"https://vt-tenant.eu.auth0.com/userinfo", vtAudience}}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "any of several configured audiences", cfg: withAudiences(vtAudience, vtAudience2), token: vtToken(nil, vtObj{"aud": vtAudience2}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "token for another API", token: vtToken(nil, vtObj{"aud": "https://api.other.example/"}), reason: ports.ReasonWrongAudience},
		{name: "aud differs only in case", token: vtToken(nil, vtObj{"aud": strings.ToUpper(vtAudience)}), reason: ports.ReasonWrongAudience},
		{name: "aud without the trailing slash", token: vtToken(nil, vtObj{"aud": strings.TrimSuffix(vtAudience, "/")}), reason: ports.ReasonWrongAudience},
		{name: "aud missing", token: vtToken(nil, vtObj{"aud": vtDel}), reason: ports.ReasonWrongAudience},
		{name: "aud empty array", token: vtToken(nil, vtObj{"aud": []string{}}), reason: ports.ReasonWrongAudience},
		{name: "aud as a number", token: vtToken(nil, vtObj{"aud": 1}), reason: ports.ReasonInvalidClaim},
		{name: "aud array with a number", token: vtToken(nil, vtObj{"aud": []any{vtAudience, 1}}), reason: ports.ReasonInvalidClaim},

		// alg none, every case, with and without a signature.
		{name: "alg none with empty signature", token: algNone("none", ""), reason: ports.ReasonMalformed},
		{name: "alg NONE with empty signature", token: algNone("NONE", ""), reason: ports.ReasonMalformed},
		{name: "alg None with empty signature", token: algNone("None", ""), reason: ports.ReasonMalformed},
		{name: "alg nOnE with empty signature", token: algNone("nOnE", ""), reason: ports.ReasonMalformed},
		{name: "alg none with a signature", token: algNone("none", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg NONE with a signature", token: algNone("NONE", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg None with a signature", token: algNone("None", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg nOnE with a signature", token: algNone("nOnE", validSegs[2]), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg missing", token: raw(vtHeader(vtObj{"alg": vtDel}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg empty", token: raw(vtHeader(vtObj{"alg": ""}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg lower-case rs256", token: raw(vtHeader(vtObj{"alg": "rs256"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg RS256 with a trailing NUL", token: raw(vtHeader(vtObj{"alg": "RS256\x00"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "alg as an array", token: raw(vtHeader(vtObj{"alg": []string{"RS256"}}), vtClaims(nil)), reason: ports.ReasonMalformed},

		// Key confusion and other algorithms.
		{name: "HS256 keyed with the public key as PKIX PEM", token: hs256(pkixPEM), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "HS256 keyed with the public key as PKCS1 PEM", token: hs256(pkcs1PEM), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "HS256 keyed with the public key as DER", token: hs256(der), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "HMAC signature under alg RS256", token: vtSign(vtHS256(pkixPEM), defaultHeader, vtClaims(nil)), reason: ports.ReasonBadSignature},
		{name: "RS384 with the tenant key", token: vtSign(vtRS384(keys.main), vtHeader(vtObj{"alg": "RS384"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "PS256 with the tenant key", token: vtSign(vtPS256(keys.main), vtHeader(vtObj{"alg": "PS256"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "ES256 with an EC key", token: vtSign(vtES256(keys.ec), vtHeader(vtObj{"alg": "ES256"}), vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "PSS signature under alg RS256", token: vtSign(vtPS256(keys.main), defaultHeader, vtClaims(nil)), reason: ports.ReasonBadSignature},

		// Signatures.
		{name: "foreign key under the known kid", token: vtSign(vtRS256(keys.other), defaultHeader, vtClaims(nil)), reason: ports.ReasonBadSignature},
		{name: "tampered payload (scope escalation)", token: tampered, reason: ports.ReasonBadSignature},
		{name: "tampered header (typ changed)", token: vtB64([]byte(vtHeader(vtObj{"typ": "at+jwt"}))) + "." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonBadSignature},
		{name: "signature truncated by one byte", token: validSegs[0] + "." + validSegs[1] + "." + vtB64(vtMust(base64.RawURLEncoding.DecodeString(validSegs[2]))[:255]), reason: ports.ReasonBadSignature},
		{name: "signature of another token", token: validSegs[0] + "." + validSegs[1] + "." + vtSegments(vtToken(nil, vtObj{"sub": "x"}))[2], reason: ports.ReasonBadSignature},

		// kid.
		{name: "kid missing", token: raw(vtHeader(vtObj{"kid": vtDel}), vtClaims(nil)), reason: ports.ReasonMissingKeyID},
		{name: "kid empty", token: raw(vtHeader(vtObj{"kid": ""}), vtClaims(nil)), reason: ports.ReasonMissingKeyID},
		{name: "kid null", token: raw(vtHeader(vtObj{"kid": nil}), vtClaims(nil)), reason: ports.ReasonMissingKeyID},
		{name: "kid of 257 bytes", token: raw(vtHeader(vtObj{"kid": strings.Repeat("k", 257)}), vtClaims(nil)), reason: ports.ReasonMissingKeyID, leaks: []string{strings.Repeat("k", 257)}},
		{name: "kid of 256 bytes is accepted", token: raw(vtHeader(vtObj{"kid": strings.Repeat("k", 256)}), vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "kid as a number", token: raw(vtHeader(vtObj{"kid": 1}), vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "kid as an object", token: raw(vtHeader(vtObj{"kid": vtObj{"$ne": ""}}), vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "kid path traversal", token: raw(vtHeader(vtObj{"kid": vtTraversalKid}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{vtTraversalKid}},
		{name: "kid SQL injection", token: raw(vtHeader(vtObj{"kid": vtSQLKid}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{vtSQLKid}},
		{name: "kid with NUL and newline", token: raw(vtHeader(vtObj{"kid": "vt-key-1\x00\n"}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{"vt-key-1\x00\n"}},
		{name: "kid differs in case", token: raw(vtHeader(vtObj{"kid": "VT-KEY-1"}), vtClaims(nil)), reason: ports.ReasonUnknownKey, leaks: []string{"VT-KEY-1"}},

		// Keys offered by the token itself.
		{name: "embedded jwk, attacker kid, attacker signature", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jwk": attackerJWK}), reason: ports.ReasonUnknownKey, leaks: []string{vtAttackerKid}},
		{name: "embedded jwk, tenant kid, attacker signature", token: attackerSigned(vtObj{"jwk": attackerJWK}), reason: ports.ReasonBadSignature},
		{name: "embedded jwk without kid", token: attackerSigned(vtObj{"kid": vtDel, "jwk": attackerJWK}), reason: ports.ReasonMissingKeyID},
		{name: "jku to attacker JWKS, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "jku to attacker JWKS, tenant kid", token: attackerSigned(vtObj{"jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, tenant kid", token: attackerSigned(vtObj{"x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "x5c with attacker certificate, tenant kid", token: attackerSigned(vtObj{"x5c": []string{vtSelfSigned(keys.attacker)}}), reason: ports.ReasonBadSignature},

		// Headers we refuse.
		{name: "crit with b64", token: raw(vtHeader(vtObj{"crit": []string{"b64"}, "b64": false}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "crit with an unknown extension", token: raw(vtHeader(vtObj{"crit": []string{"vt-ext"}, "vt-ext": 1}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "crit empty array", token: raw(vtHeader(vtObj{"crit": []string{}}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "crit null", token: raw(vtHeader(vtObj{"crit": nil}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		// go-jose honours b64: false without crit, so the gate refuses b64 outright.
		{name: "b64 false without crit", token: raw(vtHeader(vtObj{"b64": false}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "b64 false without crit, signed over the unencoded payload (RFC 7797 framing)", token: b64False, reason: ports.ReasonUnsupportedHeader},
		{name: "b64 true without crit", token: raw(vtHeader(vtObj{"b64": true}), vtClaims(nil)), reason: ports.ReasonUnsupportedHeader},
		{name: "zip on a JWS is ignored, not decompressed", token: raw(vtHeader(vtObj{"zip": "DEF"}), vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},

		// Duplicate member names (encoding/json keeps the last one).
		{name: "duplicate alg, none last", token: raw(`{"alg":"RS256","alg":"none","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "duplicate alg, RS256 last", token: raw(`{"alg":"HS256","alg":"RS256","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "duplicate kid", token: raw(`{"alg":"RS256","kid":"vt-key-1","kid":"../../etc/passwd","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed, leaks: []string{vtTraversalKid}},
		{name: "duplicate aud", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"aud":`, `"aud":"https://api.other.example/","aud":`, 1)), reason: ports.ReasonMalformed},
		{name: "duplicate exp", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"exp":`, fmt.Sprintf(`"exp":%d,"exp":`, now-86400), 1)), reason: ports.ReasonMalformed},
		{name: "duplicate exp via escaped name", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"exp":`, fmt.Sprintf(`"exp":%d,"\u0065xp":`, now-86400), 1)), reason: ports.ReasonMalformed},
		{name: "case-variant alg is a different member", token: raw(`{"alg":"RS256","ALG":"none","kid":"vt-key-1","typ":"JWT"}`, vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "case-variant EXP does not supply exp", token: raw(defaultHeader, vtClaims(vtObj{"exp": vtDel, "EXP": now + 3600})), reason: ports.ReasonMissingClaim},

		// Serializations and shapes.
		{name: "empty token", token: "", reason: ports.ReasonMalformed},
		{name: "JWS JSON general serialization", token: jwsGeneral, reason: ports.ReasonMalformed},
		{name: "JWS JSON flattened serialization", token: jwsFlattened, reason: ports.ReasonMalformed},
		{name: "JWS JSON with leading space", token: " " + jwsFlattened, reason: ports.ReasonMalformed},
		{name: "five segments (JWE shape)", token: jwe, reason: ports.ReasonMalformed},
		{name: "five segments with an RS256 header", token: valid + ".AAAA.AAAA", reason: ports.ReasonMalformed},
		{name: "two segments (unsigned)", token: validSegs[0] + "." + validSegs[1], reason: ports.ReasonMalformed},
		{name: "one segment", token: validSegs[0], reason: ports.ReasonMalformed},
		{name: "empty header segment", token: "." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonMalformed},
		{name: "empty payload segment (detached)", token: validSegs[0] + ".." + validSegs[2], reason: ports.ReasonMalformed},
		{name: "dots only", token: "..", reason: ports.ReasonMalformed},
		{name: "200000 dots with a large cap", cfg: bigLimit, token: strings.Repeat(".", 200000), reason: ports.ReasonMalformed},
		{name: "200000 dots under the default cap", token: strings.Repeat(".", 200000), reason: ports.ReasonTooLarge},
		{name: "valid token followed by 200000 dots", cfg: bigLimit, token: valid + strings.Repeat(".", 200000), reason: ports.ReasonMalformed},
		{name: "token exactly at MaxTokenBytes", cfg: maxAt(len(padded)), token: padded, want: vtClaimsWant("read:messages", "write:messages")},
		{name: "token one byte over MaxTokenBytes", cfg: maxAt(len(padded) - 1), token: padded, reason: ports.ReasonTooLarge},
		{name: "token over the default cap", token: vtToken(nil, vtObj{"pad": strings.Repeat("x", auth0.DefaultMaxTokenBytes)}), reason: ports.ReasonTooLarge},
		{name: "Bearer prefix left on the token", token: "Bearer " + valid, reason: ports.ReasonMalformed},
		{name: "trailing newline", token: valid + "\n", reason: ports.ReasonMalformed},
		{name: "leading space", token: " " + valid, reason: ports.ReasonMalformed},

		// base64url strictness.
		{name: "padding on the header", token: validSegs[0] + "=." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonMalformed},
		{name: "padding on the signature", token: valid + "==", reason: ports.ReasonMalformed},
		{name: "standard base64 plus", token: validSegs[0] + "." + validSegs[1] + "." + "+" + validSegs[2][1:], reason: ports.ReasonMalformed},
		{name: "standard base64 slash", token: validSegs[0] + "." + validSegs[1] + "." + "/" + validSegs[2][1:], reason: ports.ReasonMalformed},
		{name: "standard base64 encoding of every segment", token: stdToken, reason: ports.ReasonMalformed},
		{name: "non-canonical header base64 (trailing bits), signed", token: vtSignSegments(mainRS, ncHeader, payloadSeg), reason: ports.ReasonMalformed},
		{name: "non-canonical payload base64 (trailing bits), signed", token: vtSignSegments(mainRS, headerSeg, ncPayload), reason: ports.ReasonMalformed},
		{name: "non-canonical signature base64 (trailing bits)", token: validSegs[0] + "." + validSegs[1] + "." + vtNonCanonical(validSegs[2]), reason: ports.ReasonMalformed},
		{name: "header segment of impossible length", token: "eyJhbGci" + "A" + "." + validSegs[1] + "." + validSegs[2], reason: ports.ReasonMalformed},

		// JSON strictness.
		{name: "invalid UTF-8 in a header value", token: raw(`{"alg":"RS256","kid":"vt-key-1","typ":"JWT","x":"`+"\xff\xfe"+`"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in the kid", token: raw(`{"alg":"RS256","kid":"vt-key-1`+"\xc0\xaf"+`","typ":"JWT"}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in a header name", token: raw(`{"alg":"RS256","kid":"vt-key-1","typ":"JWT","`+"\xff"+`":1}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in a payload value", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"sub":"`, `"sub":"`+"\xed\xa0\x80", 1)), reason: ports.ReasonMalformed},
		{name: "invalid UTF-8 in an unknown payload claim", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"x":"`+"\xff"+`",`, 1)), reason: ports.ReasonMalformed},
		// An escaped lone surrogate is valid UTF-8 and valid JSON syntax (RFC
		// 8259 §8.2): JavaScript's JSON.stringify writes one for a string cut
		// in the middle of an emoji, as an Auth0 Action's custom claim can be.
		// Go's decoders, the library's included, read it as U+FFFD.
		{name: "lone surrogate escape in an unknown payload claim", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"https://example.com/name":"Ann \ud83d",`, 1)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "lone surrogate escapes in a nested unknown claim", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"https://example.com/meta":{"n":["\udc00x","\ud800\u0041"]},`, 1)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "lone surrogate escape in an unknown header member", token: raw(`{"alg":"RS256","kid":"vt-key-1","typ":"JWT","x":"\ud83d"}`, vtClaims(nil)), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "lone surrogate escape in sub reads as U+FFFD, as the library reads it", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"sub":"`, `"sub":"\ud83d`, 1)), want: &domain.Claims{Subject: "\ufffd" + vtSubject, Scopes: []string{"read:messages", "write:messages"}}},
		{name: "names that read alike once their lone surrogates are U+FFFD", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"\ud800":1,"\udbff":2,`, 1)), reason: ports.ReasonMalformed},
		{name: "a raw encoded surrogate in an unknown claim is invalid UTF-8", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `{`, `{"x":"`+"\xed\xa0\xbd"+`",`, 1)), reason: ports.ReasonMalformed},
		{name: "header is a JSON array", token: raw(`["RS256"]`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is a JSON string", token: raw(`"RS256"`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is null", token: raw(`null`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is a number", token: raw(`1`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header is an empty object", token: raw(`{}`, vtClaims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "header with trailing data", token: raw(defaultHeader+`{}`, vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "header truncated JSON", token: raw(defaultHeader[:len(defaultHeader)-1], vtClaims(nil)), reason: ports.ReasonMalformed},
		{name: "payload is a JSON array", token: raw(defaultHeader, `[{"exp":9999999999}]`), reason: ports.ReasonMalformed},
		{name: "payload is a JSON string", token: raw(defaultHeader, `"claims"`), reason: ports.ReasonMalformed},
		{name: "payload is null", token: raw(defaultHeader, `null`), reason: ports.ReasonMalformed},
		{name: "payload is an empty object", token: raw(defaultHeader, `{}`), reason: ports.ReasonMissingClaim},
		{name: "payload with trailing data", token: raw(defaultHeader, vtClaims(nil)+`x`), reason: ports.ReasonMalformed},
		{name: "payload with a BOM", token: raw(defaultHeader, "\ufeff"+vtClaims(nil)), reason: ports.ReasonMalformed},

		// Registered claims.
		{name: "exp as a string", token: vtToken(nil, vtObj{"exp": fmt.Sprint(now + 3600)}), reason: ports.ReasonInvalidClaim},
		{name: "exp as a boolean", token: vtToken(nil, vtObj{"exp": true}), reason: ports.ReasonInvalidClaim},
		{name: "exp missing", token: vtToken(nil, vtObj{"exp": vtDel}), reason: ports.ReasonMissingClaim},
		{name: "exp null", token: vtToken(nil, vtObj{"exp": nil}), reason: ports.ReasonMissingClaim},
		{name: "exp overflowing float64", token: raw(defaultHeader, strings.Replace(vtClaims(nil), `"exp":`, `"exp":1e999,"x":`, 1)), reason: ports.ReasonInvalidClaim},
		{name: "nbf as a string", token: vtToken(nil, vtObj{"nbf": fmt.Sprint(now)}), reason: ports.ReasonInvalidClaim},
		{name: "iat as a string", token: vtToken(nil, vtObj{"iat": fmt.Sprint(now)}), reason: ports.ReasonInvalidClaim},
		{name: "aud null is no audience", token: vtToken(nil, vtObj{"aud": nil}), reason: ports.ReasonWrongAudience},
		// The library decodes jti as a string (RFC 7519 §4.1.7).
		{name: "jti as a number", token: vtToken(nil, vtObj{"jti": 5}), reason: ports.ReasonInvalidClaim},
		{name: "iat beyond int64 seconds (1e300)", token: vtToken(nil, vtObj{"iat": 1e300}), reason: ports.ReasonIssuedInFuture},
		{name: "nbf beyond int64 seconds (1e300)", token: vtToken(nil, vtObj{"nbf": 1e300}), reason: ports.ReasonNotYetValid},
		// go-jose would read it as long expired; the gate says why instead.
		{name: "exp beyond int64 seconds (1e19)", token: vtToken(nil, vtObj{"exp": 1e19}), reason: ports.ReasonInvalidClaim},
		// The cap is 2^62 seconds: exact at it, refused just past it (still
		// an int64 to go-jose, which would accept it).
		{name: "exp at 2^62 seconds", token: vtToken(nil, vtObj{"exp": float64(1 << 62)}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "exp past 2^62 seconds (5e18)", token: vtToken(nil, vtObj{"exp": 5e18}), reason: ports.ReasonInvalidClaim},
		{name: "exp negative", token: vtToken(nil, vtObj{"exp": -1e300}), reason: ports.ReasonExpired},
		{name: "sub as a number", token: vtToken(nil, vtObj{"sub": 42}), reason: ports.ReasonInvalidClaim},
		{name: "iss as a number", token: vtToken(nil, vtObj{"iss": 42}), reason: ports.ReasonInvalidClaim},
		{name: "expired beyond the leeway", token: vtToken(nil, vtObj{"exp": now - 120}), reason: ports.ReasonExpired},
		{name: "expired long ago", token: vtToken(nil, vtObj{"exp": 1}), reason: ports.ReasonExpired},
		{name: "expired within the leeway", token: vtToken(nil, vtObj{"exp": now - 10}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "expired within a custom leeway", cfg: func(c *vtConfig) { c.Leeway = 2 * time.Minute }, token: vtToken(nil, vtObj{"exp": now - 90}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "expired beyond a custom leeway", cfg: func(c *vtConfig) { c.Leeway = 2 * time.Minute }, token: vtToken(nil, vtObj{"exp": now - 150}), reason: ports.ReasonExpired},
		{name: "exp with a fraction", token: vtToken(nil, vtObj{"exp": float64(now) + 3600.5}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "nbf beyond the leeway", token: vtToken(nil, vtObj{"nbf": now + 120}), reason: ports.ReasonNotYetValid},
		{name: "nbf within the leeway", token: vtToken(nil, vtObj{"nbf": now + 10}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "iat beyond the leeway", token: vtToken(nil, vtObj{"iat": now + 120}), reason: ports.ReasonIssuedInFuture},
		{name: "iat within the leeway", token: vtToken(nil, vtObj{"iat": now + 10}), want: vtClaimsWant("read:messages", "write:messages")},

		// Issuer.
		{name: "iss without the trailing slash", token: vtToken(nil, vtObj{"iss": strings.TrimSuffix(vtIssuer, "/")}), reason: ports.ReasonWrongIssuer},
		{name: "iss with http", token: vtToken(nil, vtObj{"iss": "http://" + vtDomain + "/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss in upper case", token: vtToken(nil, vtObj{"iss": strings.ToUpper(vtIssuer)}), reason: ports.ReasonWrongIssuer},
		{name: "iss with two trailing slashes", token: vtToken(nil, vtObj{"iss": vtIssuer + "/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss of another tenant", token: vtToken(nil, vtObj{"iss": "https://other-tenant.eu.auth0.com/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss as a suffix trick", token: vtToken(nil, vtObj{"iss": "https://vt-tenant.eu.auth0.com.evil.example/"}), reason: ports.ReasonWrongIssuer},
		{name: "iss missing", token: vtToken(nil, vtObj{"iss": vtDel}), reason: ports.ReasonWrongIssuer},

		// typ.
		{name: "typ JWT", token: vtToken(vtObj{"typ": "JWT"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ jwt lower case", token: vtToken(vtObj{"typ": "jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ missing", token: vtToken(vtObj{"typ": vtDel}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ null is no typ", token: vtToken(vtObj{"typ": nil}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ at+jwt", token: vtToken(vtObj{"typ": "at+jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ application/at+jwt", token: vtToken(vtObj{"typ": "application/at+jwt"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ AT+JWT", token: vtToken(vtObj{"typ": "AT+JWT"}, nil), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "typ JOSE", token: vtToken(vtObj{"typ": "JOSE"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ JOSE+JSON", token: vtToken(vtObj{"typ": "JOSE+JSON"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ jwe", token: vtToken(vtObj{"typ": "jwe"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ empty", token: vtToken(vtObj{"typ": ""}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ of an ID token profile (secevent)", token: vtToken(vtObj{"typ": "secevent+jwt"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "typ as a number", token: vtToken(vtObj{"typ": 1}, nil), reason: ports.ReasonMalformed},
		{name: "RequireAtJWT accepts at+jwt", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, rfc9068), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "RequireAtJWT accepts application/at+jwt", cfg: withRequireAt, token: vtToken(vtObj{"typ": "application/at+jwt"}, rfc9068), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "RequireAtJWT refuses no jti", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtObj{"client_id": "vt-client"}), reason: ports.ReasonMissingClaim},
		{name: "RequireAtJWT refuses an empty jti", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtMerge(rfc9068, vtObj{"jti": ""})), reason: ports.ReasonMissingClaim},
		{name: "RequireAtJWT refuses no client_id", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtObj{"jti": "j-1"}), reason: ports.ReasonMissingClaim},
		{name: "RequireAtJWT refuses an empty client_id", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtMerge(rfc9068, vtObj{"client_id": ""})), reason: ports.ReasonMissingClaim},
		{name: "RequireAtJWT refuses client_id null", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtMerge(rfc9068, vtObj{"client_id": nil})), reason: ports.ReasonMissingClaim},
		// Present with the wrong JSON type is invalid_claim, as for jti or sub.
		{name: "RequireAtJWT refuses client_id as a number", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtMerge(rfc9068, vtObj{"client_id": 7})), reason: ports.ReasonInvalidClaim},
		{name: "RequireAtJWT refuses client_id as an array", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtMerge(rfc9068, vtObj{"client_id": []any{"vt-client"}})), reason: ports.ReasonInvalidClaim},
		{name: "RequireAtJWT refuses client_id false", cfg: withRequireAt, token: vtToken(vtObj{"typ": "at+jwt"}, vtMerge(rfc9068, vtObj{"client_id": false})), reason: ports.ReasonInvalidClaim},
		{name: "without RequireAtJWT at+jwt needs no jti or client_id", token: vtToken(vtObj{"typ": "at+jwt"}, vtObj{"client_id": 7}), want: vtClaimsWant("read:messages", "write:messages")},
		{name: "RequireAtJWT refuses JWT", cfg: withRequireAt, token: vtToken(vtObj{"typ": "JWT"}, nil), reason: ports.ReasonUnsupportedType},
		{name: "RequireAtJWT refuses a missing typ", cfg: withRequireAt, token: vtToken(vtObj{"typ": vtDel}, nil), reason: ports.ReasonUnsupportedType},
		{name: "RequireAtJWT refuses typ null", cfg: withRequireAt, token: vtToken(vtObj{"typ": nil}, nil), reason: ports.ReasonUnsupportedType},
		{name: "RequireAtJWT refuses application/jwt", cfg: withRequireAt, token: vtToken(vtObj{"typ": "application/jwt"}, nil), reason: ports.ReasonUnsupportedType},
	}

	names := map[string]bool{}
	for _, tc := range tests {
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			vtRun(t, vtBaseConfig(), static, tc)
		})
	}
	if n := jku.hits.Load(); n != 0 {
		t.Errorf("got %d requests at the jku/x5u listener, want 0: keys must come only from the tenant", n)
	}
}

func vtMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
