package auth0

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"testing"

	"github.com/example/messages-api/internal/ports"
)

// scriptedKeys is a keySetFinder that answers every lookup with keys and
// err, counting the lookups.
type scriptedKeys struct {
	keys    []*rsa.PublicKey
	err     error
	lookups int
}

func (s *scriptedKeys) lookup(context.Context, string) ([]*rsa.PublicKey, uint64, error) {
	s.lookups++
	if s.err != nil {
		return nil, 0, s.err
	}
	return s.keys, 1, nil
}

func (s *scriptedKeys) KeySetVersion() uint64 { return 1 }

// TestCachedTokenLooksItsKeyUpOnce: a cached token's key lookup may wait
// FetchTimeout for the tenant (a kid rotated out of a key set the tenant
// cannot refresh, a set past MaxStaleAge), so a lookup that fails is the
// request's answer: verifying afresh would wait again, and a request would
// wait twice the longest README promises, past HTTP_WRITE_TIMEOUT, its
// 503 never sent. Only a kid now naming another key verifies afresh (its
// second lookup is answered from the held set).
func TestCachedTokenLooksItsKeyUpOnce(t *testing.T) {
	t.Parallel()
	unavailable := fmt.Errorf("%w: no key set fetched within 5s", ports.ErrKeysUnavailable)
	tests := []struct {
		name        string
		keys        []*rsa.PublicKey // the lookup's answer once the token is cached
		err         error
		wantLookups int
		wantReason  ports.Reason // "" for no InvalidTokenError
		wantIs      error        // matched with errors.Is; nil for success or a reason
		wantCached  bool         // the entry is still cached afterwards
		plainOnly   bool         // only a plain KeyFinder can answer so
	}{
		{name: "key still held", keys: []*rsa.PublicKey{keyA()}, wantLookups: 1, wantCached: true},
		{name: "keys unavailable", err: unavailable, wantLookups: 1, wantIs: ports.ErrKeysUnavailable},
		{name: "kid rotated out", err: ports.Invalid(ports.ReasonUnknownKey, UnknownKeyDescription), wantLookups: 1, wantReason: ports.ReasonUnknownKey},
		{name: "caller gone", err: context.Canceled, wantLookups: 1, wantIs: context.Canceled},
		{name: "kid names another key", keys: []*rsa.PublicKey{keyB()}, wantLookups: 2, wantReason: ports.ReasonBadSignature},
		// A KeyFinder may answer no key with no error (KeyFinder's doc).
		{name: "no key and no error", keys: []*rsa.PublicKey{nil}, plainOnly: true, wantLookups: 1, wantReason: ports.ReasonUnknownKey},
	}
	for _, tt := range tests {
		for _, plain := range []bool{false, true} {
			if tt.plainOnly && !plain {
				continue
			}
			finder := map[bool]string{false: "key source", true: "plain KeyFinder"}[plain]
			t.Run(tt.name+"/"+finder, func(t *testing.T) {
				t.Parallel()
				checkCachedLookup(t, tt.keys, tt.err, plain, tt.wantLookups, tt.wantReason, tt.wantIs, tt.wantCached)
			})
		}
	}
}

// checkCachedLookup caches a token, scripts the next key lookups (keys,
// err) and checks what verifying it again does; plain hides the
// scripted finder's lookup, so the verifier uses its Key alone.
func checkCachedLookup(t *testing.T, nextKeys []*rsa.PublicKey, nextErr error, plain bool, wantLookups int, wantReason ports.Reason, wantIs error, wantCached bool) {
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	keys := &scriptedKeys{keys: []*rsa.PublicKey{keyA()}}
	var finder KeyFinder = keyFinderFunc{keys}
	if plain {
		finder = plainFinder{keys}
	}
	v, err := New(MustTenant(t, tn.issuer, false, 0), Config{Audiences: []string{faultAudience}}, finder)
	if err != nil {
		t.Fatal(err)
	}
	tok := faultToken(t, tn, "kid-a", ksTestKeys()[0])
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("first Verify: %v", err)
	}

	keys.keys, keys.err, keys.lookups = nextKeys, nextErr, 0
	_, err = v.Verify(context.Background(), tok)
	if keys.lookups != wantLookups {
		t.Errorf("got %d key lookups, want %d", keys.lookups, wantLookups)
	}
	if got := faultReason(err); wantReason != "" && got != wantReason {
		t.Errorf("got %q, want reason %q", got, wantReason)
	}
	if wantIs != nil && !errors.Is(err, wantIs) {
		t.Errorf("got %v, want an error matching %v", err, wantIs)
	}
	if wantReason == "" && wantIs == nil && err != nil {
		t.Errorf("got %v, want success", err)
	}
	if _, got := v.cache.ok.GetIfPresent(hashToken(tok)); got != wantCached {
		t.Errorf("cached afterwards: got %v, want %v", got, wantCached)
	}
}

// keyFinderFunc is scriptedKeys as the KeyFinder New takes (New finds
// its lookup and uses that).
type keyFinderFunc struct{ *scriptedKeys }

func (f keyFinderFunc) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	keys, _, err := f.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	return keys[0], nil
}

// plainFinder is scriptedKeys as a KeyFinder alone, not a keySetFinder.
type plainFinder struct{ s *scriptedKeys }

func (f plainFinder) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	return keyFinderFunc{f.s}.Key(ctx, kid)
}
