package auth0

import (
	"context"
	"crypto/rsa"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/ports"
)

// Two faults found by replaying public bug reports, each table-tested by
// kind: a kid that another JWKS entry reuses, and a refusal remembered after
// the kid was bound to the key the token was signed with.

const faultAudience = "https://messages-api.example.com"

// faultToken signs a token for tn under kid with key.
func faultToken(t *testing.T, tn *ksTenant, kid string, key *rsa.PrivateKey) string {
	t.Helper()
	s := &auth0test.Signer{Issuer: tn.issuer, Audience: faultAudience, Kid: kid, Private: key}
	tok, err := s.Sign(s.Claims("fault-client", "read:messages"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// fourthKey is a 2048-bit key none of the tenants here publishes.
func fourthKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	s, err := auth0test.NewSigner("https://unused/", faultAudience, "unused")
	if err != nil {
		t.Fatal(err)
	}
	return s.Private
}

// faultVerifier is the production pair, KeySource and Verifier, on tn.
func faultVerifier(t *testing.T, tn *ksTenant, clk *fakeClock) (*KeySource, *Verifier) {
	t.Helper()
	ks := newTestKeySource(t, tn, KeySourceConfig{})
	if clk != nil {
		ks.now = clk.now
	}
	return ks, verifierOn(t, tn, ks)
}

// verifierOn is the production verifier of tn's tokens for faultAudience,
// its keys from ks.
func verifierOn(t *testing.T, tn *ksTenant, ks *KeySource) *Verifier {
	t.Helper()
	v, err := New(MustTenant(t, tn.issuer, false, 0), Config{Audiences: []string{faultAudience}}, ks)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func faultReason(err error) ports.Reason {
	var invalid *ports.InvalidTokenError
	if errors.As(err, &invalid) {
		return invalid.Reason
	}
	if err != nil {
		return ports.Reason("error: " + err.Error())
	}
	return ""
}

// TestSharedKid: entries that are not usable RSA signing keys are dropped
// first, identical duplicates count once, and a token whose kid names
// several different signing keys is checked against each (up to
// maxKeysPerKid) before it is refused. Readiness follows usable keys.
func TestSharedKid(t *testing.T) {
	t.Parallel()
	privA, privB, privC := ksTestKeys()[0], ksTestKeys()[1], ksTestKeys()[2]
	other := b64u(keyC().N.Bytes())
	// The replayed report: the active kid reused by an encryption key.
	encTwin := func(kid string) map[string]any {
		return map[string]any{"kty": "RSA", "kid": kid, "use": "enc", "alg": "RSA-OAEP", "n": other, "e": "AQAB"}
	}
	tests := []struct {
		name    string
		entries []map[string]any
		accept  []*rsa.PrivateKey // tokens under kid K signed by these are accepted
		refuse  []*rsa.PrivateKey // and by these refused with bad_signature
	}{
		{"encryption twin (the replayed report)", []map[string]any{jwk("K", keyA()), encTwin("K")}, []*rsa.PrivateKey{privA}, []*rsa.PrivateKey{privC}},
		{"encryption twin first", []map[string]any{encTwin("K"), jwk("K", keyA())}, []*rsa.PrivateKey{privA}, []*rsa.PrivateKey{privC}},
		{"every key has a twin", []map[string]any{encTwin("K"), jwk("K", keyA()), encTwin("K2"), jwk("K2", keyB())}, []*rsa.PrivateKey{privA}, nil},
		{"twin with alg RSA-OAEP and no use", []map[string]any{jwk("K", keyA()), with(encTwin("K"), "use", nil)}, []*rsa.PrivateKey{privA}, []*rsa.PrivateKey{privC}},
		{"EC twin", []map[string]any{jwk("K", keyA()), {"kty": "EC", "kid": "K", "crv": "P-256", "x": "AA", "y": "AA"}}, []*rsa.PrivateKey{privA}, nil},
		{"weak twin", []map[string]any{jwk("K", keyA()), jwk("K", &ksWeakKey().PublicKey)}, []*rsa.PrivateKey{privA}, nil},
		{"identical duplicate", []map[string]any{jwk("K", keyA()), jwk("K", keyA())}, []*rsa.PrivateKey{privA}, []*rsa.PrivateKey{privB}},
		{"two signing keys", []map[string]any{jwk("K", keyA()), jwk("K", keyB())}, []*rsa.PrivateKey{privA, privB}, []*rsa.PrivateKey{privC}},
		{"three signing keys", []map[string]any{jwk("K", keyA()), jwk("K", keyB()), jwk("K", keyC())}, []*rsa.PrivateKey{privA, privB, privC}, []*rsa.PrivateKey{fourthKey(t)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t, tt.entries...)
			ks, v := faultVerifier(t, tn, nil)
			for i, key := range tt.accept {
				if _, err := v.Verify(context.Background(), faultToken(t, tn, "K", key)); err != nil {
					t.Errorf("token %d under K: got %v, want it accepted", i, err)
				}
			}
			for i, key := range tt.refuse {
				if _, err := v.Verify(context.Background(), faultToken(t, tn, "K", key)); faultReason(err) != ports.ReasonBadSignature {
					t.Errorf("token %d under K by a key not published: got %q, want bad_signature", i, faultReason(err))
				}
			}
			if !ks.Ready() {
				t.Errorf("Ready: got false, want true")
			}
		})
	}
}

// TestSharedKidBound: more different signing keys under one kid than
// maxKeysPerKid are not all tried; the extra entries are dropped.
func TestSharedKidBound(t *testing.T) {
	t.Parallel()
	entries := []any{jwk("K", keyA()), jwk("K", keyB()), jwk("K", keyC()), jwk("K", &fourthKey(t).PublicKey)}
	keys, rep, err := parseJWKS(jwksJSON(entries...))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(keys["K"]); got != maxKeysPerKid {
		t.Errorf("keys under K: got %d, want %d", got, maxKeysPerKid)
	}
	if got := rep.reasonSummary(); got != "too_many_keys_for_kid=1" {
		t.Errorf("reasons: got %q, want too_many_keys_for_kid=1", got)
	}
}

// TestRefusalForgottenWhenKeysChange: a token refused (and remembered)
// while its kid named another key is accepted as soon as a fresh token
// signed like it is: after the key set changes, not 10 minutes later.
func TestRefusalForgottenWhenKeysChange(t *testing.T) {
	t.Parallel()
	privB := ksTestKeys()[1]
	tests := []struct {
		name   string
		before []map[string]any // published when T is first refused
		after  []map[string]any // published next
		want   ports.Reason     // for T afterwards: "" is accepted
	}{
		{"kid rebound from A to B (the replayed report)", []map[string]any{jwk("static", keyA())}, []map[string]any{jwk("static", keyB())}, ""},
		{"B added beside A under the kid", []map[string]any{jwk("static", keyA())}, []map[string]any{jwk("static", keyA()), jwk("static", keyB())}, ""},
		{"another kid added, static still A", []map[string]any{jwk("static", keyA())}, []map[string]any{jwk("static", keyA()), jwk("new", keyC())}, ports.ReasonBadSignature},
		{"nothing changed", []map[string]any{jwk("static", keyA())}, []map[string]any{jwk("static", keyA())}, ports.ReasonBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t, tt.before...)
			clk := newFakeClock()
			ks, v := faultVerifier(t, tn, clk)
			calls := v.CountLibraryCalls()
			stale := faultToken(t, tn, "static", privB)
			for i := range 2 { // the second time from the reject cache
				if _, err := v.Verify(context.Background(), stale); faultReason(err) != ports.ReasonBadSignature {
					t.Fatalf("call %d while static is A: got %q, want bad_signature", i, faultReason(err))
				}
			}
			if got := calls.Load(); got != 1 {
				t.Fatalf("library calls for a refusal asked twice: got %d, want 1 (remembered)", got)
			}
			// The tenant publishes the new set; an unknown kid after the
			// cooldown makes the source fetch it.
			tn.serveKeys(tt.after...)
			clk.advance(time.Minute)
			before := tn.jwksHits.Load()
			if _, err := ks.Key(context.Background(), "not-published"); faultReason(err) != ports.ReasonUnknownKey {
				t.Fatalf("unknown kid: got %q, want unknown_key", faultReason(err))
			}
			if tn.jwksHits.Load() != before+1 {
				t.Fatalf("JWKS fetches: got %d, want %d", tn.jwksHits.Load(), before+1)
			}
			if tt.want == "" {
				if _, err := v.Verify(context.Background(), faultToken(t, tn, "static", privB)); err != nil {
					t.Fatalf("fresh token signed by B: got %v, want it accepted", err)
				}
			}
			if _, err := v.Verify(context.Background(), stale); faultReason(err) != tt.want {
				t.Errorf("the reused token: got %q, want %q", faultReason(err), tt.want)
			}
		})
	}
}

