package auth0_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
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
