package devtenant

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// startWithSPA starts a tenant with the users and its example SPA on
// port 0, both stopped when the test ends.
func startWithSPA(t *testing.T) (*Tenant, *SPA) {
	t.Helper()
	tn, _ := startTenant(t, func(c *Config) {
		withUsers(c)
		c.SPAAddr, c.SPAClientID = "127.0.0.1:0", spaID
	})
	cfg := testConfig()
	cfg.SPAAddr, cfg.SPAClientID = "127.0.0.1:0", spaID
	spa := NewSPA(cfg, tn, func() string { return "http://127.0.0.1:8081" }, zap.NewNop())
	if err := spa.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = spa.Stop(context.Background()) })
	return tn, spa
}

func TestSPA(t *testing.T) {
	tn, spa := startWithSPA(t)
	base := spa.URL()
	if !strings.HasPrefix(base, "http://localhost:") {
		t.Fatalf("URL: got %q, want http://localhost:PORT/", base)
	}

	for _, tt := range []struct{ path, wantType, wantBody string }{
		{"", "text/html", `id="call-private-scoped"`},
		{"app.js", "text/javascript", "createAuth0Client"},
		{"auth0-spa-js.production.js", "text/javascript", "createAuth0Client"},
		{"config.json", "application/json", `"apiBaseUrl":"http://127.0.0.1:8081"`},
	} {
		res := get(t, base+tt.path)
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), tt.wantType) || !strings.Contains(string(res.body), tt.wantBody) {
			t.Errorf("GET /%s: got %d %s, want 200 %s containing %s", tt.path, res.status, res.header.Get("Content-Type"), tt.wantType, tt.wantBody)
		}
	}
	conf := decodeJSON(t, get(t, base+"config.json").body)
	if conf["domain"] != strings.TrimSuffix(tn.Issuer(), "/") || conf["clientId"] != spaID || conf["audience"] != testAudience {
		t.Errorf("config.json: got %v, want the tenant, client and audience", conf)
	}
	if res := get(t, base+"vendor/LICENSE"); res.status != http.StatusNotFound {
		t.Errorf("GET /vendor/LICENSE: got %d, want 404 (only the page and its scripts are served)", res.status)
	}

	// Both spellings of the bound origin are registered for the client.
	for _, origin := range SPAOrigins(strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")) {
		params, _ := authParams(spaID, origin+"/", "openid")
		if res := authorizeGET(t, tn, params); res.status != http.StatusOK {
			t.Errorf("authorize with redirect %s/: got %d, want 200 (registered)", origin, res.status)
		}
	}

	// A taken port (the team's own SPA on it, say) only costs the example.
	taken := testConfig()
	taken.SPAAddr, taken.SPAClientID = strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/"), spaID
	core, logs := observer.New(zapcore.WarnLevel)
	second := NewSPA(taken, tn, nil, zap.New(core))
	if err := second.Start(t.Context()); err != nil || second.URL() != "" || logs.FilterMessageSnippet("in use").Len() != 1 {
		t.Errorf("SPA on a taken port: got error %v, URL %q, %d warnings; want no error, no URL, one warning", err, second.URL(), logs.FilterMessageSnippet("in use").Len())
	}

	off := NewSPA(testConfig(), tn, nil, nil)
	if err := off.Start(t.Context()); err != nil || off.URL() != "" {
		t.Errorf("SPA without spa_addr: got error %v, URL %q; want a no-op", err, off.URL())
	}
}

// TestVendoredSDK checks the embedded SDK is the file its README names, so
// an edit by hand cannot pass for the published build.
func TestVendoredSDK(t *testing.T) {
	js, err := spaFS.ReadFile("spa/vendor/auth0-spa-js.production.js")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := spaFS.ReadFile("spa/vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(js))
	if !strings.Contains(string(readme), sum) {
		t.Errorf("got SHA-256 %s for the vendored SDK, want the one in spa/vendor/README.md", sum)
	}
	if _, err := spaFS.ReadFile("spa/vendor/LICENSE"); err != nil {
		t.Errorf("got %v, want the SDK's LICENSE next to it", err)
	}
}
