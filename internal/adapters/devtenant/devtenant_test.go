package devtenant

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const (
	testAudience = "https://messages-api.dev"

	readerID     = "reader-client"
	readerSecret = "reader-secret-3f9a"
	noScopeID    = "noscope-client"
	noScopeSec   = "noscope-secret-77c1"
	oddID        = "odd-client"
	oddSecret    = "p+ss%2F w&rd=ü" // needs form-encoding in Basic auth
)

// fixedNow is the clock every test tenant runs on, so iat and exp are exact.
var fixedNow = time.Unix(1_760_000_000, 0)

func testConfig() Config {
	return Config{
		Addr:     "127.0.0.1:0",
		Audience: testAudience,
		KeyFile:  testKeyFile,
		Clients: []Client{
			{ID: readerID, Secret: readerSecret, Scopes: []string{"read:messages", "write:messages"}},
			{ID: noScopeID, Secret: noScopeSec},
			{ID: oddID, Secret: oddSecret, Scopes: []string{"read:messages"}},
		},
	}
}

// startTenant starts a tenant on 127.0.0.1:0 and stops it when the test ends.
// It returns the tenant and the observed logs.
func startTenant(t *testing.T, mutate func(*Config)) (*Tenant, *observer.ObservedLogs) {
	t.Helper()
	tn, logs, _ := startTenantWithClock(t, mutate)
	return tn, logs
}

// testClock starts at fixedNow and moves only when a test says so.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return fixedNow.Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// startTenantWithClock is startTenant with the tenant's clock exposed.
func startTenantWithClock(t *testing.T, mutate func(*Config)) (*Tenant, *observer.ObservedLogs, *testClock) {
	t.Helper()
	cfg := testConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	tn, err := New(cfg, zap.New(core))
	if err != nil {
		t.Fatalf("New: got error %v, want nil", err)
	}
	clock := &testClock{}
	tn.now = clock.now
	if err := tn.Start(t.Context()); err != nil {
		t.Fatalf("Start: got error %v, want nil", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tn.Stop(ctx); err != nil {
			t.Errorf("Stop: got error %v, want nil", err)
		}
	})
	return tn, logs, clock
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	return doWith(t, &http.Client{Timeout: 10 * time.Second}, req)
}

func doWith(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func get(t *testing.T, url string) response {
	t.Helper()
	return do(t, newRequest(t, http.MethodGet, url, nil))
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", b, err)
	}
	return m
}

