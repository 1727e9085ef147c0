package auth0_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-jwt-middleware/v2/validator"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
)

// Benchmarks of the verifier against its floor (one raw RSA verification of
// the same token) and against go-jwt-middleware's validator, which it runs
// on every cache miss. Figures, not
// assertions: run with go test -bench . -benchmem ./internal/adapters/auth0/

const (
	benchDomain   = "bench.eu.auth0.com"
	benchAudience = "https://messages-api.example.com"
	benchKid      = "bench-key-1"
)

func benchSigner(b testing.TB) *auth0test.Signer {
	b.Helper()
	s, err := auth0test.NewSigner("https://"+benchDomain+"/", benchAudience, benchKid)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchToken signs an Auth0-shaped access token; n makes it unique.
func benchToken(b testing.TB, n int) string {
	b.Helper()
	s := benchSigner(b)
	tok, err := s.Sign(s.Claims("client-"+strconv.Itoa(n), "read:messages write:messages"))
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

func benchVerifier(b testing.TB, cacheSize int) *auth0.Verifier {
	b.Helper()
	v, err := auth0.New(auth0.MustTenant(b, benchDomain, false, 0), auth0.Config{Audiences: []string{benchAudience}, CacheSize: cacheSize},
		benchSigner(b))
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkRawRSAVerify is the floor: SHA-256 of the signing input and one
// RSA PKCS#1 v1.5 verification, nothing else.
func BenchmarkRawRSAVerify(b *testing.B) {
	tok := benchToken(b, 0)
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	pub := &benchSigner(b).Private.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		digest := sha256.Sum256([]byte(tok[:i]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifierCold verifies with the cache disabled: every call pays
// the full path.
func BenchmarkVerifierCold(b *testing.B) {
	v := benchVerifier(b, -1)
	tok := benchToken(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifierWarm is a reused token: a cache hit.
func BenchmarkVerifierWarm(b *testing.B) {
	v := benchVerifier(b, 0)
	tok := benchToken(b, 0)
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLibraryValidator is go-jwt-middleware's validator on the same
// token, for comparison.
func BenchmarkLibraryValidator(b *testing.B) {
	pub := &benchSigner(b).Private.PublicKey
	val, err := validator.New(func(context.Context) (any, error) { return pub, nil }, validator.RS256,
		"https://"+benchDomain+"/", []string{benchAudience})
	if err != nil {
		b.Fatal(err)
	}
	tok := benchToken(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := val.ValidateToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdOverRaw interleaves a raw RSA verification and a cold
// verifier call of the same token, so both see the same machine at the
// same moment, and reports their ratio (for reference: the library does the
// RSA check now; BenchmarkColdOverLibrary holds the target).
func BenchmarkColdOverRaw(b *testing.B) {
	v := benchVerifier(b, -1)
	tok := benchToken(b, 0)
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	pub := &benchSigner(b).Private.PublicKey
	ctx := context.Background()
	var raw, cold time.Duration
	for b.Loop() {
		t0 := time.Now()
		digest := sha256.Sum256([]byte(tok[:i]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		raw += t1.Sub(t0)
		cold += t2.Sub(t1)
	}
	b.ReportMetric(float64(cold)/float64(raw), "cold/raw")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(cold.Nanoseconds())/float64(b.N), "cold-ns/op")
}
