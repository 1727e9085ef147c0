package auth0_test

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/ports"
)

// vtTenant is a TLS stand-in for an Auth0 tenant: discovery and a JWKS with
// the main key under vtKid. It records every path asked for.
type vtTenant struct {
	srv   *httptest.Server
	mu    sync.Mutex
	paths []string
}

func vtNewTenant(t *testing.T) *vtTenant {
	t.Helper()
	tn := &vtTenant{}
	// Auth0's shape: n and e, and the key's certificate with its SHA-1
	// thumbprint.
	jwk := vtJWK(vtKid, &vtKeys().main.PublicKey)
	jwk["x5c"] = []string{vtSelfSigned(vtKeys().main)}
	der, err := base64.StdEncoding.DecodeString(jwk["x5c"].([]string)[0])
	if err != nil {
		t.Fatal(err)
	}
	x5t := sha1.Sum(der)
	jwk["x5t"] = vtB64(x5t[:])
	tn.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tn.mu.Lock()
		tn.paths = append(tn.paths, r.URL.RequestURI())
		tn.mu.Unlock()
		issuer := "https://" + r.Host + "/"
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprint(w, vtJSON(map[string]any{"issuer": issuer, "jwks_uri": issuer + ".well-known/jwks.json"}))
		case "/.well-known/jwks.json":
			fmt.Fprint(w, vtJSON(map[string]any{"keys": []any{jwk}}))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(tn.srv.Close)
	return tn
}

func (tn *vtTenant) requests() []string {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return slices.Clone(tn.paths)
}

func TestVerifierEndToEnd(t *testing.T) {
	keys := vtKeys()
	tenant := vtNewTenant(t)
	jku := vtNewListener(t)

	tn, err := auth0.NewTenant(tenant.srv.URL, false, 0)
	if err != nil {
		t.Fatalf("NewTenant(%q): got error %v", tenant.srv.URL, err)
	}
	issuer := tn.Issuer()
	ks, err := auth0.NewKeySource(tn, auth0.KeySourceConfig{FetchTimeout: 5 * time.Second}, tenant.srv.Client(), zap.NewNop())
	if err != nil {
		t.Fatalf("NewKeySource: got error %v", err)
	}
	ks.Start()
	t.Cleanup(ks.Stop) // runs before the servers close

	cfg := vtConfig{Domain: tenant.srv.URL, Config: auth0.Config{Audiences: []string{vtAudience}}}
	mainRS := vtRS256(keys.main)
	claims := func(over vtObj) string { return vtClaimsFor(issuer, over) }
	tok := func(header, over vtObj) string { return vtSign(mainRS, vtHeader(header), claims(over)) }
	attackerSigned := func(header vtObj) string { return vtSign(vtRS256(keys.attacker), vtHeader(header), claims(nil)) }
	attackerJWK := vtJWK(vtAttackerKid, &keys.attacker.PublicKey)
	pkixPEM, _, _ := vtPublicPEM(&keys.main.PublicKey)
	valid := tok(nil, nil)
	segs := vtSegments(valid)

	tests := []vtCase{
		{name: "valid token", token: valid, want: vtClaimsWant("read:messages", "write:messages")},
		{name: "valid at+jwt token", token: tok(vtObj{"typ": "at+jwt"}, vtObj{"scope": "read:messages"}), want: vtClaimsWant("read:messages")},
		{name: "unknown kid", token: tok(vtObj{"kid": "vt-rotated-away"}, nil), reason: ports.ReasonUnknownKey, leaks: []string{"vt-rotated-away"}},
		{name: "kid path traversal", token: tok(vtObj{"kid": vtTraversalKid}, nil), reason: ports.ReasonUnknownKey, leaks: []string{vtTraversalKid}},
		{name: "kid SQL injection", token: tok(vtObj{"kid": vtSQLKid}, nil), reason: ports.ReasonUnknownKey, leaks: []string{vtSQLKid}},
		{name: "kid URL-encoded traversal", token: tok(vtObj{"kid": "..%2F..%2Fjwks.json"}, nil), reason: ports.ReasonUnknownKey, leaks: []string{"..%2F..%2Fjwks.json"}},
		{name: "kid empty", token: tok(vtObj{"kid": ""}, nil), reason: ports.ReasonMissingKeyID},
		{name: "foreign key under the known kid", token: vtSign(vtRS256(keys.other), vtHeader(nil), claims(nil)), reason: ports.ReasonBadSignature},
		{name: "tampered payload", token: segs[0] + "." + vtB64([]byte(claims(vtObj{"sub": "admin@clients"}))) + "." + segs[2], reason: ports.ReasonBadSignature},
		{name: "embedded jwk, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jwk": attackerJWK}), reason: ports.ReasonUnknownKey, leaks: []string{vtAttackerKid}},
		{name: "embedded jwk, tenant kid", token: attackerSigned(vtObj{"jwk": attackerJWK}), reason: ports.ReasonBadSignature},
		{name: "jku to attacker JWKS, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "jku to attacker JWKS, tenant kid", token: attackerSigned(vtObj{"jku": jku.srv.URL + "/jwks.json"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonUnknownKey, leaks: []string{jku.srv.URL}},
		{name: "x5u to attacker certificate, tenant kid", token: attackerSigned(vtObj{"x5u": jku.srv.URL + "/cert.pem"}), reason: ports.ReasonBadSignature, leaks: []string{jku.srv.URL}},
		{name: "jku on the tenant's own host, attacker kid", token: attackerSigned(vtObj{"kid": vtAttackerKid, "jku": issuer + "attacker/jwks.json"}), reason: ports.ReasonUnknownKey},
		{name: "alg none", token: vtB64([]byte(vtHeader(vtObj{"alg": "none"}))) + "." + segs[1] + ".", reason: ports.ReasonMalformed},
		{name: "HS256 keyed with the JWKS key as PEM", token: vtSign(vtHS256(pkixPEM), vtHeader(vtObj{"alg": "HS256"}), claims(nil)), reason: ports.ReasonUnsupportedAlgorithm},
		{name: "iss without the trailing slash", token: tok(nil, vtObj{"iss": strings.TrimSuffix(issuer, "/")}), reason: ports.ReasonWrongIssuer},
		{name: "iss with http", token: tok(nil, vtObj{"iss": "http" + strings.TrimPrefix(issuer, "https")}), reason: ports.ReasonWrongIssuer},
		{name: "iss of the production-looking tenant", token: tok(nil, vtObj{"iss": vtIssuer}), reason: ports.ReasonWrongIssuer},
		{name: "expired", token: tok(nil, vtObj{"exp": time.Now().Unix() - 3600}), reason: ports.ReasonExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vtRun(t, cfg, ks, tc)
			if n := jku.hits.Load(); n != 0 {
				t.Fatalf("got %d requests at the jku/x5u listener, want 0", n)
			}
		})
	}
	for _, p := range tenant.requests() {
		if p != "/.well-known/openid-configuration" && p != "/.well-known/jwks.json" {
			t.Errorf("got a tenant request for %q, want only discovery and JWKS: a kid or header must never reach a URL", p)
		}
	}
	if n := jku.hits.Load(); n != 0 {
		t.Errorf("got %d requests at the jku/x5u listener, want 0", n)
	}
}