func keysOf(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func TestNewRejectsNonLoopbackAddr(t *testing.T) {
	for _, addr := range []string{
		"0.0.0.0:3011",
		":3011",
		"10.0.0.1:1",
		"192.168.1.10:3011",
		"[::]:3011",
		"[2001:db8::1]:3011",
		"[fe80::1%lo]:3011",
		"example.com:3011",
		"foo.localhost:3011",
		"127.0.0.1",
		"127.0.0.1:http",
		"127.0.0.1:70000",
		"127.0.0.1:-1",
	} {
		t.Run(addr, func(t *testing.T) {
			cfg := testConfig()
			cfg.Addr = addr
			tn, err := New(cfg, zap.NewNop())
			if err == nil {
				t.Fatalf("New(Addr=%q): got tenant %v and nil error, want an error", addr, tn)
			}
			if !strings.Contains(err.Error(), strconv.Quote(addr)) {
				t.Errorf("New(Addr=%q): got error %q, want it to name the address", addr, err)
			}
		})
	}
}

func TestNewAcceptsLoopbackAddr(t *testing.T) {
	for _, tc := range []struct {
		addr       string
		wantIssuer string // before Start
	}{
		{"", "http://127.0.0.1:3011/"},
		{"127.0.0.1:3011", "http://127.0.0.1:3011/"},
		{"127.1.2.3:8080", "http://127.1.2.3:8080/"},
		{"localhost:3011", "http://127.0.0.1:3011/"},
		{"LocalHost:3011", "http://127.0.0.1:3011/"},
		{"[::1]:3011", "http://[::1]:3011/"},
		{"[::ffff:127.0.0.1]:3011", "http://127.0.0.1:3011/"},
		{"127.0.0.1:0", ""},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			cfg := testConfig()
			cfg.Addr = tc.addr
			tn, err := New(cfg, zap.NewNop())
			if err != nil {
				t.Fatalf("New(Addr=%q): got error %v, want nil", tc.addr, err)
			}
			if got := tn.Issuer(); got != tc.wantIssuer {
				t.Errorf("Issuer before Start: got %q, want %q", got, tc.wantIssuer)
			}
			if tn.Ready() {
				t.Errorf("Ready before Start: got true, want false")
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"no clients", func(c *Config) { c.Clients = nil }, "at least one client"},
		{"empty id", func(c *Config) { c.Clients[1].ID = "" }, "clients[1]: id must be set"},
		{"duplicate id", func(c *Config) { c.Clients[2].ID = readerID }, "is not unique"},
		{"id with colon", func(c *Config) { c.Clients[0].ID = "a:b" }, "must be printable ASCII"},
		{"id with space", func(c *Config) { c.Clients[0].ID = "a b" }, "must be printable ASCII"},
		{"empty secret", func(c *Config) { c.Clients[0].Secret = "" }, "secret must be set"},
		{"missing audience", func(c *Config) { c.Audience = "" }, "audience must be set"},
		{"audience with spaces", func(c *Config) { c.Audience = " x " }, "audience"},
		{"negative ttl", func(c *Config) { c.TokenTTL = -time.Second }, "token_ttl"},
		{"sub-second ttl", func(c *Config) { c.TokenTTL = time.Millisecond }, "token_ttl"},
		{"fractional ttl", func(c *Config) { c.TokenTTL = 1500 * time.Millisecond }, "whole number of seconds"},
		{"ttl over 30 days", func(c *Config) { c.TokenTTL = 31 * 24 * time.Hour }, "at most"},
		{"scope with space", func(c *Config) { c.Clients[0].Scopes = []string{"read messages"} }, "not a valid scope token"},
		{"empty scope", func(c *Config) { c.Clients[0].Scopes = []string{""} }, "not a valid scope token"},
		{"duplicate scope", func(c *Config) { c.Clients[0].Scopes = []string{"a", "a"} }, "listed twice"},
		{"unknown client type", func(c *Config) { c.Clients[0].Type = "web" }, "must be m2m, spa or native"},
		{"m2m with redirect", func(c *Config) { c.Clients[0].RedirectURIs = []string{"http://localhost/"} }, "no redirect_uris"},
		{"spa with secret", func(c *Config) { withUsers(c); c.Clients[3].Secret = "spa-secret-9x" }, "has no secret"},
		{"spa without redirect", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = nil }, "at least one URL"},
		{"redirect with fragment", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"http://localhost/#x"} }, "fragment"},
		{"relative redirect", func(c *Config) { withUsers(c); c.Clients[3].RedirectURIs = []string{"/cb"} }, "absolute"},
		{"user without password", func(c *Config) { withUsers(c); c.Users[0].Password = "" }, "password must be set"},
		{"duplicate user", func(c *Config) { withUsers(c); c.Users[1].Username = "reader" }, "is not unique"},
		{"bad permission", func(c *Config) { withUsers(c); c.Users[0].Permissions = []string{"a b"} }, "not a valid scope token"},
		{"spa_addr not loopback", func(c *Config) { withUsers(c); c.SPAAddr, c.SPAClientID = "0.0.0.0:3000", spaID }, "loopback"},
		{"spa_client_id not spa", func(c *Config) { withUsers(c); c.SPAAddr, c.SPAClientID = "127.0.0.1:0", cliID }, "must name a client of type spa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.mutate(&cfg)
			tn, err := New(cfg, zap.NewNop())
			if err == nil {
				t.Fatalf("New: got tenant %v and nil error, want error containing %q", tn, tc.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantErr) {
				t.Errorf("New: got error %q, want it to contain %q", msg, tc.wantErr)
			}
			for _, c := range cfg.Clients {
				if c.Secret != "" && strings.Contains(msg, c.Secret) {
					t.Errorf("New: got error %q, want it not to contain a client secret", msg)
				}
			}
		})
	}
}

