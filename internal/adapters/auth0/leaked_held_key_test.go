package auth0

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/ports"
	"go.uber.org/zap/zapcore"
)

// TestHeldKeyGivenAwayIsDropped: a JWKS that publishes the private half of
// a key the service holds gives that key to anyone who reads it. The key
// must stop verifying at once, even when the new set holds no usable key
// at all (a fetch that is otherwise kept as a failure, serving the last
// good keys): those are the keys it has just given away. A private half of
// a key the service does not hold changes nothing.
func TestHeldKeyGivenAwayIsDropped(t *testing.T) {
	t.Parallel()
	dA, dB := b64u(ksTestKeys()[0].D.Bytes()), b64u(ksTestKeys()[1].D.Bytes())
	tests := []struct {
		name      string
		entries   []map[string]any
		body      string // served instead of entries when set
		wantHeld  bool   // kid-a still verifies with keyA
		wantReady bool
	}{
		{name: "the held key republished with its private half", entries: []map[string]any{with(jwk("kid-a", keyA()), "d", dA)}},
		{name: "the held key's private half under another kid", entries: []map[string]any{with(jwk("kid-x", keyA()), "d", dA)}},
		{name: "the held key's private half beside a new key", entries: []map[string]any{jwk("kid-b", keyB()), with(jwk("kid-x", keyA()), "d", dA)}, wantReady: true},
		{name: "another key's private half", entries: []map[string]any{with(jwk("kid-x", keyB()), "d", dB)}, wantHeld: true, wantReady: true},
		{name: "the held key's d alone", entries: []map[string]any{{"kid": "kid-x", "d": dA}}},
		{name: "the held key's dp alone", entries: []map[string]any{{"kid": "kid-x", "dp": b64u(ksTestKeys()[0].Precomputed.Dp.Bytes())}}},
		{name: "the held key's d alone beside a new key", entries: []map[string]any{jwk("kid-b", keyB()), {"kid": "kid-x", "d": dA}}, wantReady: true},
		// "keys" named twice: either array may be the one read, so what
		// either gives away is gone, and the document is no key set.
		{name: "the held key's private half in a second keys array", body: `{"keys":[` + entry(jwk("kid-a", keyA())) + `],"keys":[` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `]}`},
		{name: "the held key's private half in a first keys array", body: `{"keys":[` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `],"keys":[` + entry(jwk("kid-a", keyA())) + `]}`},
		// A document that is no key set publishes what it holds all the
		// same: the wrong file served, a "keys" that is one object, a key
		// set with trailing bytes.
		{name: "a bare private JWK", body: entry(with(jwk("kid-x", keyA()), "d", dA))},
		{name: "keys as one private JWK", body: `{"keys":` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `}`},
		{name: "a bare array with a private JWK", body: `[` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `]`},
		{name: "a private JWK in a key set with trailing bytes", body: `{"keys":[` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `]} <html>`},
		{name: "a public JWK served bare", body: entry(jwk("kid-a", keyA())), wantHeld: true, wantReady: true},
		// Cut short by a proxy, or nested under another name: what came
		// whole is published.
		{name: "a private JWK before the point the body was cut", body: `{"keys":[` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `,{"kid":"kid-b","n":"`},
		{name: "a private JWK in a key set nested under another name", body: `{"jwks":{"keys":[` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `]}}`},
		{name: "a private JWK beside a key set", body: `{"keys":[` + entry(jwk("kid-a", keyA())) + `],"backup":` + entry(with(jwk("kid-x", keyA()), "d", dA)) + `}`},
		{name: "keys twice, giving nothing away", body: `{"keys":[` + entry(jwk("kid-a", keyA())) + `],"keys":[` + entry(jwk("kid-a", keyA())) + `]}`, wantHeld: true, wantReady: true},
		{name: "another key's d alone beside the held key", entries: []map[string]any{jwk("kid-a", keyA()), {"kid": "kid-x", "d": b64u(ksTestKeys()[2].D.Bytes())}}, wantHeld: true, wantReady: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn, ks := refetchDue(t, false)
			v := verifierOn(t, tn, ks)
			tok := faultToken(t, tn, "kid-a", ksTestKeys()[0])
			if _, err := v.Verify(context.Background(), tok); err != nil { // now a cache hit
				t.Fatalf("Verify before the leak: got %v, want claims", err)
			}
			if tt.body != "" {
				tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, tt.body) })
			} else {
				tn.serveKeys(tt.entries...)
			}
			_, _ = ks.Key(context.Background(), "kid-z") // refetches: the cooldown is over

			key, err := ks.Key(context.Background(), "kid-a")
			switch held := err == nil && sameKey(key, keyA()); {
			case held && !tt.wantHeld:
				t.Fatalf("Key(kid-a) after the JWKS gave keyA away: got keyA, want an error")
			case !held && tt.wantHeld:
				t.Fatalf("Key(kid-a): got %v, want keyA", err)
			}
			// Gone for good, not a key set out of date: a 401, not a 503
			// its clients would retry.
			var invalid *ports.InvalidTokenError
			if !tt.wantHeld && (!errors.As(err, &invalid) || invalid.Reason != ports.ReasonUnknownKey) {
				t.Errorf("Key(kid-a) after the JWKS gave keyA away: got %v, want an unknown_key InvalidTokenError", err)
			}
			if _, err := v.Verify(context.Background(), tok); (err == nil) != tt.wantHeld {
				t.Errorf("Verify of the cached keyA token: got error %v, want one: %v", err, !tt.wantHeld)
			}
			if got := ks.Ready(); got != tt.wantReady {
				t.Errorf("Ready: got %v, want %v", got, tt.wantReady)
			}
		})
	}
}

