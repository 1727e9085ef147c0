package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/adapters/admin"
	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/apptest"
	"github.com/example/messages-api/internal/app/browsertest"
	"github.com/example/messages-api/internal/domain"
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
	got := lines[0].ContextMap()
	if got["variable"] != "HTTP_DRAIN_DELAYS" || got["did_you_mean"] != "HTTP_DRAIN_DELAY" || lines[0].LoggerName != "config" {
		t.Errorf("got %v from %q, want variable HTTP_DRAIN_DELAYS, did_you_mean HTTP_DRAIN_DELAY, from config", got, lines[0].LoggerName)
	}
	if strings.Contains(fmt.Sprint(got), "10s") {
		t.Errorf("got the value in %v, want the name only", got)
	}
}

func testVerifier() *authtest.Verifier {
	return authtest.New(map[string]domain.Claims{
		"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}},
		"nobody": {Subject: "nobody@clients"},
	})
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
		cfg, err := config.Load(false, "", append(append([]string{}, prodEnv...), "AUTH0_DOMAIN=https://127.0.0.1:1", "JWKS_FETCH_TIMEOUT=200ms"))
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
		app, adm := devApp(t, "HTTP_DRAIN_DELAY=1s")
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
		waitFor(t, func() bool { s, _ := get(t, base+"/readyz", ""); return s == 503 }, "not ready during drain")
		<-stopped
	})
}

// devApp starts the app in dev mode on free loopback ports, with environ
// (KEY=VALUE) laid over its config, and returns it with its admin address.
func devApp(t *testing.T, environ ...string) (*fxtest.App, string) {
	t.Helper()
	cfg := browsertest.DevConfig(t, environ...)
	var adm *admin.Server
	app := fxtest.New(t, app.Options(cfg, zaptest.NewLogger(t), app.Production), fx.Populate(&adm))
	app.RequireStart()
	return app, adm.Addr().String()
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("got no %s within 5s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
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

// TestSignals runs the real binary in dev mode and stops it with signals.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "api")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/example/messages-api/cmd/api").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	// SIGTERM: readiness goes false first while the API still serves during
	// the drain delay, with keep-alives off, then the API server logs its own
	// stop line and the process exits 0. (In-flight requests completing is
	// TestGracefulShutdown's job.) SIGINT and SIGHUP stop it the same way:
	// SIGHUP's default would kill the process with its logs unflushed.
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String()+" exits 0", func(t *testing.T) {
			b := startBinary(t, bin, "HTTP_DRAIN_DELAY=1s")
			if err := b.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool { s, _ := tryGet("http://" + b.admin + "/readyz"); return s == 503 }, "not ready after "+sig.String())
			resp, err := http.Get("http://" + b.api + "/api/public")
			if err != nil {
				t.Fatalf("got %v during the drain delay, want 200", err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || !resp.Close {
				t.Errorf("got %d (Connection: close %v) during the drain delay, want 200 closing its connection", resp.StatusCode, resp.Close)
			}
			if err := b.wait(); err != nil {
				t.Errorf("got exit %v after %v, want 0", err, sig)
			}
			if got := b.logs.waitFor(t, "app", "stopping")["signal"]; got != sig.String() {
				t.Errorf("got signal %q on the stopping line, want %q", got, sig.String())
			}
			b.logs.waitFor(t, "httpapi", "API server stopped")
		})
	}

	// A second signal during the drain (an operator's second Ctrl-C) stops
	// at once with exit 1 and says so, rather than being ignored until a
	// long drain and shutdown end.
	for _, pair := range [][2]syscall.Signal{
		{syscall.SIGTERM, syscall.SIGINT},
		{syscall.SIGTERM, syscall.SIGTERM},
		{syscall.SIGHUP, syscall.SIGTERM},
		{syscall.SIGINT, syscall.SIGHUP},
	} {
		first, second := pair[0], pair[1]
		t.Run(second.String()+" after "+first.String()+" stops at once", func(t *testing.T) {
			b := startBinary(t, bin, "HTTP_DRAIN_DELAY=1h")
			if err := b.cmd.Process.Signal(first); err != nil {
				t.Fatal(err)
			}
			b.logs.waitFor(t, "httpapi", "shutting down")
			if err := b.cmd.Process.Signal(second); err != nil {
				t.Fatal(err)
			}
			err := b.wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Errorf("got exit %v after a second signal, want exit status 1", err)
			}
			b.logs.waitFor(t, "app", "second signal: stopping now, cutting off the drain and in-flight requests")
		})
	}
}

