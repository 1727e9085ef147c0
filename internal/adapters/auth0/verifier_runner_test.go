package auth0_test

// The runner and assertions of the verifier's tests: a vtCase is run against
// a verifier and its refusal checked for reason, description and leaks.
// Names carry the "vt" prefix of verifier_fixtures_test.go.

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// vtDescriptionOK reports whether s uses only RFC 6750 error_description
// characters: %x20-21 / %x23-5B / %x5D-7E.
func vtDescriptionOK(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// vtAttackerStrings returns the token, its segments and every string value
// of its (leniently decoded) header and payload that is long enough not to
// occur in a fixed English description by chance.
func vtAttackerStrings(tok string) []string {
	const minLen = 8
	var out []string
	add := func(s string) {
		if len(s) >= minLen {
			out = append(out, s)
		}
	}
	add(tok)
	segs := strings.Split(tok, ".")
	if len(segs) > 1 {
		for _, s := range segs {
			add(s)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			add(v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, s := range segs[:min(2, len(segs))] {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			continue
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			walk(v)
		}
	}
	return out
}

// vtCheckDescription asserts the RFC 6750 alphabet and that no attacker
// input leaks: neither the token nor any value in it, nor any 4-byte window
// of the explicitly named attacker strings (kids, URLs).
func vtCheckDescription(t *testing.T, desc, tok string, leaks []string) {
	t.Helper()
	if desc == "" {
		t.Errorf("got an empty description, want a short explanation")
	}
	if !vtDescriptionOK(desc) {
		t.Errorf("got description %q, want only RFC 6750 error_description characters", desc)
	}
	for _, s := range vtAttackerStrings(tok) {
		if strings.Contains(desc, s) {
			t.Errorf("got description %q, which contains attacker input %q", desc, s)
		}
	}
	for _, s := range leaks {
		for i := 0; i+4 <= len(s); i++ {
			if w := s[i : i+4]; strings.Contains(desc, w) {
				t.Errorf("got description %q, which contains %q from attacker string %q", desc, w, s)
				break
			}
		}
	}
}

// vtPrecheckReasons are decided before any key lookup: the token's shape,
// then what its decoded claims alone refuse.
var vtPrecheckReasons = []ports.Reason{
	ports.ReasonMalformed, ports.ReasonTooLarge, ports.ReasonUnsupportedAlgorithm,
	ports.ReasonUnsupportedType, ports.ReasonUnsupportedHeader, ports.ReasonMissingKeyID,
	ports.ReasonMissingClaim, ports.ReasonInvalidClaim, ports.ReasonWrongIssuer,
	ports.ReasonWrongAudience, ports.ReasonExpired, ports.ReasonNotYetValid, ports.ReasonIssuedInFuture,
}

type vtCase struct {
	name   string
	cfg    func(*vtConfig)
	token  string
	want   *domain.Claims // success with exactly these claims when non-nil
	reason ports.Reason   // the refusal reason when want is nil
	leaks  []string       // attacker strings that must not appear in the description
}

// vtConfig is the tenant's settings, for auth0.NewTenant, and the
// verifier's Config.
type vtConfig struct {
	Domain                string
	Leeway                time.Duration
	AllowInsecureLoopback bool
	auth0.Config
}

func vtBaseConfig() vtConfig {
	return vtConfig{Domain: vtDomain, Config: auth0.Config{Audiences: []string{vtAudience}}}
}

// vtNew checks the tenant as config does, then builds the verifier.
func vtNew(cfg vtConfig, keys auth0.KeyFinder) (*auth0.Verifier, error) {
	tenant, err := auth0.NewTenant(cfg.Domain, cfg.AllowInsecureLoopback, cfg.Leeway)
	if err != nil {
		return nil, err
	}
	return auth0.New(tenant, cfg.Config, keys)
}

func vtRun(t *testing.T, cfg vtConfig, keys auth0.KeyFinder, tc vtCase) {
	t.Helper()
	if tc.cfg != nil {
		tc.cfg(&cfg)
	}
	v, err := vtNew(cfg, keys)
	if err != nil {
		t.Fatalf("New: got error %v, want none", err)
	}
	static, _ := keys.(*vtStaticKeys)
	var before int64
	if static != nil {
		before = static.calls.Load()
	}
	got, err := v.Verify(t.Context(), tc.token)
	if tc.want != nil {
		if err != nil {
			t.Fatalf("got error %v, want claims %+v", err, *tc.want)
		}
		if !reflect.DeepEqual(got, *tc.want) {
			t.Fatalf("got claims %#v, want %#v", got, *tc.want)
		}
		return
	}
	if err == nil {
		t.Fatalf("got claims %+v and no error, want reason %s", got, tc.reason)
	}
	if !reflect.DeepEqual(got, domain.Claims{}) {
		t.Errorf("got claims %+v with an error, want zero claims", got)
	}
	var invalid *ports.InvalidTokenError
	if !errors.As(err, &invalid) {
		t.Fatalf("got error %v (%T), want *ports.InvalidTokenError with reason %s", err, err, tc.reason)
	}
	if invalid.Reason != tc.reason {
		t.Errorf("got reason %s (%q), want %s", invalid.Reason, invalid.Description, tc.reason)
	}
	vtCheckDescription(t, invalid.Description, tc.token, tc.leaks)
	if strings.Contains(err.Error(), tc.token) && len(tc.token) >= 8 {
		t.Errorf("got error text %q, which contains the token", err.Error())
	}
	if static != nil && slices.Contains(vtPrecheckReasons, tc.reason) {
		if n := static.calls.Load() - before; n != 0 {
			t.Errorf("got %d key lookups, want none: the pre-parse checks must refuse %s before any lookup", n, tc.reason)
		}
	}
}

func vtClaimsWant(scopes ...string) *domain.Claims {
	c := &domain.Claims{Subject: vtSubject}
	if len(scopes) > 0 {
		c.Scopes = scopes
	}
	return c
}

// ---- the verified-token cache ----------------------------------------------

// vtVerify runs Verify and returns the reason ("" for success).
func vtVerify(t *testing.T, v *auth0.Verifier, tok string) (domain.Claims, ports.Reason, error) {
	t.Helper()
	c, err := v.Verify(t.Context(), tok)
	if err == nil {
		return c, "", nil
	}
	var invalid *ports.InvalidTokenError
	if errors.As(err, &invalid) {
		return c, invalid.Reason, err
	}
	return c, "", err
}

// vtCachingVerifier is a verifier of the base config with keys from finder
// and the given cache size.
func vtCachingVerifier(t *testing.T, finder auth0.KeyFinder, cacheSize int) *auth0.Verifier {
	t.Helper()
	cfg := vtBaseConfig()
	cfg.CacheSize = cacheSize
	v, err := vtNew(cfg, finder)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// vtClockVerifier is a verifier for a synctest bubble, with key under vtKid
// and the given cache size. It is built outside the bubble: the cache's
// own goroutines live as long as the verifier.
func vtClockVerifier(t *testing.T, key *rsa.PublicKey, cacheSize int) *auth0.Verifier {
	t.Helper()
	finder := &vtStaticKeys{}
	finder.set(vtKid, key, nil)
	return vtCachingVerifier(t, finder, cacheSize)
}
