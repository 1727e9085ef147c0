package auth0

import (
	"context"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
)

// BenchmarkColdOverLibrary interleaves the library's ValidateToken alone
// (configured as the verifier configures it, key handed over directly) and
// a cold verifier call (cache off: pre-parse checks, key lookup, the
// library) on the same token, so both see the same machine at the same
// moment, and reports their ratio (the target is 1.15 at most).
func BenchmarkColdOverLibrary(b *testing.B) {
	const issuer, audience = "https://bench.eu.auth0.com/", "https://messages-api.example.com"
	s, err := auth0test.NewSigner(issuer, audience, "bench-key-1")
	if err != nil {
		b.Fatal(err)
	}
	tok, err := s.Sign(s.Claims("client-0", "read:messages write:messages"))
	if err != nil {
		b.Fatal(err)
	}
	v, err := New(MustTenant(b, "bench.eu.auth0.com", false, 0), Config{Audiences: []string{audience}, CacheSize: -1}, s)
	if err != nil {
		b.Fatal(err)
	}
	keyCtx := withKey(context.Background(), &s.Private.PublicKey)
	ctx := context.Background()
	var lib, cold time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := v.library.ValidateToken(keyCtx, tok); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		lib += t1.Sub(t0)
		cold += t2.Sub(t1)
	}
	b.ReportMetric(float64(cold)/float64(lib), "cold/library")
	b.ReportMetric(float64(lib.Nanoseconds())/float64(b.N), "library-ns/op")
	b.ReportMetric(float64(cold.Nanoseconds())/float64(b.N), "cold-ns/op")
}
