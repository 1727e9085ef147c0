package devtenant

import (
	"context"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/oauth2"
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

// assertNoSecretsLogged fails if any log entry mentions a client secret or
// anything shaped like a JWT.
func assertNoSecretsLogged(t *testing.T, entries []observer.LoggedEntry) {
	t.Helper()
	for _, e := range entries {
		line := e.Message + " " + fmt.Sprint(e.ContextMap())
		for _, s := range []string{readerSecret, noScopeSec, oddSecret, "eyJ", "reader-password", "nobody-password", "wrong"} {
			if strings.Contains(line, s) {
				t.Errorf("log entry %q: got a secret or token in it, want none", line)
			}
		}
	}
}

const (
	spaID       = "test-spa"
	spaRedirect = "http://localhost:3000/"
	cliID       = "test-cli"
	cliRedirect = "http://127.0.0.1:49152/callback"
)

// withUsers adds the public clients, the dev users and RBAC to a test config.
func withUsers(c *Config) {
	c.RBAC = true
	c.Clients = append(c.Clients,
		Client{ID: spaID, Type: TypeSPA, RedirectURIs: []string{spaRedirect}},
		Client{ID: cliID, Type: TypeNative, RedirectURIs: []string{"http://127.0.0.1/callback", "http://[::1]/callback"}},
	)
	c.Users = []User{
		{Username: "reader", Password: "reader-password", Permissions: []string{"read:messages"}},
		{Username: "nobody", Password: "nobody-password"},
	}
}

// noFollow shows redirects instead of following them.
var noFollow = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func doNoFollow(t *testing.T, req *http.Request) response {
	t.Helper()
	return doWith(t, noFollow, req)
}

// authParams is a valid /authorize request for client and redirect with a
// fresh PKCE pair; it returns the parameters and the verifier.
func authParams(client, redirect, scope string) (url.Values, string) {
	verifier := randomToken()
	return url.Values{
		"response_type": {"code"}, "client_id": {client}, "redirect_uri": {redirect}, "scope": {scope},
		"audience": {testAudience}, "state": {"xyz"}, "nonce": {"n-0S6"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}, verifier
}

func authorizeGET(t *testing.T, tn *Tenant, params url.Values) response {
	t.Helper()
	return doNoFollow(t, newRequest(t, http.MethodGet, tn.Issuer()+"authorize?"+params.Encode(), nil))
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// postLogin posts the login form as a browser would: the hidden inputs of
// the login page for params, plus the credentials.
func postLogin(t *testing.T, tn *Tenant, params url.Values, username, password string) response {
	t.Helper()
	page := authorizeGET(t, tn, params)
	if page.status != http.StatusOK {
		t.Fatalf("login page: got status %d, want 200 (%s)", page.status, page.body)
	}
	form := url.Values{"username": {username}, "password": {password}}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page.body), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	req := newRequest(t, http.MethodPost, tn.Issuer()+"authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return doNoFollow(t, req)
}

// sessionCookieOf returns the session cookie a login answer sets, or nil.
func sessionCookieOf(login response) *http.Cookie {
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

// redirectQuery returns the query of a 302 answer's Location.
func redirectQuery(t *testing.T, res response) url.Values {
	t.Helper()
	if res.status != http.StatusFound {
		t.Fatalf("got status %d, want 302 (body %s)", res.status, res.body)
	}
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// codeFor logs username in through client and returns a fresh code and its verifier.
func codeFor(t *testing.T, tn *Tenant, client, redirect, scope, username string) (string, string) {
	t.Helper()
	params, verifier := authParams(client, redirect, scope)
	q := redirectQuery(t, postLogin(t, tn, params, username, username+"-password"))
	if q.Get("code") == "" {
		t.Fatalf("login: got no code (%v)", q)
	}
	return q.Get("code"), verifier
}

func postForm(t *testing.T, tn *Tenant, form url.Values) (int, map[string]any) {
	t.Helper()
	req := newRequest(t, http.MethodPost, tn.Issuer()+"oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := do(t, req)
	return res.status, decodeJSON(t, res.body)
}

func redeem(client, code, redirect, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
}

// refreshTokenFor logs reader in through the spa client and returns the
// refresh token of the exchange.
func refreshTokenFor(t *testing.T, tn *Tenant, scope string) string {
	t.Helper()
	code, verifier := codeFor(t, tn, spaID, spaRedirect, scope, "reader")
	_, b := postForm(t, tn, redeem(spaID, code, spaRedirect, verifier))
	rt, _ := b["refresh_token"].(string)
	return rt
}

func refreshForm(client, token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {token}}
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
