package auth0_test

import (
	"crypto/rsa"
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
