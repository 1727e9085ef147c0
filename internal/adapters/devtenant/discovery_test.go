package devtenant

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

func TestDiscovery(t *testing.T) {
	tn, _ := startTenant(t, nil)
	iss := tn.Issuer()

	for _, tc := range []struct {
		name string
		host string // Host header; "" = the real one
	}{
		{"real host", ""},
		{"localhost", "localhost"}, // URLs still name the bound address
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, iss+".well-known/openid-configuration", nil)
			if tc.host != "" {
				req.Host = strings.Replace(req.URL.Host, "127.0.0.1", tc.host, 1)
			}
			res := do(t, req)
			if res.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", res.status, res.body)
			}
			if got := res.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", got)
			}
			if got := res.header.Get("Cache-Control"); !strings.HasPrefix(got, "public, max-age=") {
				t.Errorf("Cache-Control: got %q, want public, max-age=...", got)
			}
			doc := decodeJSON(t, res.body)
			want := map[string]any{
				"issuer":                                iss,
				"jwks_uri":                              iss + ".well-known/jwks.json",
				"token_endpoint":                        iss + "oauth/token",
				"authorization_endpoint":                iss + "authorize",
				"end_session_endpoint":                  iss + "v2/logout",
				"response_types_supported":              []any{"code"},
				"response_modes_supported":              []any{"query", "web_message"},
				"code_challenge_methods_supported":      []any{"S256"},
				"scopes_supported":                      []any{"openid", "profile", "email", "offline_access"},
				"grant_types_supported":                 []any{"authorization_code", "client_credentials", "refresh_token"},
				"subject_types_supported":               []any{"public"},
				"id_token_signing_alg_values_supported": []any{"RS256"},
				"token_endpoint_auth_methods_supported": []any{"client_secret_basic", "client_secret_post", "none"},
			}
			if got, wantKeys := keysOf(doc), keysOf(want); !slices.Equal(got, wantKeys) {
				t.Errorf("discovery members: got %v, want %v", got, wantKeys)
			}
			for k, w := range want {
				if got := fmt.Sprint(doc[k]); got != fmt.Sprint(w) {
					t.Errorf("%s: got %s, want %s", k, got, fmt.Sprint(w))
				}
			}
		})
	}
}

// fetchKey reads the JWKS the discovery document points at and returns its
// only key and kid, checking the set's shape on the way.
func fetchKey(t *testing.T, tn *Tenant) (*rsa.PublicKey, string) {
	t.Helper()
	disc := decodeJSON(t, get(t, tn.Issuer()+".well-known/openid-configuration").body)
	jwksURI, _ := disc["jwks_uri"].(string)
	res := get(t, jwksURI)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: got status %d, want 200", jwksURI, res.status)
	}
	if got := res.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("JWKS Content-Type: got %q, want application/json; charset=utf-8", got)
	}
	if got := res.header.Get("Cache-Control"); !strings.HasPrefix(got, "public, max-age=") {
		t.Errorf("JWKS Cache-Control: got %q, want public, max-age=...", got)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(res.body, &set, json.RejectUnknownMembers(true)); err != nil {
		t.Fatalf("JWKS %s: got decode error %v, want {\"keys\":[{string members}]}", res.body, err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS keys: got %d, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if got, want := slices.Sorted(maps.Keys(k)), []string{"alg", "e", "kid", "kty", "n", "use"}; !slices.Equal(got, want) {
		t.Errorf("JWK members: got %v, want %v", got, want)
	}
	for name, want := range map[string]string{"kty": "RSA", "use": "sig", "alg": "RS256", "e": "AQAB"} {
		if k[name] != want {
			t.Errorf("JWK %s: got %q, want %q", name, k[name], want)
		}
	}
	if k["kid"] == "" {
		t.Errorf("JWK kid: got empty, want a key id")
	}
	n, err := base64.RawURLEncoding.DecodeString(k["n"])
	if err != nil {
		t.Fatalf("JWK n %q: got %v, want unpadded base64url", k["n"], err)
	}
	if len(n) != 256 || n[0] == 0 {
		t.Errorf("JWK n: got %d bytes (first %#x), want 256 bytes without leading zero (RSA-2048)", len(n), n[0])
	}
	e, err := base64.RawURLEncoding.DecodeString(k["e"])
	if err != nil {
		t.Fatalf("JWK e: %v", err)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, k["kid"]
}

func TestJWKS(t *testing.T) {
	tn, _ := startTenant(t, nil)
	pub, kid := fetchKey(t, tn)
	if pub.N.Cmp(tn.key.N) != 0 || pub.E != tn.key.E {
		t.Errorf("JWKS key: got a key that is not the signing key's public half, want the same")
	}
	if kid != tn.kid {
		t.Errorf("JWKS kid: got %q, want %q", kid, tn.kid)
	}

	// The kid is the key's thumbprint: the same key file, the same kid.
	other, _ := startTenant(t, nil)
	if _, otherKid := fetchKey(t, other); otherKid != kid {
		t.Errorf("kid of a second tenant on the same key file: got %q, want %q", otherKid, kid)
	}
	fresh, _ := startTenant(t, func(c *Config) { c.KeyFile = filepath.Join(t.TempDir(), "key.pem") })
	if _, freshKid := fetchKey(t, fresh); freshKid == kid {
		t.Errorf("kid of a tenant with a new key: got %q again, want another", freshKid)
	}
}
