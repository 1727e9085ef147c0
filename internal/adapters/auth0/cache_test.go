package auth0_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

const (
	cacheDomain   = "cache.eu.auth0.com"
	cacheAudience = "https://messages-api.example.com"
)

func cacheSetup(t *testing.T, rejectSize int) (*auth0test.Signer, *auth0.Verifier) {
	t.Helper()
	s, err := auth0test.NewSigner("https://"+cacheDomain+"/", cacheAudience, "k1")
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth0.New(auth0.MustTenant(t, cacheDomain, false, 0), auth0.Config{Audiences: []string{cacheAudience}, RejectCacheSize: rejectSize}, s)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func reasonOf(err error) ports.Reason {
	var invalid *ports.InvalidTokenError
	if errors.As(err, &invalid) {
		return invalid.Reason
	}
	return ""
}

// TestTokenCacheCounts checks what each cache remembers, through its counters.
func TestTokenCacheCounts(t *testing.T) {
	s, _ := cacheSetup(t, 0)
	good, err := s.Sign(s.Claims("reader", "read:messages"))
	if err != nil {
		t.Fatal(err)
	}
	badSig := good[:len(good)-8] + "AAAAAAAA"
	future := s.Claims("reader", "")
	future["nbf"] = future["iat"].(int64) + 3600
	notYet, err := s.Sign(future)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		token      string
		wantReason ports.Reason // "" for success
		wantHit    bool         // the second call is answered from a cache
	}{
		{"valid token is remembered", good, "", true},
		{"bad signature is remembered", badSig, ports.ReasonBadSignature, true},
		{"not yet valid is not remembered", notYet, ports.ReasonNotYetValid, false},
		{"malformed is refused before any cache", "a.b", ports.ReasonMalformed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := cacheSetup(t, 0)
			for call := 1; call <= 2; call++ {
				hits, _, _ := v.CacheStats()
				_, err := v.Verify(context.Background(), tt.token)
				if got := reasonOf(err); got != tt.wantReason || (tt.wantReason == "" && err != nil) {
					t.Fatalf("call %d: got %v, want reason %q", call, err, tt.wantReason)
				}
				after, _, _ := v.CacheStats()
				if hit := after > hits; call == 2 && hit != tt.wantHit {
					t.Errorf("call 2: got hit %v, want %v", hit, tt.wantHit)
				}
			}
		})
	}
}

// TestRejectCacheCannotPoison: a forged variant of a valid token, refused
// and remembered, must not make the valid one fail, nor the reverse.
func TestRejectCacheCannotPoison(t *testing.T) {
	s, v := cacheSetup(t, 0)
	good, err := s.Sign(s.Claims("reader", "read:messages"))
	if err != nil {
		t.Fatal(err)
	}
	forged := good[:len(good)-8] + "AAAAAAAA"
	ctx := context.Background()
	for i, c := range []struct {
		token string
		want  ports.Reason
	}{{forged, ports.ReasonBadSignature}, {good, ""}, {forged, ports.ReasonBadSignature}, {good, ""}} {
		if _, err := v.Verify(ctx, c.token); reasonOf(err) != c.want || (c.want == "" && err != nil) {
			t.Errorf("call %d: got %v, want reason %q", i, err, c.want)
		}
	}
}

