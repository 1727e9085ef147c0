package auth0

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

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

func wantReason(t *testing.T, err error, want ports.Reason, kid string) {
	t.Helper()
	var inv *ports.InvalidTokenError
	if !errors.As(err, &inv) {
		t.Fatalf("Key(%q): got error %v, want *ports.InvalidTokenError %s", kid, err, want)
	}
	if inv.Reason != want {
		t.Fatalf("Key(%q): got reason %s, want %s", kid, inv.Reason, want)
	}
	if !rfc6750Description(inv.Description) {
		t.Fatalf("Key(%q): description %q has characters RFC 6750 forbids", kid, inv.Description)
	}
	if kid != "" && strings.Contains(inv.Description, kid) {
		t.Fatalf("Key(%q): description %q echoes the kid", kid, inv.Description)
	}
	if errors.Is(err, ports.ErrKeysUnavailable) {
		t.Fatalf("Key(%q): got %v, which also wraps ErrKeysUnavailable", kid, err)
	}
}

func wantUnavailable(t *testing.T, err error, kid string) {
	t.Helper()
	if !errors.Is(err, ports.ErrKeysUnavailable) {
		t.Fatalf("Key(%q): got error %v, want one wrapping ports.ErrKeysUnavailable", kid, err)
	}
	var inv *ports.InvalidTokenError
	if errors.As(err, &inv) {
		t.Fatalf("Key(%q): got %v, which is also an InvalidTokenError", kid, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Fatalf("Key(%q): got %v, which looks like the caller's ctx ending", kid, err)
	}
}

// The key source takes the tenant's domain through NewTenant, the one
// place it is checked; the rows below run both steps.
func TestNewKeySourceConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		domain   string
		loopback bool // dev mode
		cfg      KeySourceConfig
		wantErr  bool
	}{
		{"https tenant", "https://tenant.eu.auth0.com/", false, KeySourceConfig{}, false},
		// Auth0's issuer is https://DOMAIN/, custom domains included: a path
		// is refused everywhere, as AUTH0_DOMAIN always refused it.
		{"https custom domain with path", "https://login.example.com/tenant/", false, KeySourceConfig{}, true},
		{"http 127.0.0.1 in dev mode", "http://127.0.0.1:8080/", true, KeySourceConfig{}, false},
		{"http 127.9.9.9 in dev mode", "http://127.9.9.9/", true, KeySourceConfig{}, false},
		{"http [::1] in dev mode", "http://[::1]:3000/", true, KeySourceConfig{}, false},
		{"http localhost in dev mode", "http://localhost:3000/", true, KeySourceConfig{}, false},
		{"empty issuer", "", false, KeySourceConfig{}, true},
		// A bare domain, a missing slash and an upper-case scheme are the
		// forms AUTH0_DOMAIN accepts; NewTenant normalizes them.
		{"no scheme", "tenant.eu.auth0.com/", false, KeySourceConfig{}, false},
		{"no trailing slash", "https://tenant.eu.auth0.com", false, KeySourceConfig{}, false},
		{"http without dev mode", "http://tenant.eu.auth0.com/", false, KeySourceConfig{}, true},
		{"http loopback without dev mode", "http://127.0.0.1:8080/", false, KeySourceConfig{}, true},
		{"http non-loopback in dev mode", "http://tenant.eu.auth0.com/", true, KeySourceConfig{}, true},
		{"http private address in dev mode", "http://10.0.0.1/", true, KeySourceConfig{}, true},
		{"http localhost lookalike in dev mode", "http://localhost.example.com/", true, KeySourceConfig{}, true},
		{"ftp scheme", "ftp://tenant.eu.auth0.com/", false, KeySourceConfig{}, true},
		{"upper-case scheme", "HTTPS://tenant.eu.auth0.com/", false, KeySourceConfig{}, false},
		{"user info", "https://user@tenant.eu.auth0.com/", false, KeySourceConfig{}, true},
		{"query", "https://tenant.eu.auth0.com/?a=b", false, KeySourceConfig{}, true},
		{"empty query", "https://tenant.eu.auth0.com/?", false, KeySourceConfig{}, true},
		{"fragment", "https://tenant.eu.auth0.com/#x", false, KeySourceConfig{}, true},
		{"empty host", "https:///", false, KeySourceConfig{}, true},
		{"negative fetch timeout", "https://t/", false, KeySourceConfig{FetchTimeout: -time.Second}, true},
		{"negative cooldown", "https://t/", false, KeySourceConfig{UnknownKeyCooldown: -time.Second}, true},
		{"negative body cap", "https://t/", false, KeySourceConfig{MaxBodyBytes: -1}, true},
		{"min refresh above max", "https://t/", false, KeySourceConfig{MinRefreshInterval: 2 * time.Hour, MaxRefreshInterval: time.Hour}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant, err := NewTenant(tt.domain, tt.loopback, 0)
			var ks *KeySource
			if err == nil {
				ks, err = NewKeySource(tenant, tt.cfg, nil, nil)
			}
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("NewTenant(%q, %v) then NewKeySource(%+v): got error %v, want error: %v", tt.domain, tt.loopback, tt.cfg, err, tt.wantErr)
			}
			if ks != nil {
				ks.Stop()
			}
		})
	}
}

// A Tenant not made by NewTenant is refused, never used with no issuer.
func TestNewKeySourceZeroTenant(t *testing.T) {
	t.Parallel()
	if ks, err := NewKeySource(Tenant{}, KeySourceConfig{}, nil, nil); err == nil || ks != nil {
		t.Fatalf("NewKeySource(Tenant{}): got %v, %v; want nil and an error", ks, err)
	}
}

