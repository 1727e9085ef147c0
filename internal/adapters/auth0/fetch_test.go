package auth0

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
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
		{"203 with a JSON key set", func(tn *ksTenant, _ *check) {
			tn.setJWKS(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNonAuthoritativeInfo) // a transforming proxy's answer, not the tenant's
				w.Write(keysC)
			})
		}, false},
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

// TestCheckJWKSURI: a jwks_uri is accepted only over https on the issuer's
// host and port; plain http only for the loopback dev tenant, never merely
// because the host is loopback.
func TestCheckJWKSURI(t *testing.T) {
	t.Parallel()
	prod := MustTenant(t, "https://tenant.example/", false, 0)
	loopback := MustTenant(t, "https://127.0.0.1:8443/", false, 0)
	dev := MustTenant(t, "http://127.0.0.1:3011/", true, 0)
	devPort80 := MustTenant(t, "http://127.0.0.1/", true, 0)
	prodFlagged := MustTenant(t, "https://tenant.example/", true, 0) // the dev flag set on a real tenant
	tests := []struct {
		name   string
		tenant Tenant
		uri    string
		wantOK bool
	}{
		{"https on the issuer's host", prod, "https://tenant.example/.well-known/jwks.json", true},
		{"host in another case", prod, "https://TENANT.example/.well-known/jwks.json", true},
		{"default port written out", prod, "https://tenant.example:443/.well-known/jwks.json", true},
		{"another port", prod, "https://tenant.example:8443/.well-known/jwks.json", false},
		{"another host", prod, "https://evil.example/.well-known/jwks.json", false},
		{"http on a loopback https tenant", loopback, "http://127.0.0.1:8443/.well-known/jwks.json", false},
		{"http for the loopback dev tenant", dev, "http://127.0.0.1:3011/.well-known/jwks.json", true},
		{"http default port written out", devPort80, "http://127.0.0.1:80/.well-known/jwks.json", true},
		{"http on port 443 of a dev tenant on port 80", devPort80, "http://127.0.0.1:443/.well-known/jwks.json", false},
		{"http on the issuer's host and port, dev flag set", prodFlagged, "http://tenant.example:443/.well-known/jwks.json", false},
		// Logged on every failed fetch: bounded, and no raw controls.
		{"at the length bound", prod, "https://tenant.example/" + strings.Repeat("a", maxJWKSURI-len("https://tenant.example/")), true},
		{"past the length bound", prod, "https://tenant.example/" + strings.Repeat("a", maxJWKSURI-len("https://tenant.example/")+1), false},
		{"a bidi override in the path", prod, "https://tenant.example/.well-known/jwks.json/x\u202eevil", false},
		{"a C1 control in the path", prod, "https://tenant.example/jwks\u009b31m", false},
		{"a line separator in the path", prod, "https://tenant.example/jwks\u2028x", false},
		{"a space in the path", prod, "https://tenant.example/jw ks", false},
		{"percent-encoded characters", prod, "https://tenant.example/%E2%80%AE/jwks.json", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&KeySource{tenant: tt.tenant}).checkJWKSURI(tt.uri)
			if got := err == nil; got != tt.wantOK {
				t.Errorf("got accepted %v (%v), want %v", got, err, tt.wantOK)
			}
		})
	}
}

// TestKeySourceBodyCap: MaxBodyBytes is the largest body taken, announced
// by Content-Length (refused before reading) or not.
func TestKeySourceBodyCap(t *testing.T) {
	t.Parallel()
	const limit = 100
	tests := []struct {
		name      string
		size      int
		chunked   bool
		wantError string // "" for success
	}{
		{"Content-Length at the cap", limit, false, ""},
		{"Content-Length one byte over", limit + 1, false, "Content-Length 101 exceeds"},
		{"chunked at the cap", limit, true, ""},
		{"chunked one byte over", limit + 1, true, "body exceeds the 100-byte cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.chunked {
					w.(http.Flusher).Flush() // headers out without a Content-Length
				} else {
					w.Header().Set("Content-Length", strconv.Itoa(tt.size))
				}
				w.Write(bytes.Repeat([]byte("x"), tt.size))
			}))
			defer srv.Close()
			ks := &KeySource{client: srv.Client(), cfg: KeySourceConfig{MaxBodyBytes: limit}}
			body, _, err := ks.get(t.Context(), srv.URL, "application/json")
			switch {
			case tt.wantError == "" && (err != nil || len(body) != tt.size):
				t.Errorf("got %d bytes, %v; want %d bytes", len(body), err, tt.size)
			case tt.wantError != "" && (err == nil || !strings.Contains(err.Error(), tt.wantError)):
				t.Errorf("got %d bytes, %v; want an error containing %q", len(body), err, tt.wantError)
			}
		})
	}
}