// TestRejectCacheMemoryIsBounded floods the cache of refused tokens with
// large forgeries: it remembers a digest of each, never the token.
func TestRejectCacheMemoryIsBounded(t *testing.T) {
	const size, forgeries = 200, 600
	s, v := cacheSetup(t, size)
	// Anyone can make these: a real header and a 14 KiB payload (copied
	// from a real token), and any signature of the right length.
	claims := s.Claims("reader", "read:messages")
	claims["pad"] = strings.Repeat("x", 10<<10)
	big, err := s.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	signingInput := big[:strings.LastIndexByte(big, '.')]
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range forgeries {
		sig := make([]byte, 256)
		binary.BigEndian.PutUint64(sig, uint64(i)+1)
		tok := signingInput + "." + base64.RawURLEncoding.EncodeToString(sig)
		if _, err := v.Verify(context.Background(), tok); reasonOf(err) != ports.ReasonBadSignature {
			t.Fatalf("forgery %d: got %v, want bad_signature (the flood must reach the RSA check)", i, err)
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// Remembering the tokens themselves would hold size x 14 KiB = 2.7 MiB.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Errorf("got the heap grown by %d KiB after %d forgeries, want under 1 MiB for %d remembered refusals", grew>>10, forgeries, size)
	}
}

// A cached answer must never outlive what made it true: the key, the clock,
// the caller's copy of the claims.
func TestVerifierCache(t *testing.T) {
	keys := vtKeys()
	newVerifier := vtCachingVerifier
	mainPub, otherPub := &keys.main.PublicKey, &keys.other.PublicKey
	wantOK := vtClaimsWant("read:messages", "write:messages")

	for _, size := range []int{0, -1} { // default cache, and no cache
		t.Run(fmt.Sprintf("CacheSize %d", size), func(t *testing.T) {
			t.Run("valid token twice gives equal claims", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				for i := range 3 {
					got, reason, err := vtVerify(t, v, tok)
					if err != nil || !reflect.DeepEqual(got, *wantOK) {
						t.Fatalf("call %d: got %+v, %s, %v; want %+v", i, got, reason, err, *wantOK)
					}
				}
				if _, _, n := v.CacheStats(); size < 0 && n != 0 {
					t.Errorf("got %d cache entries with the cache disabled, want 0", n)
				}
			})
			t.Run("caller mutating its claims does not change the next answer", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, vtObj{"scope": "openid"})
				first, _, err := vtVerify(t, v, tok)
				if err != nil || len(first.Scopes) != 1 {
					t.Fatalf("got %+v, %v; want one scope", first, err)
				}
				first.Scopes[0] = domain.ScopeReadMessages // a buggy or hostile caller
				first.Subject = "admin@clients"
				// The second answer is a cache hit: writing to it must not
				// reach the cache either.
				for call := 2; call <= 3; call++ {
					got, _, err := vtVerify(t, v, tok)
					if err != nil || !reflect.DeepEqual(got, domain.Claims{Subject: vtSubject, Scopes: []string{"openid"}}) {
						t.Fatalf("got %+v, %v on call %d, want the claims as verified: a caller's writes must not reach the cache", got, err, call)
					}
					got.Scopes[0] = domain.ScopeReadMessages
				}
			})
			for _, kc := range []struct {
				name       string
				then       *rsa.PublicKey // the kid's key after a first success; nil: removed
				nilKey     bool           // instead, the finder answers no key and no error, as a careless one might
				wantReason ports.Reason
			}{
				{"key removed from the tenant", nil, false, ports.ReasonUnknownKey},
				{"kid rebound to another key", otherPub, false, ports.ReasonBadSignature},
				{"a finder's nil key with no error is no key", nil, true, ports.ReasonUnknownKey},
			} {
				t.Run(kc.name, func(t *testing.T) {
					finder := &vtNilKeys{}
					finder.set(vtKid, mainPub, nil)
					v := newVerifier(t, finder, size)
					tok := vtToken(nil, nil)
					if _, reason, err := vtVerify(t, v, tok); err != nil {
						t.Fatalf("got %s, %v; want success", reason, err)
					}
					if kc.nilKey {
						finder.nilKey.Store(true) // the next lookup, a cache hit's included
					} else {
						finder.set(vtKid, kc.then, nil)
					}
					if _, reason, err := vtVerify(t, v, tok); reason != kc.wantReason {
						t.Errorf("got %q, %v after the change of key; want %s", reason, err, kc.wantReason)
					}
					if _, _, n := v.CacheStats(); n != 0 {
						t.Errorf("got %d cache entries after the change of key, want 0: a stale entry is dropped", n)
					}
					// A verifier that never had the key answers the same.
					if _, reason, err := vtVerify(t, newVerifier(t, finder, size), tok); kc.then == nil && reason != kc.wantReason {
						t.Errorf("with no key ever: got %q, %v; want %s", reason, err, kc.wantReason)
					}
				})
			}
			t.Run("unknown kid is not remembered once the key appears", func(t *testing.T) {
				finder := &vtStaticKeys{}
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				if _, reason, err := vtVerify(t, v, tok); reason != ports.ReasonUnknownKey {
					t.Fatalf("got %q, %v; want unknown_key", reason, err)
				}
				finder.set(vtKid, mainPub, nil)
				if got, reason, err := vtVerify(t, v, tok); err != nil || !reflect.DeepEqual(got, *wantOK) {
					t.Errorf("got %+v, %q, %v once the key was published; want success", got, reason, err)
				}
			})
			t.Run("keys unavailable passes through and is not remembered", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, nil, fmt.Errorf("%w: tenant down", ports.ErrKeysUnavailable))
				v := newVerifier(t, finder, size)
				tok := vtToken(nil, nil)
				_, _, err := vtVerify(t, v, tok)
				var invalid *ports.InvalidTokenError
				if !errors.Is(err, ports.ErrKeysUnavailable) || errors.As(err, &invalid) {
					t.Fatalf("got %v, want an error wrapping ports.ErrKeysUnavailable and no InvalidTokenError", err)
				}
				finder.set(vtKid, mainPub, nil)
				if _, reason, err := vtVerify(t, v, tok); err != nil {
					t.Errorf("got %q, %v once keys were back; want success", reason, err)
				}
			})
			t.Run("bad signature stays refused", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				forged := vtSign(vtRS256(keys.attacker), vtHeader(nil), vtClaims(nil))
				for i := range 3 {
					if _, reason, err := vtVerify(t, v, forged); reason != ports.ReasonBadSignature {
						t.Fatalf("call %d: got %q, %v; want bad_signature", i, reason, err)
					}
				}
			})
			t.Run("exp beyond int64 seconds", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				for _, exp := range []float64{1e19, 1e300} {
					tok := vtToken(nil, vtObj{"exp": exp})
					for i := range 2 {
						if _, reason, err := vtVerify(t, v, tok); reason != ports.ReasonInvalidClaim {
							t.Errorf("exp %g, call %d: got %q, %v; want invalid_claim", exp, i, reason, err)
						}
					}
				}
			})
			t.Run("concurrent callers", func(t *testing.T) {
				finder := &vtStaticKeys{}
				finder.set(vtKid, mainPub, nil)
				v := newVerifier(t, finder, size)
				good, forged := vtToken(nil, nil), vtSign(vtRS256(keys.attacker), vtHeader(nil), vtClaims(nil))
				var wg sync.WaitGroup
				errs := make(chan string, 64)
				for i := range 16 {
					wg.Go(func() {
						for range 8 {
							if c, err := v.Verify(context.Background(), good); err != nil || !reflect.DeepEqual(c, *wantOK) {
								errs <- fmt.Sprintf("worker %d: good token gave %+v, %v", i, c, err)
								return
							}
							if _, err := v.Verify(context.Background(), forged); err == nil {
								errs <- fmt.Sprintf("worker %d: forged token accepted", i)
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for e := range errs {
					t.Error(e)
				}
			})
		})
	}
}

// Time moves on for a cached token: it expires, and a not-yet-valid token
// becomes valid. The library reads the time itself, so the test runs in a
// synctest bubble, where time moves only when every goroutine waits.
func TestVerifierCacheTime(t *testing.T) {
	keys := vtKeys()
	for _, size := range []int{0, -1} {
		t.Run(fmt.Sprintf("CacheSize %d", size), func(t *testing.T) {
			t.Parallel()
			v := vtClockVerifier(t, &keys.main.PublicKey, size)
			synctest.Test(t, func(t *testing.T) {
				const margin = 2.0 // seconds
				now := float64(time.Now().UnixNano()) / 1e9
				leeway := auth0.DefaultLeeway.Seconds()
				expiring := vtToken(nil, vtObj{"exp": now - leeway + margin})
				maturing := vtToken(nil, vtObj{"nbf": now + leeway + margin})
				if _, reason, err := vtVerify(t, v, expiring); err != nil {
					t.Fatalf("expiring token: got %q, %v before its exp; want success", reason, err)
				}
				if _, reason, _ := vtVerify(t, v, maturing); reason != ports.ReasonNotYetValid {
					t.Fatalf("maturing token: got %q before its nbf, want not_yet_valid", reason)
				}
				time.Sleep(time.Duration((margin + 1.3) * float64(time.Second))) // NumericDates are whole seconds to go-jose
				if _, reason, err := vtVerify(t, v, expiring); reason != ports.ReasonExpired {
					t.Errorf("expiring token: got %q, %v after its exp; want expired", reason, err)
				}
				if _, reason, err := vtVerify(t, v, maturing); err != nil {
					t.Errorf("maturing token: got %q, %v after its nbf; want success", reason, err)
				}
			})
		})
	}
}

// TestVerifierForgetsRefusalsTimeCures: a refusal the library gives for a
// time claim (the wall clock stepped back between our check and its own)
// is not remembered: time cures it, and the next try goes to the library.
func TestVerifierForgetsRefusalsTimeCures(t *testing.T) {
	keys := vtKeys()
	hour := func(n time.Duration) float64 { return float64(time.Now().Add(n * time.Hour).Unix()) }
	tests := []struct {
		name   string
		claims vtObj
		want   ports.Reason
	}{
		{"nbf", vtObj{"nbf": hour(1), "exp": hour(3)}, ports.ReasonNotYetValid},
		{"iat", vtObj{"iat": hour(1), "exp": hour(3)}, ports.ReasonIssuedInFuture},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			finder := &vtStaticKeys{}
			finder.set(vtKid, &keys.main.PublicKey, nil)
			v := vtCachingVerifier(t, finder, 0)
			// Our clock is ahead of the library's (the real one): our check
			// passes the claim, the library's refuses it.
			v.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
			calls := v.CountLibraryCalls()
			tok := vtToken(nil, tc.claims)
			for i := 1; i <= 2; i++ {
				if _, reason, err := vtVerify(t, v, tok); reason != tc.want {
					t.Fatalf("call %d: got %q, %v; want %s", i, reason, err, tc.want)
				}
				if got := calls.Load(); got != int64(i) {
					t.Errorf("after call %d: got %d library calls, want %d (the refusal must not be remembered)", i, got, i)
				}
			}
		})
	}
}

