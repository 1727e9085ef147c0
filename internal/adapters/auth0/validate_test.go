package auth0

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"testing"

	jose "gopkg.in/go-jose/go-jose.v2"
	josejson "gopkg.in/go-jose/go-jose.v2/json"
	"gopkg.in/go-jose/go-jose.v2/jwt"

	"github.com/example/messages-api/internal/adapters/auth0/auth0test"
	"github.com/example/messages-api/internal/ports"
)

// TestLibraryErrorMapping pins how each error the library reports becomes
// a stable reason. The errors are wrapped as ValidateToken wraps them; the
// mapping goes by go-jose's exported errors, never by message text.
func TestLibraryErrorMapping(t *testing.T) {
	wrap := func(stage string, err error) error { return fmt.Errorf("%s: %w", stage, err) }
	claims := func(err error) error {
		return wrap("failed to deserialize token claims", wrap("could not get token claims", err))
	}
	expected := func(err error) error { return wrap("expected claims not validated", err) }
	tests := []struct {
		name string
		err  error
		want ports.Reason // "" means not a token's fault: returned as is
	}{
		{"signature", claims(jose.ErrCryptoFailure), ports.ReasonBadSignature},
		{"issuer", expected(jwt.ErrInvalidIssuer), ports.ReasonWrongIssuer},
		{"audience", expected(jwt.ErrInvalidAudience), ports.ReasonWrongAudience},
		{"audience not decodable (null)", claims(jwt.ErrUnmarshalAudience), ports.ReasonWrongAudience},
		{"not yet valid", expected(jwt.ErrNotValidYet), ports.ReasonNotYetValid},
		{"expired", expected(jwt.ErrExpired), ports.ReasonExpired},
		{"issued in the future", expected(jwt.ErrIssuedInTheFuture), ports.ReasonIssuedInFuture},
		{"NumericDate of the wrong type", claims(jwt.ErrUnmarshalNumericDate), ports.ReasonInvalidClaim},
		{"claim of the wrong type", claims(&josejson.UnmarshalTypeError{Value: "number"}), ports.ReasonInvalidClaim},
		{"algorithm", claims(jose.ErrUnsupportedAlgorithm), ports.ReasonUnsupportedAlgorithm},
		{"custom claims", wrap("custom claims not validated", ports.Invalid(ports.ReasonInvalidClaim, "x")), ports.ReasonInvalidClaim},
		{"unparsable", wrap("could not parse the token", errors.New("go-jose/go-jose: compact JWS format must have three parts")), ports.ReasonMalformed},
		{"format", wrap("invalid token format", errors.New("token contains too many segments")), ports.ReasonMalformed},
		{"no key in the context", claims(wrap("error getting the keys from the key func", errNoKey)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := libraryError(tt.err)
			var invalid *ports.InvalidTokenError
			switch {
			case tt.want == "":
				if errors.As(got, &invalid) || !errors.Is(got, errNoKey) {
					t.Errorf("got %v, want the error itself, not a token refusal", got)
				}
			case !errors.As(got, &invalid):
				t.Errorf("got %v (%T), want reason %s", got, got, tt.want)
			case invalid.Reason != tt.want:
				t.Errorf("got reason %s, want %s", invalid.Reason, tt.want)
			}
		})
	}
}