func TestStartStop(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := testConfig()
	tn, err := New(cfg, zap.New(core))
	if err != nil {
		t.Fatalf("New: got error %v, want nil", err)
	}
	if err := tn.Stop(t.Context()); err != nil {
		t.Errorf("Stop before Start: got error %v, want nil", err)
	}
	if err := tn.Start(t.Context()); err != nil {
		t.Fatalf("Start: got error %v, want nil", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = tn.Stop(context.Background())
		}
	})

	if !tn.Ready() {
		t.Errorf("Ready after Start: got false, want true")
	}
	iss := tn.Issuer()
	u, err := url.Parse(iss)
	if err != nil {
		t.Fatalf("Issuer %q: %v", iss, err)
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" || u.Path != "/" {
		t.Errorf("Issuer after Start: got %q, want http://127.0.0.1:PORT/ with the bound port", iss)
	}
	if res := get(t, iss+".well-known/jwks.json"); res.status != http.StatusOK {
		t.Errorf("GET jwks at the issuer: got status %d, want 200", res.status)
	}

	warns := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("must NEVER be used in production").All()
	if len(warns) != 1 {
		t.Fatalf("production warning: got %d WARN entries, want 1 (logs: %v)", len(warns), logs.All())
	}
	if got := warns[0].ContextMap()["issuer"]; got != iss {
		t.Errorf("production warning issuer: got %v, want %q", got, iss)
	}

	if err := tn.Start(t.Context()); err == nil {
		t.Errorf("second Start: got nil error, want an error")
	}

	// A second tenant on the same port fails in Start, synchronously.
	clash := testConfig()
	clash.Addr = u.Host
	other, err := New(clash, zap.NewNop())
	if err != nil {
		t.Fatalf("New(clash): got error %v, want nil", err)
	}
	if err := other.Start(t.Context()); err == nil {
		_ = other.Stop(context.Background())
		t.Errorf("Start on a taken port %s: got nil error, want an error", u.Host)
	}
	if other.Ready() {
		t.Errorf("Ready after failed Start: got true, want false")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tn.Stop(ctx); err != nil {
		t.Fatalf("Stop: got error %v, want nil", err)
	}
	stopped = true
	if tn.Ready() {
		t.Errorf("Ready after Stop: got true, want false")
	}
	if err := tn.Stop(ctx); err != nil {
		t.Errorf("second Stop: got error %v, want nil", err)
	}
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{}}
	if res, err := c.Get(iss + ".well-known/jwks.json"); err == nil {
		res.Body.Close()
		t.Errorf("GET after Stop: got status %d, want a connection error", res.StatusCode)
	}
}

func TestStopForcesCloseWhenContextEnds(t *testing.T) {
	tn, err := New(testConfig(), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tn.Stop(context.Background()) })

	// A request whose body never arrives keeps its connection active.
	u, _ := url.Parse(tn.Issuer())
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start reading it

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = tn.Stop(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop with a stuck request: got error %v, want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Stop took %s, want it bounded by its context", d)
	}
	if tn.Ready() {
		t.Errorf("Ready after Stop: got true, want false")
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("stuck connection after Stop: got %v, want it closed by the server", err)
	}
}