// TestSameKey: a cache hit holds only while the kid still names the very
// key the token was verified with, modulus and exponent alike.
func TestSameKey(t *testing.T) {
	t.Parallel()
	a := keyA()
	otherE := &rsa.PublicKey{N: a.N, E: 3}
	tests := []struct {
		name string
		x, y *rsa.PublicKey
		want bool
	}{
		{"one pointer", a, a, true},
		{"an equal copy", a, &rsa.PublicKey{N: new(big.Int).Set(a.N), E: a.E}, true},
		{"another modulus", a, keyB(), false},
		{"the modulus with another exponent", a, otherE, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameKey(tt.x, tt.y); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAcceptanceForgottenWhenKeysChange: a token verified and cached while
// its kid named key A holds only while the tenant's key set still has A
// under that kid; once the kid names another key, or none, it is judged
// afresh.
func TestAcceptanceForgottenWhenKeysChange(t *testing.T) {
	t.Parallel()
	privA := ksTestKeys()[0]
	tests := []struct {
		name  string
		after []map[string]any // published once T is cached
		want  ports.Reason     // for T afterwards: "" is accepted
	}{
		{"kid rebound from A to B", []map[string]any{jwk("static", keyB())}, ports.ReasonBadSignature},
		{"A gone, B under another kid", []map[string]any{jwk("new", keyB())}, ports.ReasonUnknownKey},
		{"B added beside A under the kid", []map[string]any{jwk("static", keyB()), jwk("static", keyA())}, ""},
		{"nothing changed", []map[string]any{jwk("static", keyA())}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t, jwk("static", keyA()))
			clk := newFakeClock()
			ks, v := faultVerifier(t, tn, clk)
			tok := faultToken(t, tn, "static", privA)
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Fatalf("while static is A: got %v, want the token accepted", err)
			}
			tn.serveKeys(tt.after...)
			clk.advance(time.Minute)
			if _, err := ks.Key(context.Background(), "not-published"); faultReason(err) != ports.ReasonUnknownKey {
				t.Fatalf("unknown kid: got %q, want unknown_key (a refetch)", faultReason(err))
			}
			for i := range 2 { // the second time after the first has re-judged it
				if _, err := v.Verify(context.Background(), tok); faultReason(err) != tt.want {
					t.Errorf("call %d after the change: got %q, want %q", i, faultReason(err), tt.want)
				}
			}
		})
	}
}

