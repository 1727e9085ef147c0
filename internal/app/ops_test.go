package app_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/adapters/admin"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/apptest"
	"github.com/example/messages-api/internal/app/browsertest"
)

// TestUnknownVariableIsLogged: a mistyped setting in the environment is a
// warning at startup naming it and the setting it resembles, never its value.
func TestUnknownVariableIsLogged(t *testing.T) {
	a := apptest.Start(t, testVerifier(), "HTTP_DRAIN_DELAYS=10s")
	a.Stop()
	logs := a.Logs
	lines := logs.FilterMessage("unknown variable in the environment, ignored").All()
	if len(lines) != 1 {
		t.Fatalf("got %d warnings, want 1 (logs: %v)", len(lines), logs.All())
	}
	if lines[0].Level != zapcore.WarnLevel {
		t.Errorf("got the line at %v, want warn", lines[0].Level)
	}
	got := lines[0].ContextMap()
	if got["variable"] != "HTTP_DRAIN_DELAYS" || got["did_you_mean"] != "HTTP_DRAIN_DELAY" || lines[0].LoggerName != "config" {
		t.Errorf("got %v from %q, want variable HTTP_DRAIN_DELAYS, did_you_mean HTTP_DRAIN_DELAY, from config", got, lines[0].LoggerName)
	}
	if strings.Contains(fmt.Sprint(got), "10s") {
		t.Errorf("got the value in %v, want the name only", got)
	}
}

// TestMetricsAfterKnownTraffic pins metric names and label sets.
func TestMetricsAfterKnownTraffic(t *testing.T) {
	a := apptest.Start(t, testVerifier())
	api, adm := a.API, a.Admin
	for _, c := range []struct{ path, token string }{
		{"/api/public", ""}, {"/api/private", ""}, {"/api/private", "nobody"}, {"/api/private-scoped", "nobody"},
		{"/api/private-scoped", "reader"}, {"/api/private", "forged"}, {"/no/such/path/123", ""},
	} {
		get(t, api+c.path, c.token)
	}
	_, body := get(t, adm+"/metrics", "")
	for _, want := range []string{
		`messages_api_http_requests_total{method="GET",route="/api/public",status="200"} 1`,
		`messages_api_http_requests_total{method="GET",route="/api/private",status="401"} 2`,
		`messages_api_http_requests_total{method="GET",route="/api/private",status="200"} 1`,
		`messages_api_http_requests_total{method="GET",route="/api/private-scoped",status="403"} 1`,
		`messages_api_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`messages_api_http_request_duration_seconds_count{route="/api/private"} 3`,
		`messages_api_token_verifications_total{outcome="valid",reason=""} 3`,
		`messages_api_token_verifications_total{outcome="invalid",reason="malformed"} 1`,
		`messages_api_build_info{goversion="go`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("got no metric line %q in /metrics", want)
		}
	}
	if strings.Contains(body, "/no/such/path") {
		t.Errorf("got a raw path as a label, want route patterns only")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Run("keys missing: live, not ready", func(t *testing.T) {
		// A tenant that cannot be reached: the service starts anyway.
		cfg, err := config.Load(false, "", append(append([]string{}, prodEnv...), "JWKS_FETCH_TIMEOUT=200ms"))
		if err != nil {
			t.Fatal(err)
		}
		var adm *admin.Server
		app := fxtest.New(t, app.Options(cfg, zaptest.NewLogger(t), app.Production), fx.Populate(&adm))
		app.RequireStart()
		defer app.RequireStop()
		base := "http://" + adm.Addr().String()
		if status, _ := get(t, base+"/healthz", ""); status != 200 {
			t.Errorf("got /healthz %d, want 200", status)
		}
		if status, body := get(t, base+"/readyz", ""); status != 503 || !strings.Contains(body, `"keys"`) {
			t.Errorf("got /readyz %d %s, want 503 naming keys", status, body)
		}
	})
	t.Run("keys loaded: ready; shutting down: not ready", func(t *testing.T) {
		// A hook stopped after the API and before the admin server holds
		// the app's stop until /readyz has been read: on a loaded machine
		// a drain of any length can end before the test's first poll.
		seen := make(chan struct{})
		var release sync.Once
		defer release.Do(func() { close(seen) }) // a failed test must not leave the stop held
		hold := fx.Module("hold", fx.Invoke(func(lc fx.Lifecycle) { lc.Append(fx.StopHook(func() { <-seen })) }))
		app, adm := devApp(t, hold)
		base := "http://" + adm
		waitFor(t, func() bool { s, _ := get(t, base+"/readyz", ""); return s == 200 }, "ready")
		_, metrics := get(t, base+"/metrics", "")
		for _, want := range []string{
			`messages_api_jwks_fetches_total{result="success"} 1`,
			`messages_api_jwks_fetch_duration_seconds_count 1`,
			"messages_api_jwks_keys 1",
			"messages_api_jwks_key_age_seconds ",
			"messages_api_token_cache_hits_total 0",
			"messages_api_token_cache_misses_total 0",
			"messages_api_token_cache_entries 0",
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("got no metric line %q in /metrics", want)
			}
		}
		stopped := make(chan struct{})
		go func() { app.RequireStop(); close(stopped) }()
		waitFor(t, func() bool { s, _ := get(t, base+"/readyz", ""); return s == 503 }, "not ready while stopping")
		release.Do(func() { close(seen) })
		<-stopped
	})
}

// devApp starts the app in dev mode on free loopback ports, with environ
// (KEY=VALUE) laid over its config, and returns it with its admin address.
// before is composed with the verifier, ahead of the API: its hooks start
// before the API's and stop after them.
func devApp(t *testing.T, before fx.Option, environ ...string) (*fxtest.App, string) {
	t.Helper()
	cfg := browsertest.DevConfig(t, environ...)
	var adm *admin.Server
	app := fxtest.New(t, app.Options(cfg, zaptest.NewLogger(t), fx.Options(app.Production, before)), fx.Populate(&adm))
	app.RequireStart()
	t.Cleanup(app.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
	return app, adm.Addr().String()
}

func TestServerLimits(t *testing.T) {
	a := apptest.Start(t, testVerifier(), "HTTP_READ_HEADER_TIMEOUT=300ms", "HTTP_MAX_HEADER_BYTES=4096", "AUTH0_MAX_TOKEN_BYTES=4096")
	api, addr := a.API, strings.TrimPrefix(a.API, "http://")

	t.Run("slow headers are cut off", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "GET /api/public HTTP/1.1\r\nHost: x\r\n") // never finishes the headers
		// Our own deadline is a hang detector, far past the 300ms timeout: a
		// clean close (no error) can only come from the server cutting us off.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(conn); err != nil {
			t.Fatalf("got %v, want the server to close the connection at its read-header timeout", err)
		}
	})
	t.Run("huge header gets 431", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, api+"/api/public", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("got status %d, want 431", resp.StatusCode)
		}
	})
}
