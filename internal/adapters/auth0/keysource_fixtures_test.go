package auth0

// Fixtures of the key source's tests: RSA keys, JWKS entries, a fake tenant
// serving discovery and the JWKS, a clock moved by hand, and the checks they
// share.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/ports"
)

// RSA keys are slow to generate (more so under -race): three 2048-bit keys
// and one weak 1024-bit key, once per test binary.
var (
	ksTestKeys = sync.OnceValue(func() [3]*rsa.PrivateKey {
		var out [3]*rsa.PrivateKey
		for i := range out {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			out[i] = k
		}
		return out
	})
	ksWeakKey = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func keyA() *rsa.PublicKey { return &ksTestKeys()[0].PublicKey }
func keyB() *rsa.PublicKey { return &ksTestKeys()[1].PublicKey }
func keyC() *rsa.PublicKey { return &ksTestKeys()[2].PublicKey }

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwk is a JWKS entry for pub, as Auth0 publishes it.
func jwk(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": b64u(pub.N.Bytes()), "e": b64u(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// with returns a copy of m with members set; a nil value removes the member.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func jwksJSON(entries ...any) []byte {
	if entries == nil {
		entries = []any{}
	}
	b, err := json.Marshal(map[string]any{"keys": entries})
	if err != nil {
		panic(err)
	}
	return b
}

func keysOf(entries ...map[string]any) []any {
	out := make([]any, len(entries))
	for i, e := range entries {
		out[i] = e
	}
	return out
}

// ksTenant is a fake Auth0 tenant: discovery, a JWKS, and an "other" JWKS
// that only a followed redirect would reach.
type ksTenant struct {
	srv     *httptest.Server
	issuer  string
	release chan struct{} // closed at cleanup: unblocks hanging handlers

	discoveryHits atomic.Int64
	jwksHits      atomic.Int64
	otherHits     atomic.Int64

	mu        sync.Mutex
	discovery http.HandlerFunc
	jwks      http.HandlerFunc
}

func newKSTenant(t *testing.T, keys ...map[string]any) *ksTenant {
	return newKSTenantTLS(t, true, keys...)
}

func newKSTenantTLS(t *testing.T, useTLS bool, keys ...map[string]any) *ksTenant {
	t.Helper()
	tn := &ksTenant{release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		tn.discoveryHits.Add(1)
		tn.mu.Lock()
		h := tn.discovery
		tn.mu.Unlock()
		h(w, r)
	})
	mux.HandleFunc("/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		tn.jwksHits.Add(1)
		tn.mu.Lock()
		h := tn.jwks
		tn.mu.Unlock()
		h(w, r)
	})
	mux.HandleFunc("/other/", func(w http.ResponseWriter, r *http.Request) {
		tn.otherHits.Add(1)
		if strings.HasSuffix(r.URL.Path, "openid-configuration") {
			tn.goodDiscovery(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwksJSON(jwk("kid-c", keyC())))
	})
	if useTLS {
		tn.srv = httptest.NewTLSServer(mux)
	} else {
		tn.srv = httptest.NewServer(mux)
	}
	tn.issuer = tn.srv.URL + "/"
	tn.discovery = tn.goodDiscovery
	tn.serveKeys(keys...)
	t.Cleanup(func() {
		close(tn.release)
		tn.srv.Close()
	})
	return tn
}

func (tn *ksTenant) jwksURL() string { return tn.srv.URL + "/.well-known/jwks.json" }