// binary is the service's binary running in dev mode.
type binary struct {
	cmd        *exec.Cmd
	logs       *logLines
	api, admin string // bound addresses
}

// startBinary runs bin in dev mode on free loopback ports with JSON logs and
// environ added, and returns once it is ready; the test's end kills it if
// it is still running.
func startBinary(t *testing.T, bin string, environ ...string) *binary {
	t.Helper()
	// The example SPA on a port of its own and the signing key in a temporary
	// file: the test touches neither port 3000 nor the user's cache.
	file := filepath.Join(t.TempDir(), "c.yaml")
	yaml := fmt.Sprintf("dev_tenant:\n  spa_addr: 127.0.0.1:0\n  key_file: %s\n", filepath.Join(t.TempDir(), "key.pem"))
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	// The issuer is fixed in the child's config before it starts, so the
	// tenant's socket is opened here and inherited (fd 3), never re-bound.
	tenant, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tenant.Close() })
	tenantFile, err := tenant.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tenantFile.Close() })
	cmd := exec.CommandContext(ctx, bin, "-dev", "-config", file)
	cmd.ExtraFiles = []*os.File{tenantFile}
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LOG_FORMAT=json", "PORT=0", "ADMIN_ADDR=127.0.0.1:0",
		"DEV_TENANT_ADDR=" + tenant.Addr().String(), "DEV_TENANT_FD=3"}, environ...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &binary{cmd: cmd, logs: readLogLines(stderr)}
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range b.logs.all() {
				t.Log(l.raw)
			}
		}
		cancel()
		_ = cmd.Wait() // reaps it; an error here is the test's own kill
	})
	b.api = b.logs.waitFor(t, "httpapi", "listening")["addr"]
	b.admin = b.logs.waitFor(t, "admin", "admin listening")["addr"]
	waitFor(t, func() bool { s, _ := tryGet("http://" + b.admin + "/readyz"); return s == 200 }, "ready binary")
	return b
}

// wait waits for the process to exit. Its output is read to the end first:
// cmd.Wait closes the pipe, and lines not yet read would be lost.
func (b *binary) wait() error {
	b.logs.waitEOF()
	return b.cmd.Wait()
}

type logLine struct {
	raw    string
	fields map[string]string
}

// logLines collects the JSON log lines of a process as they come.
type logLines struct {
	mu    sync.Mutex
	lines []logLine
	more  chan struct{} // closed and replaced on each line; nil at EOF
}

func readLogLines(r io.Reader) *logLines {
	l := &logLines{more: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := logLine{raw: sc.Text(), fields: map[string]string{}}
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				for k, v := range m {
					line.fields[k] = fmt.Sprint(v)
				}
			}
			l.mu.Lock()
			l.lines = append(l.lines, line)
			close(l.more)
			l.more = make(chan struct{})
			l.mu.Unlock()
		}
		l.mu.Lock()
		close(l.more)
		l.more = nil
		l.mu.Unlock()
	}()
	return l
}

// waitEOF returns once the process's output has ended.
func (l *logLines) waitEOF() {
	for {
		l.mu.Lock()
		more := l.more
		l.mu.Unlock()
		if more == nil {
			return
		}
		<-more
	}
}

func (l *logLines) all() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logLine(nil), l.lines...)
}

// waitFor returns the first line logged by logger with message msg,
// waiting for it until the process's output ends.
func (l *logLines) waitFor(t *testing.T, logger, msg string) map[string]string {
	t.Helper()
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if line.fields["logger"] == logger && line.fields["msg"] == msg {
				l.mu.Unlock()
				return line.fields
			}
		}
		more := l.more
		l.mu.Unlock()
		if more == nil {
			t.Fatalf("got no log line %q from %s", msg, logger)
		}
		<-more
	}
}

func tryGet(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