func TestHandlerBeforeStartWithPortZero(t *testing.T) {
	tn, err := New(testConfig(), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{header: http.Header{}}
	tn.Handler().ServeHTTP(rec, newRequest(t, http.MethodGet, "http://x/.well-known/openid-configuration", nil))
	if rec.status != http.StatusServiceUnavailable {
		t.Errorf("discovery before Start on port 0: got status %d, want 503", rec.status)
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func TestDiscovery(t *testing.T) {
	tn, _ := startTenant(t, nil)
	iss := tn.Issuer()

	for _, tc := range []struct {
		name string
		host string // Host header; "" = the real one
	}{
		{"real host", ""},
		{"spoofed host", "evil.example:443"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, iss+".well-known/openid-configuration", nil)
			if tc.host != "" {
				req.Host = tc.host
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

// tokenCase is a token request: its body, media type and optional Basic auth.
type tokenCase struct {
	name        string
	contentType string
	body        string
	basic       *[2]string // raw Basic user and password, already encoded as the client sends them
	header      http.Header
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func jsonBody(t *testing.T, kv ...string) string {
	t.Helper()
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	ctForm = "application/x-www-form-urlencoded"
	ctJSON = "application/json"
)

func postToken(t *testing.T, tn *Tenant, tc tokenCase) response {
	t.Helper()
	req := newRequest(t, http.MethodPost, tn.Issuer()+"oauth/token", strings.NewReader(tc.body))
	if tc.contentType != "" {
		req.Header.Set("Content-Type", tc.contentType)
	}
	if tc.basic != nil {
		req.SetBasicAuth(tc.basic[0], tc.basic[1])
	}
	for k, v := range tc.header {
		req.Header[k] = v
	}
	return do(t, req)
}

func TestTokenIssuance(t *testing.T) {
	tn, logs := startTenant(t, nil)
	pub, kid := fetchKey(t, tn)
	iss := tn.Issuer()

	for _, tc := range []struct {
		tokenCase
		wantClient string
		wantScope  string // "" = no scope member in the response or the token
	}{
		{
			tokenCase: tokenCase{name: "form client_secret_post", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "form with charset", contentType: ctForm + "; charset=UTF-8",
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "json", contentType: ctJSON,
				body: jsonBody(t, "grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "json with unknown member", contentType: ctJSON + "; charset=utf-8",
				body: `{"grant_type":"client_credentials","client_id":"` + readerID + `","client_secret":"` + readerSecret + `","audience":"` + testAudience + `","extra":"ignored"}`},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth", contentType: ctForm,
				body:  form("grant_type", "client_credentials", "audience", testAudience),
				basic: &[2]string{readerID, readerSecret}},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth with matching client_id in body", contentType: ctForm,
				body:  form("grant_type", "client_credentials", "client_id", readerID, "audience", testAudience),
				basic: &[2]string{readerID, readerSecret}},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth form-encoded per RFC 6749", contentType: ctJSON,
				body:  jsonBody(t, "grant_type", "client_credentials", "audience", testAudience),
				basic: &[2]string{url.QueryEscape(oddID), url.QueryEscape(oddSecret)}},
			wantClient: oddID, wantScope: "read:messages",
		},
		{
			tokenCase: tokenCase{name: "basic auth not encoded (curl -u)", contentType: ctForm,
				body:  form("grant_type", "client_credentials", "audience", testAudience),
				basic: &[2]string{oddID, oddSecret}},
			wantClient: oddID, wantScope: "read:messages",
		},
		{
			tokenCase: tokenCase{name: "odd secret in form body", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", oddID, "client_secret", oddSecret, "audience", testAudience)},
			wantClient: oddID, wantScope: "read:messages",
		},
		{
			tokenCase: tokenCase{name: "requested subset of scopes", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience, "scope", "read:messages")},
			wantClient: readerID, wantScope: "read:messages",
		},
		{
			tokenCase: tokenCase{name: "requested all scopes, reordered and repeated", contentType: ctJSON,
				body: jsonBody(t, "grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience, "scope", " write:messages  read:messages write:messages ")},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "empty scope parameter means all granted", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience, "scope", "")},
			wantClient: readerID, wantScope: "read:messages write:messages",
		},
		{
			tokenCase: tokenCase{name: "grant without scopes", contentType: ctForm,
				body: form("grant_type", "client_credentials", "client_id", noScopeID, "client_secret", noScopeSec, "audience", testAudience)},
			wantClient: noScopeID, wantScope: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := postToken(t, tn, tc.tokenCase)
			if res.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", res.status, res.body)
			}
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if got := res.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", got)
			}
			body := decodeJSON(t, res.body)
			wantKeys := []string{"access_token", "expires_in", "token_type"}
			if tc.wantScope != "" {
				wantKeys = append(wantKeys, "scope")
			}
			slices.Sort(wantKeys)
			if got := keysOf(body); !slices.Equal(got, wantKeys) {
				t.Errorf("response members: got %v, want %v", got, wantKeys)
			}
			if got := body["token_type"]; got != "Bearer" {
				t.Errorf("token_type: got %v, want Bearer", got)
			}
			if got := body["expires_in"]; got != float64(86400) {
				t.Errorf("expires_in: got %v, want 86400", got)
			}
			if tc.wantScope != "" && body["scope"] != tc.wantScope {
				t.Errorf("scope: got %v, want %q", body["scope"], tc.wantScope)
			}
			token, _ := body["access_token"].(string)

			header, claims := verifyToken(t, token, pub)
			wantHeader := map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}
			if !maps.Equal(header, wantHeader) {
				t.Errorf("JWS header: got %v, want %v", header, wantHeader)
			}
			wantClaims := map[string]any{
				"iss": iss,
				"sub": tc.wantClient + "@clients",
				"aud": testAudience,
				"iat": float64(fixedNow.Unix()),
				"exp": float64(fixedNow.Add(24 * time.Hour).Unix()),
				"azp": tc.wantClient,
				"gty": "client-credentials",
			}
			if tc.wantScope != "" {
				wantClaims["scope"] = tc.wantScope
			}
			if !maps.Equal(claims, wantClaims) {
				t.Errorf("claims: got %v, want %v", claims, wantClaims)
			}

			// One log line per issued token, naming client, audience and scopes.
			entries := logs.TakeAll()
			assertNoSecretsLogged(t, entries)
			var issued []observer.LoggedEntry
			for _, e := range entries {
				if e.Message == "issued access token" {
					issued = append(issued, e)
				}
			}
			if len(issued) != 1 {
				t.Fatalf("issued-token log lines: got %d, want 1", len(issued))
			}
			fields := issued[0].ContextMap()
			if fields["client_id"] != tc.wantClient || fields["audience"] != testAudience {
				t.Errorf("issued-token log: got client_id=%v audience=%v, want %s %s", fields["client_id"], fields["audience"], tc.wantClient, testAudience)
			}
			if got, want := fmt.Sprint(fields["scopes"]), fmt.Sprint(strings.Fields(tc.wantScope)); got != want {
				t.Errorf("issued-token log scopes: got %s, want %s", got, want)
			}
		})
	}
}

// verifyToken checks the compact JWS signature with pub and returns the
// decoded header and claims.
func verifyToken(t *testing.T, token string, pub *rsa.PublicKey) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token: got %d dot-separated parts, want 3", len(parts))
	}
	seg := func(i int) []byte {
		if strings.ContainsAny(parts[i], "=+/") {
			t.Errorf("token part %d: got %q, want unpadded base64url", i, parts[i])
		}
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("token part %d: %v", i, err)
		}
		return b
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], seg(2)); err != nil {
		t.Errorf("signature: got %v, want it to verify with the JWKS key", err)
	}
	return decodeJSON(t, seg(0)), decodeJSON(t, seg(1))
}