func TestNewKeySourceDefaultsAndClient(t *testing.T) {
	t.Parallel()
	ks, err := NewKeySource(MustTenant(t, "https://tenant.eu.auth0.com/", false, 0), KeySourceConfig{}, nil, nil)
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	defer ks.Stop()
	want := KeySourceConfig{
		FetchTimeout:       5 * time.Second,
		MaxBodyBytes:       1 << 20,
		RefreshInterval:    10 * time.Minute,
		MinRefreshInterval: time.Minute,
		MaxRefreshInterval: 24 * time.Hour,
		UnknownKeyCooldown: 5 * time.Second,
		MaxStaleAge:        24 * time.Hour,
		RetryInterval:      5 * time.Second,
	}
	if ks.cfg != want {
		t.Errorf("defaults: got %+v, want %+v", ks.cfg, want)
	}
	if ks.client.Timeout != 5*time.Second {
		t.Errorf("built client timeout: got %s, want 5s", ks.client.Timeout)
	}
	if ks.client.CheckRedirect == nil || ks.client.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Errorf("built client: got a CheckRedirect that follows redirects, want http.ErrUseLastResponse")
	}

	given := &http.Client{}
	ks2, err := NewKeySource(MustTenant(t, "https://tenant.eu.auth0.com/", false, 0), KeySourceConfig{}, given, nil)
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	defer ks2.Stop()
	if given.CheckRedirect != nil {
		t.Errorf("given client: got it modified, want it left alone")
	}
	if ks2.client.CheckRedirect == nil || ks2.client.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Errorf("given client: got redirects followed, want http.ErrUseLastResponse")
	}
}

func TestKeySourceColdStartSingleFetch(t *testing.T) {
	t.Parallel()
	for _, start := range []bool{false, true} {
		t.Run("start="+strconv.FormatBool(start), func(t *testing.T) {
			t.Parallel()
			const callers = 50
			tn := newKSTenant(t)
			body := jwksJSON(jwk("kid-a", keyA()))
			var arrived atomic.Int64
			allArrived := make(chan struct{})
			tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
				// Hold the fetch until every caller is on its way into
				// Key, so that they find it running (a straggler that
				// comes after finds its keys: no fetch either way).
				select {
				case <-allArrived:
				case <-r.Context().Done():
					return
				}
				w.Write(body)
			})
			// The fetch is held for as long as the callers take to arrive:
			// FetchTimeout is a hang detector here. The clock stands still,
			// so no cooldown ever ends: a second fetch could only come from
			// a caller that did not join the first.
			ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: hang})
			ks.now = newFakeClock().now
			if ks.Ready() {
				t.Fatalf("Ready() before any fetch: got true, want false")
			}
			if start {
				ks.Start()
			}
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			gate := make(chan struct{})
			for range callers {
				wg.Go(func() {
					<-gate
					if arrived.Add(1) == callers {
						close(allArrived)
					}
					key, err := ks.Key(context.Background(), "kid-a")
					if err == nil && !key.Equal(keyA()) {
						err = errors.New("wrong key")
					}
					errs <- err
				})
			}
			close(gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Key(kid-a) on a cold start: got error %v, want the key", err)
				}
			}
			if got := tn.jwksHits.Load(); got != 1 {
				t.Errorf("JWKS fetches for %d concurrent cold callers: got %d, want 1", callers, got)
			}
			if got := tn.discoveryHits.Load(); got != 1 {
				t.Errorf("discovery fetches: got %d, want 1", got)
			}
			if !ks.Ready() {
				t.Errorf("Ready() after a good fetch: got false, want true")
			}
			if st := ks.Stats(); st.Keys != 1 || st.LastGoodFetch.IsZero() {
				t.Errorf("Stats(): got %+v, want 1 key and a fetch time", st)
			}
		})
	}
}

func TestKeySourceRotation(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{}) // default 5s cooldown
	clk := newFakeClock()
	ks.now = clk.now
	ks.Start()
	waitReady(t, ks, hang)
	before := tn.jwksHits.Load()

	// The tenant rotates: kid-b appears. Its first use falls in the cooldown
	// after the warm-up fetch (the clock has not moved), so it is refused
	// without a fetch...
	tn.serveKeys(jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	_, err := ks.Key(context.Background(), "kid-b")
	wantReason(t, err, ports.ReasonUnknownKey, "kid-b")
	if got := tn.jwksHits.Load(); got != before {
		t.Fatalf("JWKS fetches within the cooldown: got %d, want %d", got, before)
	}
	// ...and accepted once the cooldown (5s) has passed: within 10s of first use.
	clk.advance(5 * time.Second)
	mustKey(t, ks, "kid-b", keyB())
	mustKey(t, ks, "kid-a", keyA())
	if got := tn.jwksHits.Load(); got != before+1 {
		t.Errorf("JWKS fetches after the rotation: got %d, want %d", got, before+1)
	}
	// That refetch starts a new cooldown: the next unknown kid costs nothing.
	_, err = ks.Key(context.Background(), "kid-z")
	wantReason(t, err, ports.ReasonUnknownKey, "kid-z")
	if got := tn.jwksHits.Load(); got != before+1 {
		t.Errorf("JWKS fetches after another unknown kid within the cooldown: got %d, want %d", got, before+1)
	}
	if got := tn.discoveryHits.Load(); got != 1 {
		t.Errorf("discovery fetches: got %d, want 1 (cached)", got)
	}
}

// awaitingIn reports whether a goroutine started by the test function named
// test is waiting in KeySource.await, i.e. inside Key, on an attempt.
func awaitingIn(test string) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "auth0.(*KeySource).await(") && strings.Contains(g, "auth0."+test+".") {
			return true
		}
	}
	return false
}