// TestVerifierCachedNbfAfterClockStepBack: a cached token is judged by nbf
// on every hit, as a miss would be: a clock stepped back before its nbf
// makes it not yet valid again.
func TestVerifierCachedNbfAfterClockStepBack(t *testing.T) {
	finder := &vtStaticKeys{}
	finder.set(vtKid, &vtKeys().main.PublicKey, nil)
	v := vtCachingVerifier(t, finder, 0)
	tok := vtToken(nil, vtObj{"nbf": float64(time.Now().Add(-time.Minute).Unix())})
	if _, reason, err := vtVerify(t, v, tok); err != nil {
		t.Fatalf("got %q, %v; want success", reason, err)
	}
	v.SetClock(func() time.Time { return time.Now().Add(-time.Hour) })
	for i := range 2 {
		if _, reason, err := vtVerify(t, v, tok); reason != ports.ReasonNotYetValid {
			t.Errorf("call %d, clock an hour back: got %q, %v; want not_yet_valid", i, reason, err)
		}
	}
}

// TestVerifierStopEndsCacheGoroutines: otter runs a cleanup goroutine for
// each cache with expiry; Stop ends both, and the verifier still answers.
func TestVerifierStopEndsCacheGoroutines(t *testing.T) {
	ignore := goleak.IgnoreCurrent() // by id: goroutines of earlier tests do not count
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	v, err := vtNew(vtBaseConfig(), keys)
	if err != nil {
		t.Fatal(err)
	}
	v.Stop()
	goleak.VerifyNone(t, ignore)
	if _, err := v.Verify(t.Context(), vtToken(nil, nil)); err != nil {
		t.Errorf("got %v after Stop, want the token verified", err)
	}
}