func (tn *ksTenant) goodDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"issuer": tn.issuer, "jwks_uri": tn.jwksURL()})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (tn *ksTenant) serveKeys(keys ...map[string]any) {
	body := jwksJSON(keysOf(keys...)...)
	tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

func (tn *ksTenant) setJWKS(h http.HandlerFunc) {
	tn.mu.Lock()
	tn.jwks = h
	tn.mu.Unlock()
}

func (tn *ksTenant) setDiscovery(h http.HandlerFunc) {
	tn.mu.Lock()
	tn.discovery = h
	tn.mu.Unlock()
}

// hang never answers; it returns when the client gives up or at cleanup.
func (tn *ksTenant) hang(_ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-tn.release:
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// fakeClock stands still until the test moves it forward: the code under test
// sees no time pass between two steps of a test, however long a loaded CI
// machine takes over them, so cooldowns and ages depend on advance alone.
type fakeClock struct {
	base time.Time // not zero: a zero lastAttempt means "never attempted"
	off  atomic.Int64
}

func newFakeClock() *fakeClock { return &fakeClock{base: time.Now()} }

func (c *fakeClock) now() time.Time          { return c.base.Add(time.Duration(c.off.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.off.Add(int64(d)) }

func (k *KeySource) fetchInProgress() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.inFlight
}

// lastAttemptStart reports when the last fetch attempt started (zero if none did).
func (k *KeySource) lastAttemptStart() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastAttempt
}

// newTestKeySource builds a source for tn using the server's own client;
// it is stopped at cleanup, before the tenant closes.
func newTestKeySource(t *testing.T, tn *ksTenant, cfg KeySourceConfig) *KeySource {
	t.Helper()
	ks, err := NewKeySource(MustTenant(t, tn.issuer, false, 0), cfg, tn.srv.Client(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	t.Cleanup(ks.Stop)
	return ks
}

// hang is a hang detector, never a performance bound: nothing here takes more
// than a small fraction of it, even on a starved CI machine under -race. No
// test asserts that something was fast. Where a test must tell "answered at
// once" from "waited on a fetch", it holds the fetch (or sets a FetchTimeout
// far above hang), so that waiting would hang rather than merely be slower.
const hang = 20 * time.Second

// eventually polls cond until it holds, failing the test after hang.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not the case after %s", what, hang)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitReady(t *testing.T, ks *KeySource, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ks.Ready() {
		if time.Now().After(deadline) {
			t.Fatalf("Ready(): got false after %s, want true", within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustKey(t *testing.T, ks *KeySource, kid string, want *rsa.PublicKey) {
	t.Helper()
	got, err := ks.Key(context.Background(), kid)
	if err != nil {
		t.Fatalf("Key(%q): got error %v, want the key", kid, err)
	}
	if !got.Equal(want) {
		t.Fatalf("Key(%q): got a different key, want the published one", kid)
	}
}

// rfc6750Description reports whether s only has characters RFC 6750 allows
// in error_description (%x20-21 / %x23-5B / %x5D-7E).
func rfc6750Description(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// wantReason checks the error of a Key or Verify call for a token with
// this kid: a refusal with reason want, a valid description, no echo.
func wantReason(t *testing.T, err error, want ports.Reason, kid string) {
	t.Helper()
	var inv *ports.InvalidTokenError
	if !errors.As(err, &inv) {
		t.Fatalf("kid %q: got error %v, want *ports.InvalidTokenError %s", kid, err, want)
	}
	if inv.Reason != want {
		t.Fatalf("kid %q: got reason %s, want %s", kid, inv.Reason, want)
	}
	if !rfc6750Description(inv.Description) {
		t.Fatalf("kid %q: description %q has characters RFC 6750 forbids", kid, inv.Description)
	}
	if kid != "" && strings.Contains(inv.Description, kid) {
		t.Fatalf("kid %q: description %q echoes the kid", kid, inv.Description)
	}
	if errors.Is(err, ports.ErrKeysUnavailable) {
		t.Fatalf("kid %q: got %v, which also wraps ErrKeysUnavailable", kid, err)
	}
}

// wantUnavailable checks the error of a Key or Verify call for a token
// with this kid: keys unavailable, and nothing else.
func wantUnavailable(t *testing.T, err error, kid string) {
	t.Helper()
	if !errors.Is(err, ports.ErrKeysUnavailable) {
		t.Fatalf("kid %q: got error %v, want one wrapping ports.ErrKeysUnavailable", kid, err)
	}
	var inv *ports.InvalidTokenError
	if errors.As(err, &inv) {
		t.Fatalf("kid %q: got %v, which is also an InvalidTokenError", kid, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Fatalf("kid %q: got %v, which looks like the caller's ctx ending", kid, err)
	}
}