// TestKeySourceRotationDuringRunningAttempt: the first use of a new kid comes
// after the cooldown, while an attempt that read the JWKS before the rotation
// is still running. Joining that attempt is not enough: the caller, due a
// refetch, gets one that starts after it arrived.
func TestKeySourceRotationDuringRunningAttempt(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: hang}) // default 5s cooldown
	clk := newFakeClock()
	ks.now = clk.now
	// Hold the warm-up after it has fetched and published the old keys,
	// before it is over.
	held, release := make(chan struct{}), make(chan struct{})
	var attempts atomic.Int64
	ks.OnFetch(func(bool, time.Duration) {
		if attempts.Add(1) == 1 {
			close(held)
			<-release
		}
	})
	ks.Start()
	select {
	case <-held:
	case <-time.After(hang):
		t.Fatalf("warm-up: no attempt finished fetching after %s, want one", hang)
	}
	defer func() {
		select {
		case <-release:
		default:
			close(release) // a failed test must not leave the warm-up held
		}
	}()
	mustKey(t, ks, "kid-a", keyA())
	if got := tn.jwksHits.Load(); got != 1 {
		t.Fatalf("JWKS fetches by the warm-up: got %d, want 1", got)
	}

	tn.serveKeys(jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	clk.advance(5 * time.Second) // the cooldown is over; the warm-up still runs
	got := make(chan error, 1)
	go func() {
		key, err := ks.Key(context.Background(), "kid-b")
		if err == nil && !key.Equal(keyB()) {
			err = errors.New("got a different key, want the published one")
		}
		got <- err
	}()
	// Key is waiting on the running warm-up (it cannot start another
	// attempt while one runs); now let the warm-up end.
	eventually(t, "Key(kid-b) waiting on the running warm-up", func() bool {
		return awaitingIn("TestKeySourceRotationDuringRunningAttempt")
	})
	close(release)
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Key(\"kid-b\") after the cooldown, joining an attempt that read the old keys: got error %v, want the key", err)
		}
	case <-time.After(hang):
		t.Fatalf("Key(\"kid-b\"): no answer after %s, want one", hang)
	}
	if got := tn.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS fetches: got %d, want 2 (the warm-up and one refetch)", got)
	}
}

func TestKeySourceRotationRealTime(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	const cooldown = 200 * time.Millisecond
	ks := newTestKeySource(t, tn, KeySourceConfig{UnknownKeyCooldown: cooldown})
	ks.Start()
	waitReady(t, ks, hang)
	tn.serveKeys(jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	before := tn.jwksHits.Load()
	// How soon kid-b is accepted is proven on a still clock by
	// TestKeySourceRotation; here, on the real clock, the deadline only
	// detects a hang.
	first := time.Now()
	for {
		_, err := ks.Key(context.Background(), "kid-b")
		if err == nil {
			break
		}
		wantReason(t, err, ports.ReasonUnknownKey, "kid-b")
		if time.Since(first) > hang {
			t.Fatalf("Key(kid-b) after rotation: still unknown after %s, want accepted after the cooldown %s", time.Since(first), cooldown)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Polling every 10ms cost at most one fetch per cooldown, however slow
	// the machine: fetches start at least a cooldown apart, all of them
	// between first and now.
	elapsed := time.Since(first)
	if got, most := tn.jwksHits.Load()-before, int64(elapsed/cooldown)+1; got < 1 || got > most {
		t.Errorf("JWKS fetches while polling for %s with a %s cooldown: got %d, want 1..%d", elapsed, cooldown, got, most)
	}
}

func TestKeySourceUnknownKidStorm(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	// Default 5s cooldown, on a clock that stands still: however long the
	// storm takes on a loaded machine, the cooldown never ends within it.
	// The FetchTimeout is far above hang: a known kid that waited on the
	// storm's held refetch would hang.
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: time.Hour})
	clk := newFakeClock()
	ks.now = clk.now
	ks.Start()
	waitReady(t, ks, hang)
	// The storm's refetch reaches the tenant and is held there.
	heldBody := jwksJSON(jwk("kid-a", keyA()))
	held := make(chan struct{})
	tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-held:
		case <-r.Context().Done():
			return
		}
		w.Write(heldBody)
	})
	clk.advance(5 * time.Second) // one refetch is allowed now

	const n = 1000
	var wg sync.WaitGroup
	gate := make(chan struct{})
	var bad atomic.Int64
	var firstErr atomic.Value
	for range n {
		wg.Go(func() {
			var b [16]byte
			rand.Read(b[:])
			kid := hex.EncodeToString(b[:])
			<-gate
			// Arrivals spread over ~100ms: many fetches' worth without a cooldown.
			time.Sleep(time.Duration(b[0]%100) * time.Millisecond)
			_, err := ks.Key(context.Background(), kid)
			var inv *ports.InvalidTokenError
			if !errors.As(err, &inv) || inv.Reason != ports.ReasonUnknownKey ||
				strings.Contains(inv.Description, kid) || !rfc6750Description(inv.Description) {
				bad.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		})
	}
	close(gate)
	// A known kid is answered while the storm's refetch is held at the
	// tenant: the fast path does not wait on a fetch.
	eventually(t, "the storm's refetch reaching the tenant", func() bool { return tn.jwksHits.Load() >= 2 })
	known := make(chan error, 1)
	go func() {
		key, err := ks.Key(context.Background(), "kid-a")
		if err == nil && !key.Equal(keyA()) {
			err = errors.New("got a different key, want the published one")
		}
		known <- err
	}()
	select {
	case err := <-known:
		if err != nil {
			t.Errorf("Key(kid-a) during the storm: got error %v, want the key", err)
		}
	case <-time.After(hang):
		t.Errorf("Key(kid-a) during the storm: no answer after %s while a refetch is held, want one at once", hang)
	}
	if !ks.fetchInProgress() {
		t.Errorf("storm: got no refetch in progress while the tenant holds it, want one")
	}
	close(held)
	wg.Wait()
	if got := bad.Load(); got != 0 {
		t.Fatalf("random kids: got %d answers other than a safe unknown_key (first: %v), want 0", got, firstErr.Load())
	}
	if got := tn.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS fetches for warm-up plus %d random kids in one cooldown: got %d, want 2", n, got)
	}
}

func TestKeySourceEmptyKid(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{})
	_, err := ks.Key(context.Background(), "")
	wantReason(t, err, ports.ReasonMissingKeyID, "")
	if got := tn.jwksHits.Load(); got != 0 {
		t.Errorf("JWKS fetches for an empty kid: got %d, want 0", got)
	}
}