// TestGivenAwayKeysNamedInFetchError: a fetch that finds no usable key
// keeps the last good keys, less those it gave away, and its error (what
// a 503's log line and the next lookups report) says which it is: "keeping
// the previous keys" alone would claim the given-away ones still serve,
// and with none held it claims nothing.
func TestGivenAwayKeysNamedInFetchError(t *testing.T) {
	t.Parallel()
	dA := b64u(ksTestKeys()[0].D.Bytes())
	tests := []struct {
		name    string
		held    []map[string]any
		entries []map[string]any
		want    string
	}{
		{name: "the held key given away", held: []map[string]any{jwk("kid-a", keyA())}, entries: []map[string]any{with(jwk("kid-a", keyA()), "d", dA)},
			want: "none of its 1 entries is a usable key (dropping the 1 previous keys it gave away: none left)"},
		{name: "one of two held keys given away", held: []map[string]any{jwk("kid-a", keyA()), jwk("kid-b", keyB())}, entries: []map[string]any{with(jwk("kid-a", keyA()), "d", dA)},
			want: "none of its 1 entries is a usable key (keeping the previous keys but the 1 it gave away)"},
		{name: "no held key given away", held: []map[string]any{jwk("kid-a", keyA())}, entries: []map[string]any{with(jwk("kid-x", keyB()), "d", b64u(ksTestKeys()[1].D.Bytes()))},
			want: "none of its 1 entries is a usable key (keeping the previous keys)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn, ks := refetchDueHolding(t, false, tt.held...)
			tn.serveKeys(tt.entries...)
			_, err := ks.Key(context.Background(), "kid-z") // refetches: the cooldown is over
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Key after the fetch: got %v, want an error saying %q", err, tt.want)
			}
		})
	}
	// Nothing held: a first fetch of no key set keeps nothing.
	for name, body := range map[string]string{"an HTML page": "<html>not found</html>", "an empty key set": `{"keys":[]}`} {
		t.Run("nothing held, "+name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t)
			tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) })
			ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: hang, UnknownKeyCooldown: time.Minute, RefreshInterval: time.Hour, RetryInterval: time.Hour})
			_, err := ks.Key(context.Background(), "kid-a")
			if err == nil || strings.Contains(err.Error(), "previous keys") {
				t.Errorf("Key with no key set ever held: got %v, want an error claiming no previous keys", err)
			}
		})
	}
}