// TestEveryMissGoesThroughTheLibrary: every token that is not a cache hit
// and passes the pre-parse checks is checked by the library's
// ValidateToken, exactly once per key tried; cache hits never are.
func TestEveryMissGoesThroughTheLibrary(t *testing.T) {
	const issuer, audience = "https://count.eu.auth0.com/", "https://messages-api.example.com"
	s, err := auth0test.NewSigner(issuer, audience, "k1")
	if err != nil {
		t.Fatal(err)
	}
	sign := func(over map[string]any) string {
		c := s.Claims("counted", "read:messages")
		for k, v := range over {
			c[k] = v
		}
		tok, err := s.Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(nil)
	tokens := []struct {
		name    string
		token   string
		library bool // passes the pre-parse checks and the key lookup
	}{
		{"valid", good, true},
		{"another valid", sign(map[string]any{"sub": "other"}), true},
		{"bad signature", good[:len(good)-6] + "AAAAAA", true},
		{"expired (refused before)", sign(map[string]any{"exp": 1000}), false},
		{"wrong audience (refused before)", sign(map[string]any{"aud": "https://other.example.com"}), false},
		{"wrong issuer (refused before)", sign(map[string]any{"iss": "https://other.eu.auth0.com/"}), false},
		{"not yet valid (refused before)", sign(map[string]any{"nbf": 4e9}), false},
		{"no exp (refused before)", sign(map[string]any{"exp": nil}), false},
		{"malformed (refused before)", "not-a-token", false},
	}
	for _, size := range []int{0, -1} {
		t.Run(fmt.Sprintf("CacheSize %d", size), func(t *testing.T) {
			v, err := New(MustTenant(t, issuer, false, 0), Config{Audiences: []string{audience}, CacheSize: size}, s)
			if err != nil {
				t.Fatal(err)
			}
			calls := v.CountLibraryCalls()
			for round := range 3 {
				for _, tt := range tokens {
					hits, misses, _ := v.CacheStats()
					before := calls.Load()
					_, _ = v.Verify(context.Background(), tt.token)
					hits2, misses2, _ := v.CacheStats()
					got := calls.Load() - before
					var want int64
					switch {
					case !tt.library:
					case size < 0: // no cache: every call is fresh
						want = 1
					case misses2 > misses:
						want = 1
					case hits2 == hits:
						t.Fatalf("round %d, %s: neither a hit nor a miss", round, tt.name)
					}
					if got != want {
						t.Errorf("round %d, %s: got %d library calls, want %d", round, tt.name, got, want)
					}
				}
			}
		})
	}
}

// TestDevTenantUnknownKey: with the dev tenant, an unknown kid says that
// the tenant's key may have changed (it is made afresh at each start); a
// kid whose key was given away says so, dev tenant or not; the
// descriptions keep RFC 6750's characters.
func TestDevTenantUnknownKey(t *testing.T) {
	const issuer, audience = "https://dev.example.com/", "https://messages-api.dev"
	s, err := auth0test.NewSigner(issuer, audience, "old-kid")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(s.Claims("dev-reader", "read:messages"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		keys        KeyFinder
		dev         bool
		wantDevNote bool   // the description mentions the dev tenant
		want        string // the description, when not the dev note
	}{
		{"unknown kid", unknownKids{}, false, false, UnknownKeyDescription},
		{"unknown kid, dev tenant", unknownKids{}, true, true, ""},
		{"kid given away", givenAwayKids{}, false, false, GivenAwayKeyDescription},
		{"kid given away, dev tenant", givenAwayKids{}, true, false, GivenAwayKeyDescription},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(MustTenant(t, issuer, false, 0), Config{Audiences: []string{audience}, DevTenant: tt.dev}, tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), tok)
			var invalid *ports.InvalidTokenError
			if !errors.As(err, &invalid) || invalid.Reason != ports.ReasonUnknownKey {
				t.Fatalf("got %v, want unknown_key", err)
			}
			if got := strings.Contains(invalid.Description, "dev tenant"); got != tt.wantDevNote {
				t.Errorf("got description %q; want mention of the dev tenant: %v", invalid.Description, tt.wantDevNote)
			}
			if tt.want != "" && invalid.Description != tt.want {
				t.Errorf("got description %q, want %q", invalid.Description, tt.want)
			}
			if !rfc6750Description(invalid.Description) {
				t.Errorf("description %q has characters outside RFC 6750 §3", invalid.Description)
			}
		})
	}
}

// givenAwayKids answers every kid as a KeySource does one whose key a
// failed fetch gave away.
type givenAwayKids struct{}

func (givenAwayKids) Key(context.Context, string) (*rsa.PublicKey, error) {
	return nil, ports.Invalid(ports.ReasonUnknownKey, GivenAwayKeyDescription)
}

// unknownKids knows no kid, as a KeySource whose tenant rotated.
type unknownKids struct{}

func (unknownKids) Key(context.Context, string) (*rsa.PublicKey, error) {
	return nil, ports.Invalid(ports.ReasonUnknownKey, UnknownKeyDescription)
}