// bigBody serves a 50 MB JWKS-looking body, counting what it managed to write.
func bigBody(withLength bool, written *atomic.Int64, done chan struct{}) http.HandlerFunc {
	var once sync.Once
	return func(w http.ResponseWriter, _ *http.Request) {
		defer once.Do(func() { close(done) })
		const size = 50 << 20
		if withLength {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		w.Header().Set("Content-Type", "application/json")
		chunk := bytes.Repeat([]byte(" "), 32<<10)
		copy(chunk, `{"keys":[`)
		for sent := 0; sent < size; sent += len(chunk) {
			m, err := w.Write(chunk)
			written.Add(int64(m))
			if err != nil {
				return
			}
		}
	}
}

func TestKeySourceKeepsKeysWhenTenantMisbehaves(t *testing.T) {
	t.Parallel()
	const fetchTimeout = 300 * time.Millisecond
	keysC := jwksJSON(jwk("kid-c", keyC()))
	type check struct {
		written *atomic.Int64
		done    chan struct{}
	}
	tests := []struct {
		name  string
		setup func(tn *ksTenant, c *check)
		// bigTimeout gives the fetch 5s, so that only the body cap (not the
		// timeout) can cut a 50 MB body short.
		bigTimeout bool
	}{
		{"tenant down", func(tn *ksTenant, _ *check) { tn.srv.Close() }, false},
		{"status 500", func(tn *ksTenant, _ *check) { tn.setJWKS(status(http.StatusInternalServerError)) }, false},
		{"503 with a JSON key set", func(tn *ksTenant, _ *check) {
			tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write(keysC)
			})
		}, false},
		{"body slower than the fetch timeout", func(tn *ksTenant, _ *check) {
			// Headers and half the key set at once; the rest never comes.
			// (Sending it once the client gives up would race with the
			// client's hang-up, which a starved machine can make slow.)
			tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(keysC[:len(keysC)/2])
				w.(http.Flusher).Flush()
				tn.hang(w, r)
			})
		}, false},
		{"hanging", func(tn *ksTenant, _ *check) { tn.setJWKS(tn.hang) }, false},
		{"garbage body", func(tn *ksTenant, _ *check) {
			tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>oops</html>")) })
		}, false},
		{"JSON array", func(tn *ksTenant, _ *check) {
			tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`[` + string(keysC) + `]`)) })
		}, false},
		{"keys not an array", func(tn *ksTenant, _ *check) {
			tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"keys":{}}`)) })
		}, false},
		{"empty key set", func(tn *ksTenant, _ *check) { tn.serveKeys() }, false},
		{"no usable key", func(tn *ksTenant, _ *check) {
			tn.serveKeys(jwk("kid-c", &ksWeakKey().PublicKey), with(jwk("kid-d", keyC()), "use", "enc"))
		}, false},
		{"50 MB body with Content-Length", func(tn *ksTenant, c *check) {
			c.written, c.done = new(atomic.Int64), make(chan struct{})
			tn.setJWKS(bigBody(true, c.written, c.done))
		}, true},
		{"50 MB chunked body", func(tn *ksTenant, c *check) {
			c.written, c.done = new(atomic.Int64), make(chan struct{})
			tn.setJWKS(bigBody(false, c.written, c.done))
		}, true},
		{"redirect to other keys", func(tn *ksTenant, _ *check) {
			tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/other/jwks.json", http.StatusFound)
			})
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t, jwk("kid-a", keyA()))
			const cooldown = 50 * time.Millisecond
			timeout := fetchTimeout
			if tt.bigTimeout {
				timeout = 5 * time.Second
			}
			ks := newTestKeySource(t, tn, KeySourceConfig{
				FetchTimeout: timeout, UnknownKeyCooldown: cooldown, RefreshInterval: time.Hour,
				RetryInterval: 50 * time.Millisecond, // a warm-up slowed by a loaded machine retries soon
			})
			clk := newFakeClock()
			ks.now = clk.now
			ks.Start()
			waitReady(t, ks, hang)
			lastGood := ks.Stats().LastGoodFetch
			clk.advance(cooldown) // the cooldown is over

			var c check
			tt.setup(tn, &c)
			hits := tn.jwksHits.Load()
			attempted := ks.lastAttemptStart()

			// A known kid is answered from the held keys: no attempt.
			mustKey(t, ks, "kid-a", keyA())
			if got := tn.jwksHits.Load(); got != hits {
				t.Errorf("JWKS fetches for a known kid: got %d, want %d", got-hits, 0)
			}
			if got := ks.lastAttemptStart(); !got.Equal(attempted) {
				t.Errorf("fetch attempts for a known kid: got one started at %v, want none", got)
			}

			// The hanging cases hang until cleanup: only FetchTimeout
			// (far below hang) can end the wait and the shared fetch.
			start := time.Now()
			_, err := ks.Key(context.Background(), "kid-c")
			if d := time.Since(start); d > hang {
				t.Errorf("Key(unknown kid): took %s, want it bounded by the fetch timeout %s", d, timeout)
			}
			// The tenant may have rotated kid-c in: unavailable, not unknown.
			wantUnavailable(t, err, "kid-c")
			// The shared fetch itself ends by FetchTimeout, not only its waiters.
			eventually(t, "the shared fetch ended by the fetch timeout", func() bool { return !ks.fetchInProgress() })

			mustKey(t, ks, "kid-a", keyA())
			if !ks.Ready() {
				t.Errorf("Ready() after a failed refresh: got false, want true (old keys kept)")
			}
			if st := ks.Stats(); st.Keys != 1 || !st.LastGoodFetch.Equal(lastGood) {
				t.Errorf("Stats() after a failed refresh: got %+v, want 1 key fetched at %v", st, lastGood)
			}
			if got := tn.otherHits.Load(); got != 0 {
				t.Errorf("requests to the redirect target: got %d, want 0", got)
			}
			if c.done != nil {
				select {
				case <-c.done:
				case <-time.After(hang):
					t.Fatalf("50 MB body: the server was still writing after %s, want the client to hang up", hang)
				}
				if got := c.written.Load(); got >= 25<<20 {
					t.Errorf("50 MB body: got %d bytes written before the client hung up, want far fewer", got)
				}
			}
		})
	}
}

func TestKeySourceColdOutageRecovers(t *testing.T) {
	t.Parallel()
	const fetchTimeout = 300 * time.Millisecond
	tests := []struct {
		name  string
		setup func(tn *ksTenant)
	}{
		{"tenant answers 503", func(tn *ksTenant) {
			tn.setDiscovery(status(http.StatusServiceUnavailable))
			tn.setJWKS(status(http.StatusServiceUnavailable))
		}},
		{"discovery hangs", func(tn *ksTenant) { tn.setDiscovery(tn.hang) }},
		{"JWKS fails", func(tn *ksTenant) { tn.setJWKS(status(http.StatusInternalServerError)) }},
		{"JWKS empty", func(tn *ksTenant) { tn.serveKeys() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t)
			tt.setup(tn)
			ks := newTestKeySource(t, tn, KeySourceConfig{
				FetchTimeout: fetchTimeout, UnknownKeyCooldown: 100 * time.Millisecond, RetryInterval: 50 * time.Millisecond,
			})
			ks.Start()

			start := time.Now()
			_, err := ks.Key(context.Background(), "kid-a")
			if d := time.Since(start); d > hang {
				t.Errorf("Key on a cold outage: took %s, want it bounded by the fetch timeout %s", d, fetchTimeout)
			}
			wantUnavailable(t, err, "kid-a")
			if ks.Ready() {
				t.Fatalf("Ready() during a cold outage: got true, want false")
			}

			// The tenant comes back; the background retry picks it up.
			tn.setDiscovery(tn.goodDiscovery)
			tn.serveKeys(jwk("kid-a", keyA()))
			waitReady(t, ks, hang)
			mustKey(t, ks, "kid-a", keyA())
		})
	}
}

func TestKeySourceRemovedKeyRejectedAfterRefresh(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()), jwk("kid-b", keyB()))
	ks := newTestKeySource(t, tn, KeySourceConfig{RefreshInterval: 150 * time.Millisecond})
	// Each fetch attempt signals its end: the test waits on refreshes,
	// not on the clock.
	fetched := make(chan struct{}, 1)
	ks.OnFetch(func(bool, time.Duration) {
		select {
		case fetched <- struct{}{}:
		default:
		}
	})
	ks.Start()
	waitReady(t, ks, hang)
	mustKey(t, ks, "kid-b", keyB())

	tn.serveKeys(jwk("kid-a", keyA()))
	timeout := time.After(hang)
	for {
		_, err := ks.Key(context.Background(), "kid-b")
		if err != nil {
			wantReason(t, err, ports.ReasonUnknownKey, "kid-b")
			break
		}
		select {
		case <-fetched: // a refresh ended: it may have read the JWKS before the change
		case <-timeout:
			t.Fatalf("Key(kid-b) after its removal: still accepted after %s, want unknown_key after the next refresh", hang)
		}
	}
	mustKey(t, ks, "kid-a", keyA())
	if got := tn.jwksHits.Load(); got < 2 {
		t.Errorf("JWKS fetches: got %d, want at least 2 (warm-up and a background refresh)", got)
	}
}

func TestKeySourceStaleKeysCountAsNone(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t, jwk("kid-a", keyA()))
	ks := newTestKeySource(t, tn, KeySourceConfig{MaxStaleAge: time.Hour, RefreshInterval: time.Hour})
	clk := newFakeClock() // ages move only with advance
	ks.now = clk.now
	ks.Start()
	waitReady(t, ks, hang)

	tn.setJWKS(status(http.StatusInternalServerError))
	clk.advance(time.Hour - time.Second)
	mustKey(t, ks, "kid-a", keyA())
	clk.advance(2 * time.Second)
	if ks.Ready() {
		t.Errorf("Ready() past MaxStaleAge: got true, want false")
	}
	if st := ks.Stats(); st.Keys != 0 || st.LastGoodFetch.IsZero() {
		t.Errorf("Stats() past MaxStaleAge: got %+v, want 0 keys and the last good fetch time", st)
	}
	_, err := ks.Key(context.Background(), "kid-a")
	wantUnavailable(t, err, "kid-a")

	tn.serveKeys(jwk("kid-a", keyA()))
	clk.advance(5 * time.Second) // past the cooldown
	mustKey(t, ks, "kid-a", keyA())
	if !ks.Ready() {
		t.Errorf("Ready() after a good fetch: got false, want true")
	}
}

func TestKeySourceCallerContext(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t)
	tn.setDiscovery(tn.hang)
	// The fetch hangs until cleanup and FetchTimeout is far above hang: only
	// the caller's ctx can end the wait, and its error says so.
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: time.Hour})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ks.Key(ctx, "kid-a")
	if d := time.Since(start); d > hang {
		t.Errorf("Key with a 100ms ctx: took %s, want it ended by the ctx", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ports.ErrKeysUnavailable) {
		t.Errorf("Key with an expiring ctx: got %v, want ctx's own error", err)
	}

	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := ks.Key(canceled, "kid-a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Key with a canceled ctx: got %v, want context.Canceled", err)
	}
}

func TestKeySourceHonoursCacheControl(t *testing.T) {
	t.Parallel()
	tn := newKSTenant(t)
	body := jwksJSON(jwk("kid-a", keyA()))
	tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600, stale-if-error=86400")
		w.Write(body)
	})
	ks := newTestKeySource(t, tn, KeySourceConfig{})
	mustKey(t, ks, "kid-a", keyA())
	if got := ks.set.Load().ttl; got != 10*time.Minute {
		t.Errorf("TTL with max-age=600: got %s, want 10m", got)
	}
}

func TestKeySourceDiscoveryRefused(t *testing.T) {
	t.Parallel()
	// Another tenant on the same host name but another port.
	other := newKSTenant(t, jwk("kid-a", keyA()))
	tests := []struct {
		name string
		doc  func(tn *ksTenant) any // nil: handler set by raw
		raw  func(tn *ksTenant) http.HandlerFunc
	}{
		{name: "issuer without trailing slash", doc: func(tn *ksTenant) any {
			return map[string]any{"issuer": strings.TrimSuffix(tn.issuer, "/"), "jwks_uri": tn.jwksURL()}
		}},
		{name: "other issuer", doc: func(tn *ksTenant) any {
			return map[string]any{"issuer": "https://evil.example/", "jwks_uri": tn.jwksURL()}
		}},
		{name: "issuer missing", doc: func(tn *ksTenant) any { return map[string]any{"jwks_uri": tn.jwksURL()} }},
		{name: "issuer not a string", doc: func(tn *ksTenant) any { return map[string]any{"issuer": 1, "jwks_uri": tn.jwksURL()} }},
		{name: "jwks_uri over http", doc: func(tn *ksTenant) any {
			return map[string]any{"issuer": tn.issuer, "jwks_uri": strings.Replace(tn.jwksURL(), "https://", "http://", 1)}
		}},
		{name: "jwks_uri on another host", doc: func(tn *ksTenant) any {
			return map[string]any{"issuer": tn.issuer, "jwks_uri": strings.Replace(tn.jwksURL(), "127.0.0.1", "localhost", 1)}
		}},
		{name: "jwks_uri on another port", doc: func(tn *ksTenant) any {
			return map[string]any{"issuer": tn.issuer, "jwks_uri": other.jwksURL()}
		}},
		{name: "jwks_uri relative", doc: func(tn *ksTenant) any {
			return map[string]any{"issuer": tn.issuer, "jwks_uri": "/.well-known/jwks.json"}
		}},
		{name: "jwks_uri with user info", doc: func(tn *ksTenant) any {
			return map[string]any{"issuer": tn.issuer, "jwks_uri": strings.Replace(tn.jwksURL(), "https://", "https://user@", 1)}
		}},
		{name: "jwks_uri missing", doc: func(tn *ksTenant) any { return map[string]any{"issuer": tn.issuer} }},
		{name: "discovery 404", raw: func(*ksTenant) http.HandlerFunc { return status(http.StatusNotFound) }},
		{name: "discovery garbage", raw: func(*ksTenant) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("not json")) }
		}},
		{name: "discovery redirect", raw: func(*ksTenant) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/other/openid-configuration", http.StatusMovedPermanently)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t, jwk("kid-a", keyA()))
			if tt.doc != nil {
				doc := tt.doc(tn)
				tn.setDiscovery(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, doc) })
			} else {
				tn.setDiscovery(tt.raw(tn))
			}
			// No case here hangs; a generous FetchTimeout makes the
			// refusal, not a timeout on a loaded machine, what fails it.
			ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: hang})
			_, err := ks.Key(context.Background(), "kid-a")
			wantUnavailable(t, err, "kid-a")
			if got := tn.jwksHits.Load() + tn.otherHits.Load(); got != 0 {
				t.Errorf("JWKS fetches after a refused discovery: got %d, want 0", got)
			}
			if got := other.jwksHits.Load(); got != 0 {
				t.Errorf("fetches from the other tenant: got %d, want 0", got)
			}
		})
	}
}

func TestKeySourceInsecureLoopbackBuiltClient(t *testing.T) {
	t.Parallel()
	tn := newKSTenantTLS(t, false)
	tn.setJWKS(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/other/jwks.json", http.StatusFound)
	})
	const cooldown = 50 * time.Millisecond
	ks, err := NewKeySource(MustTenant(t, tn.issuer, true, 0), KeySourceConfig{
		FetchTimeout: 5 * time.Second, UnknownKeyCooldown: cooldown,
	}, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("NewKeySource(http loopback, dev mode): got error %v, want nil", err)
	}
	t.Cleanup(ks.Stop)
	clk := newFakeClock()
	ks.now = clk.now

	_, err = ks.Key(context.Background(), "kid-c")
	wantUnavailable(t, err, "kid-c")
	if got := tn.otherHits.Load(); got != 0 {
		t.Errorf("requests to the redirect target with the built client: got %d, want 0", got)
	}

	tn.serveKeys(jwk("kid-a", keyA()))
	clk.advance(cooldown)
	mustKey(t, ks, "kid-a", keyA())
}

func TestKeySourceIgnoresUnusableKeys(t *testing.T) {
	t.Parallel()
	longKid := strings.Repeat("x", 200) + "\"\n"
	tn := newKSTenant(t,
		jwk("good", keyA()),
		jwk("weak", &ksWeakKey().PublicKey),
		with(jwk("e3", keyB()), "e", b64u([]byte{3})),
		with(jwk("enc", keyB()), "use", "enc"),
		with(jwk("rs512", keyB()), "alg", "RS512"),
		map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
		jwk("dup", keyB()),
		jwk("dup", keyB()), // identical: counted once
		jwk(longKid, &ksWeakKey().PublicKey),
	)
	core, logs := observer.New(zapcore.DebugLevel)
	// The unknown kids below must not refetch (which would log the ignored
	// entries again), however slowly they run: a cooldown far above hang.
	ks, err := NewKeySource(MustTenant(t, tn.issuer, false, 0), KeySourceConfig{UnknownKeyCooldown: time.Hour}, tn.srv.Client(), zap.New(core))
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	t.Cleanup(ks.Stop)

	mustKey(t, ks, "good", keyA())
	mustKey(t, ks, "dup", keyB())
	for _, kid := range []string{"weak", "e3", "enc", "rs512", "ec", longKid} {
		_, err := ks.Key(context.Background(), kid)
		wantReason(t, err, ports.ReasonUnknownKey, kid)
	}
	if got := ks.Stats().Keys; got != 2 {
		t.Errorf("Stats().Keys: got %d, want 2", got)
	}

	entries := logs.FilterMessage("ignored entries of the tenant's JWKS").All()
	if len(entries) != 1 {
		t.Fatalf("log lines about ignored entries: got %d, want 1", len(entries))
	}
	fields := entries[0].ContextMap()
	wantReasons := "alg_not_rs256=1 exponent_not_65537=1 identical_duplicate=1 kty_not_rsa=1 modulus_too_short=2 use_not_sig=1"
	if got := fields["reasons"]; got != wantReasons {
		t.Errorf("logged reasons: got %v, want %q", got, wantReasons)
	}
	kids, _ := fields["ignored_kids"].([]any)
	var sawLong bool
	for _, k := range kids {
		s, _ := k.(string)
		if len(s) > maxLoggedKidLen+8 || strings.ContainsAny(s, "\n") {
			t.Errorf("logged kid %q: got it unbounded or with a raw newline, want it quoted and truncated", s)
		}
		if strings.HasPrefix(s, `"xxxx`) {
			sawLong = true
		}
	}
	if !sawLong {
		t.Errorf("logged kids %v: got no truncated long kid, want one", kids)
	}
}