func TestTokenTTL(t *testing.T) {
	tn, _ := startTenant(t, func(c *Config) { c.TokenTTL = 90 * time.Second })
	pub, _ := fetchKey(t, tn)
	res := postToken(t, tn, tokenCase{contentType: ctForm,
		body: form("grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience)})
	body := decodeJSON(t, res.body)
	if got := body["expires_in"]; got != float64(90) {
		t.Errorf("expires_in: got %v, want 90", got)
	}
	_, claims := verifyToken(t, body["access_token"].(string), pub)
	if got, want := claims["exp"].(float64)-claims["iat"].(float64), float64(90); got != want {
		t.Errorf("exp-iat: got %v, want %v", got, want)
	}
}

func TestTokenErrors(t *testing.T) {
	tn, logs := startTenant(t, nil)
	padding := strings.Repeat("a", maxBodyBytes)
	valid := []string{"grant_type", "client_credentials", "client_id", readerID, "client_secret", readerSecret, "audience", testAudience}
	with := func(kv ...string) string {
		all := append(slices.Clone(valid), kv...)
		return form(all...)
	}

	for _, tc := range []struct {
		tokenCase
		method     string // "" = POST
		path       string // "" = oauth/token
		chunked    bool   // send the body without Content-Length
		wantStatus int
		wantError  string
		wantDesc   string // "" = any
	}{
		{tokenCase: tokenCase{name: "wrong secret", contentType: ctForm, body: with("client_secret", "nope")},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "wrong secret of another client", contentType: ctForm, body: with("client_secret", noScopeSec)},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "unknown client", contentType: ctForm, body: with("client_id", "who")},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "wrong secret via basic", contentType: ctForm,
			body: form("grant_type", "client_credentials", "audience", testAudience), basic: &[2]string{readerID, "nope"}},
			wantStatus: 401, wantError: "access_denied", wantDesc: "Unauthorized"},
		{tokenCase: tokenCase{name: "unknown audience", contentType: ctForm, body: with("audience", "https://other.example")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "Service not enabled within domain: https://other.example"},
		{tokenCase: tokenCase{name: "missing audience", contentType: ctForm, body: with("audience", "")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "No audience parameter was provided, and no default audience has been configured"},
		{tokenCase: tokenCase{name: "bad grant_type", contentType: ctForm, body: with("grant_type", "password")},
			wantStatus: 400, wantError: "unsupported_grant_type", wantDesc: "Unsupported grant type: password"},
		{tokenCase: tokenCase{name: "missing grant_type", contentType: ctForm, body: with("grant_type", "")},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Missing required parameter: grant_type"},
		{tokenCase: tokenCase{name: "missing client_id", contentType: ctForm, body: with("client_id", "")},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Missing required parameter: client_id"},
		{tokenCase: tokenCase{name: "missing client_secret", contentType: ctForm, body: with("client_secret", "")},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Missing required parameter: client_secret"},
		{tokenCase: tokenCase{name: "scope not granted", contentType: ctForm, body: with("scope", "read:messages delete:messages admin")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "Client has not been granted scopes: delete:messages admin"},
		{tokenCase: tokenCase{name: "scope requested by client without grants", contentType: ctForm,
			body: form("grant_type", "client_credentials", "client_id", noScopeID, "client_secret", noScopeSec, "audience", testAudience, "scope", "read:messages")},
			wantStatus: 403, wantError: "access_denied", wantDesc: "Client has not been granted scopes: read:messages"},
		{tokenCase: tokenCase{name: "malformed JSON", contentType: ctJSON, body: `{"grant_type":"client_credentials",`},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "JSON array", contentType: ctJSON, body: `[]`},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "JSON non-string value", contentType: ctJSON, body: `{"grant_type":"client_credentials","client_id":1}`},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "JSON duplicate member", contentType: ctJSON,
			body: `{"grant_type":"client_credentials","client_id":"` + readerID + `","client_id":"x","client_secret":"` + readerSecret + `","audience":"` + testAudience + `"}`},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "JSON trailing data", contentType: ctJSON, body: jsonBody(t, valid...) + `{}`},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "malformed form", contentType: ctForm, body: with() + "&x=%zz"},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "form value not UTF-8", contentType: ctForm, body: with() + "&x=%ff"},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameters must be valid UTF-8"},
		{tokenCase: tokenCase{name: "repeated form parameter", contentType: ctForm, body: with() + "&audience=" + url.QueryEscape(testAudience)},
			wantStatus: 400, wantError: "invalid_request", wantDesc: "Parameter included more than once: audience"},
		{tokenCase: tokenCase{name: "missing content type", body: with()},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "unsupported content type", contentType: "text/plain", body: with()},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "basic auth and client_secret in body", contentType: ctForm, body: with(), basic: &[2]string{readerID, readerSecret}},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "basic auth with other client_id in body", contentType: ctForm,
			body: form("grant_type", "client_credentials", "client_id", noScopeID, "audience", testAudience), basic: &[2]string{readerID, readerSecret}},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "bearer authorization header", contentType: ctForm, body: with(),
			header: http.Header{"Authorization": {"Bearer abc"}}},
			wantStatus: 400, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "oversized body", contentType: ctForm, body: with("padding", padding)},
			wantStatus: 413, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "oversized chunked body", contentType: ctForm, body: with("padding", padding)}, chunked: true,
			wantStatus: 413, wantError: "invalid_request"},
		{tokenCase: tokenCase{name: "GET on /oauth/token"}, method: http.MethodGet,
			wantStatus: 405, wantError: "method_not_allowed"},
		{tokenCase: tokenCase{name: "POST on jwks"}, method: http.MethodPost, path: ".well-known/jwks.json",
			wantStatus: 405, wantError: "method_not_allowed"},
		{tokenCase: tokenCase{name: "unknown path"}, method: http.MethodGet, path: "oauth/authorize",
			wantStatus: 404, wantError: "not_found"},
		{tokenCase: tokenCase{name: "token path with trailing slash", contentType: ctForm, body: with()}, path: "oauth/token/",
			wantStatus: 404, wantError: "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method, path := cmpOr(tc.method, http.MethodPost), cmpOr(tc.path, "oauth/token")
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req := newRequest(t, method, tn.Issuer()+path, body)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.basic != nil {
				req.SetBasicAuth(tc.basic[0], tc.basic[1])
			}
			for k, v := range tc.header {
				req.Header[k] = v
			}
			res := do(t, req)
			if res.status != tc.wantStatus {
				t.Errorf("status: got %d, want %d (body %s)", res.status, tc.wantStatus, res.body)
			}
			if got := res.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", got)
			}
			var e map[string]string
			if err := json.Unmarshal(res.body, &e); err != nil {
				t.Fatalf("body %s: got %v, want a JSON object of strings", res.body, err)
			}
			if got := slices.Sorted(maps.Keys(e)); !slices.Equal(got, []string{"error", "error_description"}) {
				t.Errorf("error members: got %v, want [error error_description]", got)
			}
			if e["error"] != tc.wantError {
				t.Errorf("error: got %q, want %q", e["error"], tc.wantError)
			}
			if tc.wantDesc != "" && e["error_description"] != tc.wantDesc {
				t.Errorf("error_description: got %q, want %q", e["error_description"], tc.wantDesc)
			}
			if e["error_description"] == "" {
				t.Errorf("error_description: got empty, want a description")
			}
			if path == "oauth/token" && method == http.MethodPost {
				if got := res.header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control: got %q, want no-store", got)
				}
			}
			if tc.wantStatus == 405 && res.header.Get("Allow") == "" {
				t.Errorf("Allow: got empty, want the allowed methods")
			}
			if tc.basic != nil && tc.wantStatus == 401 && res.header.Get("WWW-Authenticate") == "" {
				t.Errorf("WWW-Authenticate after failed Basic auth: got empty, want a Basic challenge")
			}
		})
	}
	if n := logs.FilterMessage("issued access token").Len(); n != 0 {
		t.Errorf("issued-token log lines after only refusals: got %d, want 0", n)
	}
	assertNoSecretsLogged(t, logs.All())
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// assertNoSecretsLogged fails if any log entry mentions a client secret or
// anything shaped like a JWT.
func assertNoSecretsLogged(t *testing.T, entries []observer.LoggedEntry) {
	t.Helper()
	for _, e := range entries {
		line := e.Message + " " + fmt.Sprint(e.ContextMap())
		for _, s := range []string{readerSecret, noScopeSec, oddSecret, "eyJ"} {
			if strings.Contains(line, s) {
				t.Errorf("log entry %q: got a secret or token in it, want none", line)
			}
		}
	}
}

