package auth0_test

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/ports"
)

// A dot flood is refused after a few bytes, without allocating per dot.
func TestVerifierDotFloodIsCheap(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	cfg := vtBaseConfig()
	cfg.MaxTokenBytes = 1 << 20
	v, err := vtNew(cfg, keys)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	tests := []struct {
		name  string
		token string
	}{
		{"200000 dots", strings.Repeat(".", 200000)},
		{"segment then 200000 dots", "eyJhbGciOiJSUzI1NiJ9" + strings.Repeat(".", 200000)},
		{"900000 dots", strings.Repeat(".", 900000)},
		{"1 MiB of spaces", strings.Repeat(" ", 1<<20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const runs = 1000
			for range runs {
				if _, err := v.Verify(ctx, tc.token); err == nil {
					t.Fatal("got no error, want malformed")
				}
			}
			allocs := testing.AllocsPerRun(100, func() { _, _ = v.Verify(ctx, tc.token) })
			if allocs > 2 {
				t.Errorf("got %.0f allocations per call, want at most 2", allocs)
			}
			var invalid *ports.InvalidTokenError
			if _, err := v.Verify(ctx, tc.token); !errors.As(err, &invalid) || invalid.Reason != ports.ReasonMalformed {
				t.Errorf("got %v, want reason malformed", err)
			}
		})
	}
	if n := keys.calls.Load(); n != 0 {
		t.Errorf("got %d key lookups, want 0", n)
	}
}

// A token of the wrong shape is told apart by its parts: Auth0 issues an
// opaque or a JWE access token when the token request names no audience,
// and the caller is told to name one.
func TestVerifierShapeDescriptions(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	v, err := vtNew(vtBaseConfig(), keys)
	if err != nil {
		t.Fatal(err)
	}
	const (
		parts     = "a token has exactly three dot-separated parts"
		audience  = "request the token with audience set to this API's identifier"
		opaque    = "the token is opaque, not a JWT: "
		encrypted = "the token is encrypted (JWE, five parts), not a signed JWT: "
	)
	// Auth0's shapes without an audience: 32 characters, or a dir/A256GCM JWE.
	jwe := vtB64([]byte(`{"alg":"dir","enc":"A256GCM","iss":"https://vt.example/"}`)) + "..dGVzdGl2MTIzNDU2." + vtB64([]byte("ciphertext")) + ".dGFnMTIzNDU2Nzg5MDEyMw"
	tests := []struct {
		name, token, want string
	}{
		{"opaque, 32 characters", "pJ6tgc2FrxMJ7iXt9v2bLW6yxPPasm6u", opaque + "Auth0 issues one when the token request names no audience; " + audience},
		{"JWE, dir with an empty key part", jwe, encrypted + "Auth0 issues one when the token request names no audience; " + audience},
		{"JWE shape, every part set", "aaaa.bbbb.cccc.dddd.eeee", encrypted},
		{"JWS JSON serialization", `{"payload":"bbbb","protected":"aaaa","signature":"cccc"}`, "only the JWS compact serialization is accepted"},
		{"two parts", "aaaa.bbbb", parts},
		{"four parts", "aaaa.bbbb.cccc.dddd", parts},
		{"six parts", "aaaa.bbbb.cccc.dddd.eeee.ffff", parts},
		{"five dots then more", "a.b.c.d.e.f.g.h", parts},
		// Said as such, not as the JSON fault an empty segment also is.
		{"empty header", ".bbbb.cccc", "a token part is empty"},
		{"empty payload", "aaaa..cccc", "a token part is empty"},
		{"empty signature", "aaaa.bbbb.", "a token part is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			var invalid *ports.InvalidTokenError
			if !errors.As(err, &invalid) || invalid.Reason != ports.ReasonMalformed || !strings.HasPrefix(invalid.Description, tc.want) {
				t.Fatalf("got %v, want malformed with a description starting %q", err, tc.want)
			}
			vtCheckDescription(t, invalid.Description, tc.token, nil)
		})
	}
}