func TestParseJWKSEntries(t *testing.T) {
	t.Parallel()
	good := jwk("good", keyA())
	evenN := new(big.Int).Sub(keyB().N, big.NewInt(1))
	huge := bytes.Repeat([]byte{0xff}, 16384/8)
	std := base64.RawStdEncoding.EncodeToString(keyB().N.Bytes())
	tests := []struct {
		name        string
		entry       any
		wantKept    []string
		wantReasons string
	}{
		{"good key alone", nil, []string{"good"}, ""},
		{"use and alg absent", with(jwk("bare", keyB()), "use", nil, "alg", nil), []string{"good", "bare"}, ""},
		{"exponent with a leading zero byte", with(jwk("e0", keyB()), "e", b64u([]byte{0, 1, 0, 1})), []string{"good", "e0"}, ""},
		{"1024-bit modulus", jwk("weak", &ksWeakKey().PublicKey), []string{"good"}, "modulus_too_short=1"},
		{"16384-bit modulus", with(jwk("huge", keyB()), "n", b64u(huge)), []string{"good"}, "modulus_too_long=1"},
		{"even modulus", with(jwk("even", keyB()), "n", b64u(evenN.Bytes())), []string{"good"}, "bad_modulus=1"},
		{"e=3", with(jwk("e3", keyB()), "e", b64u([]byte{3})), []string{"good"}, "exponent_not_65537=1"},
		{"e missing", with(jwk("noe", keyB()), "e", nil), []string{"good"}, "bad_exponent=1"},
		{"use enc", with(jwk("enc", keyB()), "use", "enc"), []string{"good"}, "use_not_sig=1"},
		{"use not a string", with(jwk("use", keyB()), "use", true), []string{"good"}, "use_not_sig=1"},
		{"key_ops verify", with(jwk("ops", keyB()), "use", nil, "key_ops", []string{"verify"}), []string{"good", "ops"}, ""},
		{"key_ops sign and verify", with(jwk("ops", keyB()), "key_ops", []string{"sign", "verify"}), []string{"good", "ops"}, ""},
		{"key_ops encrypt", with(jwk("ops", keyB()), "use", nil, "key_ops", []string{"encrypt", "wrapKey"}), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops empty", with(jwk("ops", keyB()), "key_ops", []string{}), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops a string", with(jwk("ops", keyB()), "key_ops", "verify"), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops with a number", with(jwk("ops", keyB()), "key_ops", []any{"verify", 1}), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops null", with(jwk("ops", keyB()), "key_ops", json.RawMessage("null")), []string{"good"}, "key_ops_not_verify=1"},
		{"alg RS512", with(jwk("rs512", keyB()), "alg", "RS512"), []string{"good"}, "alg_not_rs256=1"},
		{"alg none", with(jwk("none", keyB()), "alg", "none"), []string{"good"}, "alg_not_rs256=1"},
		{"kty EC", map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}, []string{"good"}, "kty_not_rsa=1"},
		{"kty lower case", with(jwk("lc", keyB()), "kty", "rsa"), []string{"good"}, "kty_not_rsa=1"},
		{"kid missing", with(jwk("", keyB()), "kid", nil), []string{"good"}, "missing_kid=1"},
		{"kid empty", jwk("", keyB()), []string{"good"}, "missing_kid=1"},
		{"kid a number", with(jwk("", keyB()), "kid", 7), []string{"good"}, "missing_kid=1"},
		// RFC 7517 §4.5: entries of another kty or use may share a kid;
		// two signing keys under one kid are both kept (see jwks_kid_test.go).
		{"another signing key under the good kid", jwk("good", keyB()), []string{"good"}, ""},
		{"EC entry under the good kid", map[string]any{"kty": "EC", "kid": "good"}, []string{"good"}, "kty_not_rsa=1"},
		{"n padded", with(jwk("pad", keyB()), "n", base64.URLEncoding.EncodeToString(keyB().N.Bytes())), []string{"good"}, "bad_modulus=1"},
		{"n standard alphabet", with(jwk("std", keyB()), "n", std), []string{"good"}, "bad_modulus=1"},
		{"n a number", with(jwk("num", keyB()), "n", 12345), []string{"good"}, "bad_modulus=1"},
		{"entry a string", "hello", []string{"good"}, "not_an_object=1"},
		{"entry null", json.RawMessage("null"), []string{"good"}, "not_an_object=1"},
	}
	if std == b64u(keyB().N.Bytes()) {
		t.Fatalf("test key: its modulus encodes without + or /, pick another")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries := []any{good}
			if tt.entry != nil {
				entries = append(entries, tt.entry)
			}
			keys, rep, err := parseJWKS(jwksJSON(entries...))
			if err != nil {
				t.Fatalf("parseJWKS: got error %v, want nil", err)
			}
			if len(keys) != len(tt.wantKept) {
				t.Errorf("kept: got %d keys, want %v", len(keys), tt.wantKept)
			}
			for _, kid := range tt.wantKept {
				if keys[kid] == nil {
					t.Errorf("kept: got no key %q, want it", kid)
				}
			}
			if got := rep.reasonSummary(); got != tt.wantReasons {
				t.Errorf("reasons: got %q, want %q", got, tt.wantReasons)
			}
		})
	}
}

func TestParseJWKSDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		wantErr bool
	}{
		{`{"keys":[]}`, false},
		{`{"keys":[],"other":1}`, false},
		{``, true},
		{`null`, true},
		{`[]`, true},
		{`"keys"`, true},
		{`{}`, true},
		{`{"keys":null}`, true},
		{`{"keys":{}}`, true},
		{`{"keys":"[]"}`, true},
		{`{"Keys":[]}`, true},
		{`{"keys":[]} trailing`, true},
		{`<html>`, true},
	}
	for _, tt := range tests {
		_, _, err := parseJWKS([]byte(tt.body))
		if gotErr := err != nil; gotErr != tt.wantErr {
			t.Errorf("parseJWKS(%q): got error %v, want error: %v", tt.body, err, tt.wantErr)
		}
	}
}

func TestJWKSCacheTTL(t *testing.T) {
	t.Parallel()
	const (
		def      = 10 * time.Minute
		lo       = time.Minute
		hi       = 24 * time.Hour
		maxStale = 24 * time.Hour
	)
	tests := []struct {
		name     string
		values   []string // Cache-Control header lines
		maxStale time.Duration
		want     time.Duration
	}{
		{"no header", nil, maxStale, def},
		{"max-age within bounds", []string{"max-age=3600"}, maxStale, time.Hour},
		{"Auth0 style", []string{"public, max-age=600, stale-while-revalidate=60, stale-if-error=86400"}, maxStale, 10 * time.Minute},
		{"below the minimum", []string{"max-age=15"}, maxStale, lo},
		{"zero", []string{"max-age=0"}, maxStale, lo},
		{"above the maximum", []string{"max-age=31536000"}, maxStale, hi},
		{"overflowing", []string{"max-age=99999999999999999999999"}, maxStale, hi},
		{"upper-case directive", []string{"MAX-AGE=120"}, maxStale, 2 * time.Minute},
		{"quoted value", []string{`max-age="120"`}, maxStale, 2 * time.Minute},
		{"spaces", []string{" public ,  max-age=120 "}, maxStale, 2 * time.Minute},
		{"split over two lines", []string{"public", "max-age=120"}, maxStale, 2 * time.Minute},
		{"negative", []string{"max-age=-5"}, maxStale, def},
		{"not a number", []string{"max-age=abc"}, maxStale, def},
		{"empty value", []string{"max-age="}, maxStale, def},
		{"two max-age", []string{"max-age=120, max-age=7200"}, maxStale, def},
		{"s-maxage only", []string{"s-maxage=120"}, maxStale, def},
		{"no-store", []string{"no-store"}, maxStale, lo},
		{"no-cache", []string{"no-cache, max-age=3600"}, maxStale, lo},
		{"no-cache for a field", []string{`no-cache="Set-Cookie", max-age=3600`}, maxStale, time.Hour},
		{"other directives only", []string{"public, immutable"}, maxStale, def},
		{"capped by MaxStaleAge", []string{"max-age=7200"}, time.Hour, time.Hour},
		{"default capped by MaxStaleAge", nil, 5 * time.Minute, 5 * time.Minute},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("Cache-Control", v)
		}
		if got := jwksCacheTTL(h, def, lo, hi, tt.maxStale); got != tt.want {
			t.Errorf("%s: jwksCacheTTL(%q): got %s, want %s", tt.name, tt.values, got, tt.want)
		}
	}
}