func TestModule(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	var tn *Tenant
	app := fx.New(
		fx.NopLogger,
		fx.Supply(testConfig(), zap.New(core), APIBaseURL(func() string { return "http://127.0.0.1:1" })),
		Module,
		fx.Populate(&tn),
	)
	if err := app.Err(); err != nil {
		t.Fatalf("fx.New: got error %v, want nil", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.Start(ctx); err != nil {
		t.Fatalf("app.Start: got error %v, want nil", err)
	}
	t.Cleanup(func() { _ = app.Stop(context.Background()) })
	if !tn.Ready() {
		t.Errorf("Ready after app.Start: got false, want true")
	}
	if res := get(t, tn.Issuer()+".well-known/jwks.json"); res.status != http.StatusOK {
		t.Errorf("GET jwks: got status %d, want 200", res.status)
	}
	warns := logs.FilterLevelExact(zapcore.WarnLevel).All()
	if len(warns) != 1 || warns[0].LoggerName != "devtenant" {
		t.Errorf("startup warning: got %v, want one WARN from logger \"devtenant\"", warns)
	}
	if err := app.Stop(ctx); err != nil {
		t.Fatalf("app.Stop: got error %v, want nil", err)
	}
	if tn.Ready() {
		t.Errorf("Ready after app.Stop: got true, want false")
	}
}
