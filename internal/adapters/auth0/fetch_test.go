package auth0

import (
	"net/http"
	"sync"
	"testing"
)

// TestKeySourceAccept: the JWKS request names the JWK Set media type
// (RFC 7517 §8.5), with plain JSON as the fallback most servers use;
// discovery asks for JSON.
func TestKeySourceAccept(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t)
	var mu sync.Mutex
	var jwksAccept, discoveryAccept string
	body := jwksJSON(jwk("kid-a", keyA()))
	tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		jwksAccept = r.Header.Get("Accept")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(body)
	})
	tn.setDiscovery(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		discoveryAccept = r.Header.Get("Accept")
		mu.Unlock()
		tn.goodDiscovery(w, r)
	})
	ks := newTestKeySource(t, tn, KeySourceConfig{})
	mustKey(t, ks, "kid-a", keyA())
	mu.Lock()
	defer mu.Unlock()
	if want := "application/jwk-set+json, application/json"; jwksAccept != want {
		t.Errorf("JWKS Accept: got %q, want %q", jwksAccept, want)
	}
	if want := "application/json"; discoveryAccept != want {
		t.Errorf("discovery Accept: got %q, want %q", discoveryAccept, want)
	}
}