func TestJWKSDelays(t *testing.T) {
	t.Parallel()
	const ttl = 10 * time.Minute
	for range 1000 {
		if got := jwksRefreshDelay(ttl); got < ttl*80/100 || got > ttl*95/100 {
			t.Fatalf("jwksRefreshDelay(%s): got %s, want within 80%%..95%%", ttl, got)
		}
	}
	const base = 5 * time.Second
	tests := []struct {
		failures int
		factor   time.Duration
	}{{1, 1}, {2, 2}, {3, 4}, {4, 4}, {100, 4}}
	for _, tt := range tests {
		for range 200 {
			got := jwksRetryDelay(base, tt.failures)
			lo, hi := base*tt.factor*8/10, base*tt.factor*12/10
			if got < lo || got > hi {
				t.Fatalf("jwksRetryDelay(%s, %d): got %s, want within %s..%s", base, tt.failures, got, lo, hi)
			}
		}
	}
}

// TestKeySourceStop is not parallel: it checks that no goroutine of a
// KeySource outlives Stop.
func TestKeySourceStop(t *testing.T) {
	tn := newKSTenant(t)
	tn.setDiscovery(tn.hang)

	// Stop during a hanging warm-up cancels it: the fetch hangs until cleanup
	// and FetchTimeout is far above hang, so a Stop that waited for it
	// instead would hang.
	ks := newTestKeySource(t, tn, KeySourceConfig{FetchTimeout: time.Hour})
	ks.Start()
	ks.Start() // second Start does nothing
	eventually(t, "warm-up: a discovery request", func() bool { return tn.discoveryHits.Load() > 0 })
	stopped := make(chan struct{})
	go func() {
		ks.Stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(hang):
		t.Fatalf("Stop during a hanging fetch: still waiting after %s, want it to cancel the fetch", hang)
	}
	if ks.fetchInProgress() {
		t.Errorf("after Stop: got a fetch still in progress, want Stop to wait for it")
	}
	ks.Stop() // idempotent

	// A Key call after Stop fetches nothing and says the keys are unavailable.
	_, err := ks.Key(context.Background(), "kid-a")
	wantUnavailable(t, err, "kid-a")

	// Stop without Start, then Start after Stop: no fetch.
	tn2 := newKSTenant(t, jwk("kid-a", keyA()))
	ks2 := newTestKeySource(t, tn2, KeySourceConfig{})
	ks2.Stop()
	ks2.Start()
	// Start after Stop launches nothing: no loop was started, no attempt
	// was made (so none can happen later), and nothing reached the tenant.
	ks2.mu.Lock()
	started, attempted := ks2.started, !ks2.lastAttempt.IsZero() || ks2.inFlight
	ks2.mu.Unlock()
	if started || attempted {
		t.Errorf("after Stop then Start: got loop started %v, attempt made %v; want neither", started, attempted)
	}
	if got := tn2.discoveryHits.Load() + tn2.jwksHits.Load(); got != 0 {
		t.Errorf("requests after Stop then Start: got %d, want 0", got)
	}

	// No KeySource goroutine is left.
	deadline := time.Now().Add(hang)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "auth0.(*KeySource)") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines after Stop: got some in KeySource, want none:\n%s", stacks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