// entry is a JWKS entry as JSON.
func entry(m map[string]any) string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestGivenAwayKeyStaysUntrusted: a key whose private half a JWKS
// published is known for good: a later JWKS that publishes it without its
// private half does not make it trusted again, whether the earlier one
// was kept or refused, or the key was held then or not.
func TestGivenAwayKeyStaysUntrusted(t *testing.T) {
	t.Parallel()
	dA, dC := b64u(ksTestKeys()[0].D.Bytes()), b64u(ksTestKeys()[2].D.Bytes())
	tests := []struct {
		name    string
		earlier []map[string]any // the JWKS that gives a key away
		later   []map[string]any // the one after it, without the private half
		wantOut string           // the kid that must not verify
	}{
		{"held, given away by a set refused", []map[string]any{with(jwk("kid-x", keyA()), "d", dA)},
			[]map[string]any{jwk("kid-a", keyA()), jwk("kid-b", keyB())}, "kid-a"},
		{"held, given away by a set kept", []map[string]any{with(jwk("kid-x", keyA()), "d", dA), jwk("kid-b", keyB())},
			[]map[string]any{jwk("kid-a", keyA()), jwk("kid-b", keyB())}, "kid-a"},
		{"never held", []map[string]any{with(jwk("kid-x", keyC()), "d", dC), jwk("kid-a", keyA())},
			[]map[string]any{jwk("kid-c", keyC()), jwk("kid-b", keyB())}, "kid-c"},
		{"under another kid", []map[string]any{with(jwk("kid-x", keyA()), "d", dA), jwk("kid-b", keyB())},
			[]map[string]any{jwk("kid-new", keyA()), jwk("kid-b", keyB())}, "kid-new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t, jwk("kid-a", keyA()))
			ks, _, clk := newObservedKeySource(t, tn, time.Second)
			ks.Start()
			waitReady(t, ks, hang)
			for _, set := range [][]map[string]any{tt.earlier, tt.later} {
				clk.advance(time.Second)
				tn.serveKeys(set...)
				refetch(t, tn, ks)
			}
			if key, err := ks.Key(context.Background(), tt.wantOut); err == nil {
				t.Errorf("Key(%s) once a JWKS gave its key away: got %v, want an error", tt.wantOut, key.N.BitLen())
			}
			if _, err := ks.Key(context.Background(), "kid-b"); err != nil {
				t.Errorf("Key(kid-b), never given away: got %v, want keyB", err)
			}
		})
	}
}

// TestUncheckedHeldKeyIsUnavailable: a held key dropped because a failed
// fetch's private members could not be cleared within the bounds is not
// known to be given away: its tokens get a 503 to retry, not a 401 that
// would send clients for new tokens signed with the same key.
func TestUncheckedHeldKeyIsUnavailable(t *testing.T) {
	t.Parallel()
	tn, ks := refetchDue(t, false)
	var flood []map[string]any
	for i := range maxLeakValues + 1 {
		flood = append(flood, map[string]any{"kid": "q", "d": b64u(big.NewInt(int64(1_000_003 + 2*i)).Bytes())})
	}
	tn.serveKeys(flood...)
	_, _ = ks.Key(context.Background(), "kid-z") // refetches: the cooldown is over
	if _, err := ks.Key(context.Background(), "kid-a"); !errors.Is(err, ports.ErrKeysUnavailable) {
		t.Errorf("Key(kid-a) dropped unchecked: got %v, want ports.ErrKeysUnavailable", err)
	}
}

// TestRememberWarnsOnceWhenFull: the moduli remembered as given away are
// bounded, and an operator is told once that some were not remembered.
func TestRememberWarnsOnceWhenFull(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t)
	ks, logs, _ := newObservedKeySource(t, tn, time.Second)
	var moduli []*big.Int
	for i := range maxCompromised + 2 {
		moduli = append(moduli, big.NewInt(int64(3+2*i)))
	}
	ks.remember(moduli[:maxCompromised])
	if n := logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 0 {
		t.Errorf("warnings with %d moduli remembered: got %d, want 0", maxCompromised, n)
	}
	ks.remember(moduli)
	ks.remember(moduli[maxCompromised:])
	if got := len(ks.compromised); got != maxCompromised {
		t.Errorf("moduli remembered: got %d, want %d", got, maxCompromised)
	}
	if n := logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 1 {
		t.Errorf("warnings once more were given away: got %d, want 1", n)
	}
}