// TestSameKeySet: the key set's version moves when a fetch brings any
// other key under any kid, a kid more or less included.
func TestSameKeySet(t *testing.T) {
	t.Parallel()
	held := map[string][]*rsa.PublicKey{"a": {keyA()}, "b": {keyB()}}
	tests := []struct {
		name string
		next map[string][]*rsa.PublicKey
		want bool
	}{
		{"equal copies", map[string][]*rsa.PublicKey{"a": {keyA()}, "b": {keyB()}}, true},
		{"a kid added", map[string][]*rsa.PublicKey{"a": {keyA()}, "b": {keyB()}, "c": {keyC()}}, false},
		{"a kid removed", map[string][]*rsa.PublicKey{"a": {keyA()}}, false},
		{"a kid renamed", map[string][]*rsa.PublicKey{"a": {keyA()}, "c": {keyB()}}, false},
		{"a kid rebound", map[string][]*rsa.PublicKey{"a": {keyA()}, "b": {keyC()}}, false},
		{"a second key under a kid", map[string][]*rsa.PublicKey{"a": {keyA(), keyC()}, "b": {keyB()}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameKeySet(held, tt.next); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := sameKeySet(tt.next, held); got != tt.want {
				t.Errorf("reversed: got %v, want %v", got, tt.want)
			}
		})
	}
}