// A claim of the wrong JSON type and a number no float64 holds are told
// apart: 1e400 is a number, and "wrong type" would send its issuer looking
// for a string.
func TestVerifierClaimDescriptions(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	v, err := vtNew(vtBaseConfig(), keys)
	if err != nil {
		t.Fatal(err)
	}
	raw := func(name, value string) string { return vtToken(nil, vtObj{name: json.RawMessage(value)}) }
	tests := []struct {
		name, token, want string
	}{
		{"exp beyond float64", raw("exp", "1e400"), "the exp claim is a number out of range"},
		{"iat below float64", raw("iat", "-1e400"), "the iat claim is a number out of range"},
		{"nbf beyond float64", raw("nbf", "1e999"), "the nbf claim is a number out of range"},
		{"exp as a string", raw("exp", `"1"`), "the exp claim has the wrong type"},
		{"sub as a number", raw("sub", "1e400"), "the sub claim has the wrong type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			var invalid *ports.InvalidTokenError
			if !errors.As(err, &invalid) || invalid.Reason != ports.ReasonInvalidClaim || invalid.Description != tc.want {
				t.Fatalf("got %v, want invalid_claim %q", err, tc.want)
			}
		})
	}
}

// A header or payload that is not strict JSON is told apart by its fault,
// so the issuer knows what to fix (RFC 8725 §3.7 for UTF-8).
func TestVerifierJSONDescriptions(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	v, err := vtNew(vtBaseConfig(), keys)
	if err != nil {
		t.Fatal(err)
	}
	mainRS := vtRS256(vtKeys().main)
	header, payload := vtHeader(nil), vtClaims(nil)
	tests := []struct {
		name, token, want string
	}{
		{"invalid UTF-8 in a header value", vtSign(mainRS, strings.Replace(header, `{`, `{"x":"`+"\xff"+`",`, 1), payload), "the token header is not valid UTF-8"},
		{"invalid UTF-8 in a payload value", vtSign(mainRS, header, strings.Replace(payload, `{`, `{"z":"`+"\xff"+`",`, 1)), "the token payload is not valid UTF-8"},
		{"a raw encoded surrogate in the payload", vtSign(mainRS, header, strings.Replace(payload, `{`, `{"z":"`+"\xed\xa0\xbd"+`",`, 1)), "the token payload is not valid UTF-8"},
		{"duplicate member in the payload", vtSign(mainRS, header, strings.Replace(payload, `{`, `{"z":1,"z":2,`, 1)), "the token payload repeats a member name"},
		{"payload is an array", vtSign(mainRS, header, `[]`), "the token payload is not a JSON object"},
		{"payload cut short", vtSign(mainRS, header, payload[:len(payload)-1]), "the token payload is not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			var invalid *ports.InvalidTokenError
			if !errors.As(err, &invalid) || invalid.Reason != ports.ReasonMalformed || invalid.Description != tc.want {
				t.Fatalf("got %v, want malformed %q", err, tc.want)
			}
		})
	}
}

// A refused typ is described by what the configuration accepts: under
// RequireAtJWT, "JWT" would send the caller for a token that fails again.
func TestVerifierTypDescriptions(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	tests := []struct {
		name         string
		requireAtJWT bool
		typ, want    string
	}{
		{"JOSE", false, "JOSE", "the token typ must be JWT or at+jwt"},
		{"JWT under RequireAtJWT", true, "JWT", "the token typ must be at+jwt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := vtBaseConfig()
			cfg.RequireAtJWT = tc.requireAtJWT
			v, err := vtNew(cfg, keys)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(t.Context(), vtToken(vtObj{"typ": tc.typ}, nil))
			var invalid *ports.InvalidTokenError
			if !errors.As(err, &invalid) || invalid.Reason != ports.ReasonUnsupportedType || invalid.Description != tc.want {
				t.Fatalf("got %v, want unsupported_token_type %q", err, tc.want)
			}
		})
	}
}
