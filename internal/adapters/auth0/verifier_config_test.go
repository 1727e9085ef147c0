package auth0_test

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/ports"
)

func TestVerifierNewConfig(t *testing.T) {
	keys := &vtStaticKeys{}
	tests := []struct {
		name       string
		cfg        func(*vtConfig)
		wantErr    string // substring of the error; "" means success
		wantIssuer string
	}{
		{name: "minimal", wantIssuer: vtIssuer},
		{name: "several audiences", cfg: func(c *vtConfig) { c.Audiences = []string{vtAudience, vtAudience2} }, wantIssuer: vtIssuer},
		{name: "all options", cfg: func(c *vtConfig) {
			c.Leeway, c.Permissions, c.RequireAtJWT, c.MaxTokenBytes = time.Minute, true, true, 4096
		}, wantIssuer: vtIssuer},
		{name: "domain with scheme", cfg: func(c *vtConfig) { c.Domain = "https://" + vtDomain + "/" }, wantIssuer: vtIssuer},
		{name: "missing domain", cfg: func(c *vtConfig) { c.Domain = "" }, wantErr: "AUTH0_DOMAIN"},
		{name: "domain with a path", cfg: func(c *vtConfig) { c.Domain = vtDomain + "/api" }, wantErr: "AUTH0_DOMAIN"},
		{name: "http domain", cfg: func(c *vtConfig) { c.Domain = "http://" + vtDomain }, wantErr: "https"},
		{name: "http loopback without the flag", cfg: func(c *vtConfig) { c.Domain = "http://127.0.0.1:3011" }, wantErr: "https"},
		{name: "http loopback with the flag", cfg: func(c *vtConfig) {
			c.Domain, c.AllowInsecureLoopback = "http://127.0.0.1:3011", true
		}, wantIssuer: "http://127.0.0.1:3011/"},
		{name: "no audiences", cfg: func(c *vtConfig) { c.Audiences = nil }, wantErr: "audience"},
		{name: "empty audience list", cfg: func(c *vtConfig) { c.Audiences = []string{} }, wantErr: "audience"},
		{name: "empty audience", cfg: func(c *vtConfig) { c.Audiences = []string{""} }, wantErr: "audience"},
		{name: "blank audience among good ones", cfg: func(c *vtConfig) { c.Audiences = []string{vtAudience, "  "} }, wantErr: "audience"},
		{name: "negative leeway", cfg: func(c *vtConfig) { c.Leeway = -time.Second }, wantErr: "leeway"},
		{name: "leeway of 5m", cfg: func(c *vtConfig) { c.Leeway = 5 * time.Minute }, wantIssuer: vtIssuer},
		{name: "leeway over 5m", cfg: func(c *vtConfig) { c.Leeway = 5*time.Minute + time.Nanosecond }, wantErr: "leeway"},
		{name: "MaxTokenBytes 1024", cfg: func(c *vtConfig) { c.MaxTokenBytes = 1024 }, wantIssuer: vtIssuer},
		{name: "MaxTokenBytes 1023", cfg: func(c *vtConfig) { c.MaxTokenBytes = 1023 }, wantErr: "max token bytes"},
		{name: "MaxTokenBytes negative", cfg: func(c *vtConfig) { c.MaxTokenBytes = -1 }, wantErr: "max token bytes"},
		{name: "CacheSize at the cap", cfg: func(c *vtConfig) { c.CacheSize, c.RejectCacheSize = auth0.MaxCacheSize, auth0.MaxCacheSize }, wantIssuer: vtIssuer},
		{name: "CacheSize past the cap", cfg: func(c *vtConfig) { c.CacheSize = auth0.MaxCacheSize + 1 }, wantErr: "cache sizes"},
		{name: "CacheSize that would overflow its weight", cfg: func(c *vtConfig) { c.CacheSize = math.MaxInt }, wantErr: "cache sizes"},
		{name: "RejectCacheSize past the cap", cfg: func(c *vtConfig) { c.RejectCacheSize = auth0.MaxCacheSize + 1 }, wantErr: "cache sizes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := vtBaseConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			v, err := vtNew(cfg, keys)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one mentioning %q", err, tc.wantErr)
				}
				if v != nil {
					t.Errorf("got a verifier with the error, want nil")
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got := v.Issuer(); got != tc.wantIssuer {
				t.Errorf("got issuer %q, want %q", got, tc.wantIssuer)
			}
		})
	}
}

// The zero Leeway and MaxTokenBytes mean the documented defaults.
func TestVerifierDefaults(t *testing.T) {
	keys := &vtStaticKeys{keys: map[string]*rsa.PublicKey{vtKid: &vtKeys().main.PublicKey}}
	v, err := vtNew(vtBaseConfig(), keys)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	edge := int64(auth0.DefaultLeeway / time.Second)
	tests := []struct {
		name   string
		token  string
		reason ports.Reason // "" means accepted
	}{
		{"expired 10s inside DefaultLeeway", vtToken(nil, vtObj{"exp": now.Unix() - edge + 10}), ""},
		{"expired 10s beyond DefaultLeeway", vtToken(nil, vtObj{"exp": now.Unix() - edge - 10}), ports.ReasonExpired},
		{"at DefaultMaxTokenBytes", vtFill(auth0.DefaultMaxTokenBytes), ""},
		{"one byte over DefaultMaxTokenBytes", vtFill(auth0.DefaultMaxTokenBytes + 1), ports.ReasonTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			var invalid *ports.InvalidTokenError
			switch {
			case tc.reason == "" && err != nil:
				t.Fatalf("got %v, want success", err)
			case tc.reason != "" && (!errors.As(err, &invalid) || invalid.Reason != tc.reason):
				t.Fatalf("got %v, want reason %s", err, tc.reason)
			}
		})
	}
}

// vtFill returns a valid token of exactly n bytes, padding the claims with
// an unknown member (and the header with spaces where base64 rounding skips n).
func vtFill(n int) string {
	const sigLen = 342 // RS256 with a 2048-bit key: 256 bytes in base64url
	enc := base64.RawURLEncoding.EncodedLen
	claims := vtClaims(nil)
	for extra := range 3 {
		header := vtHeader(nil) + strings.Repeat(" ", extra)
		start := max(0, base64.RawURLEncoding.DecodedLen(n-sigLen-2-enc(len(header)))-len(claims)-16)
		for pad := start; ; pad++ {
			payload := strings.Replace(claims, "{", `{"pad":"`+strings.Repeat("x", pad)+`",`, 1)
			size := enc(len(header)) + 1 + enc(len(payload)) + 1 + sigLen
			if size == n {
				tok := vtSign(vtRS256(vtKeys().main), header, payload)
				if len(tok) != n {
					panic(fmt.Sprintf("built %d bytes, want %d", len(tok), n))
				}
				return tok
			}
			if size > n {
				break
			}
		}
	}
	panic(fmt.Sprintf("cannot build a token of exactly %d bytes", n))
}