// TestKidGivenAwayByAFailedFetch: a failed fetch (no usable key) that
// publishes a private JWK gives its kid away whether or not a key of that
// kid is held: dropped by an earlier fetch, or never held. Its tokens get
// the given-away 401, not the 503 of a kid the held set may only lack,
// which would have their clients retry a key gone for good.
func TestKidGivenAwayByAFailedFetch(t *testing.T) {
	t.Parallel()
	dA, dC := b64u(ksTestKeys()[0].D.Bytes()), b64u(ksTestKeys()[2].D.Bytes())
	keyC := &ksTestKeys()[2].PublicKey
	tests := []struct {
		name    string
		earlier []map[string]any // a good fetch between the first and the failed one, if any
		failed  []map[string]any
		body    string // served by the failed fetch instead of failed's entries, when set
		kid     string
		want    string // the error's description, or "unavailable" for ErrKeysUnavailable
		unheld  bool   // kid-b dropped too: past the scan's bound no held key is cleared
	}{
		{name: "a kid an earlier fetch dropped as private", earlier: []map[string]any{with(jwk("kid-a", keyA()), "d", dA), jwk("kid-b", keyB())},
			failed: []map[string]any{with(jwk("kid-a", keyA()), "d", dA)}, kid: "kid-a", want: GivenAwayKeyDescription},
		{name: "a kid never held", failed: []map[string]any{with(jwk("kid-c", keyC), "d", dC)}, kid: "kid-c", want: GivenAwayKeyDescription},
		{name: "a kid never held, its d alone", failed: []map[string]any{{"kid": "kid-c", "d": dC}}, kid: "kid-c", want: GivenAwayKeyDescription},
		{name: "another kid than the one given away", failed: []map[string]any{with(jwk("kid-c", keyC), "d", dC)}, kid: "kid-y", want: "unavailable"},
		// A document that is no key set publishes what it holds all the same.
		{name: "a bare private JWK", body: entry(with(jwk("kid-c", keyC), "d", dC)), kid: "kid-c", want: GivenAwayKeyDescription},
		{name: "keys named twice", body: `{"keys":[` + entry(with(jwk("kid-c", keyC), "d", dC)) + `],"keys":[]}`, kid: "kid-c", want: GivenAwayKeyDescription},
		{name: "a key set cut short", body: `{"keys":[` + entry(with(jwk("kid-c", keyC), "d", dC)) + `,{"kid":"x"`, kid: "kid-c", want: GivenAwayKeyDescription},
		{name: "a private JWK nested under another name", body: `{"jwks":{"keys":[` + entry(with(jwk("kid-c", keyC), "d", dC)) + `]}}`, kid: "kid-c", want: GivenAwayKeyDescription},
		// Past the bytes the scan of private objects reads, the set's own
		// entries still give their kids away.
		{name: "a private entry past the scan's bound", body: `{"keys":[` + entry(with(jwk("kid-c", keyC), "d", dC, "x", strings.Repeat("A", 300<<10))) + `]}`,
			kid: "kid-c", want: GivenAwayKeyDescription, unheld: true},
		{name: "a private entry after one past the scan's bound",
			body: `{"keys":[` + entry(map[string]any{"kid": "pad", "d": "AQAB", "x": strings.Repeat("A", 300<<10)}) + `,` + entry(with(jwk("kid-c", keyC), "d", dC)) + `]}`,
			kid:  "kid-c", want: GivenAwayKeyDescription, unheld: true},
		{name: "an EC key's d", failed: []map[string]any{{"kty": "EC", "kid": "kid-c", "crv": "P-256", "d": dC}}, kid: "kid-c", want: "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const cooldown = time.Minute // moved past only by the fake clock
			tn := newKSTenant(t, jwk("kid-b", keyB()))
			ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: hang, UnknownKeyCooldown: cooldown, RefreshInterval: time.Hour, RetryInterval: time.Hour})
			clk := newFakeClock()
			ks.now = clk.now
			ks.Start()
			waitReady(t, ks, hang)
			if tt.earlier != nil {
				clk.advance(cooldown)
				tn.serveKeys(tt.earlier...)
				if _, err := ks.Key(context.Background(), "kid-z"); err == nil || !strings.Contains(err.Error(), UnknownKeyDescription) {
					t.Fatalf("Key after the earlier, good fetch: got %v, want the plain unknown_key", err)
				}
			}
			clk.advance(cooldown)
			if tt.body != "" {
				tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, tt.body) })
			} else {
				tn.serveKeys(tt.failed...)
			}
			_, _ = ks.Key(context.Background(), "kid-z") // refetches: the cooldown is over
			_, err := ks.Key(context.Background(), tt.kid)
			var invalid *ports.InvalidTokenError
			switch {
			case tt.want == "unavailable":
				if !errors.Is(err, ports.ErrKeysUnavailable) {
					t.Errorf("Key(%s): got %v, want ErrKeysUnavailable", tt.kid, err)
				}
			case !errors.As(err, &invalid) || invalid.Reason != ports.ReasonUnknownKey || invalid.Description != tt.want:
				t.Errorf("Key(%s): got %v, want unknown_key %q", tt.kid, err, tt.want)
			}
			key, err := ks.Key(context.Background(), "kid-b")
			if held := err == nil && sameKey(key, keyB()); held == tt.unheld {
				t.Errorf("Key(kid-b): got held %v (%v), want held %v", held, err, !tt.unheld)
			}
		})
	}
}
