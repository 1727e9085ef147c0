package apptest_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/tracing/tracingtest"
	"github.com/example/messages-api/internal/app/apptest"
	"github.com/example/messages-api/internal/domain"
)

// TestStart: the app answers on its loopback URLs with the fake's claims,
// its access lines (one a request) are in Logs, and Stop closes the listeners (and may be
// called again, as t's end does).
func TestStart(t *testing.T) {
	v := authtest.New(map[string]domain.Claims{"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}}})
	a := apptest.Start(t, v, "HTTP_REALM=apptest")
	if a.Config.HTTP.Handler.Realm != "apptest" {
		t.Errorf("got realm %q in Config, want the env's %q", a.Config.HTTP.Handler.Realm, "apptest")
	}
	for _, tt := range []struct {
		url, token string
		want       int
	}{
		{a.API + "/api/private-scoped", "reader", 200},
		{a.API + "/api/private", "", 401},
		{a.Admin + "/readyz", "", 200},
	} {
		req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s: got %d, want %d", tt.url, resp.StatusCode, tt.want)
		}
	}
	for msg, want := range map[string]string{"request": "reader@clients", "request rejected": ""} {
		lines := a.Logs.FilterMessage(msg).All()
		if len(lines) != 1 {
			t.Fatalf("got %d %q lines, want 1", len(lines), msg)
		}
		if got, _ := lines[0].ContextMap()["subject"].(string); got != want {
			t.Errorf("got subject %q on the %q line, want %q", got, msg, want)
		}
	}
	a.Stop()
	if _, err := http.Get(a.API + "/api/public"); err == nil {
		t.Error("got an answer after Stop, want the connection refused")
	}
	a.Stop()
}

// TestLogsAtTheConfiguredLevel: Logs holds what production would write at
// LOG_LEVEL (info by default), so a test reading it fails when a line drops
// below the level it must be written at, and LOG_LEVEL=warn writes no access
// lines, as the README's public-quiet benchmark relies on.
func TestLogsAtTheConfiguredLevel(t *testing.T) {
	for _, tt := range []struct {
		name            string
		env             []string
		wantAccessLines int
		wantDebug       bool
	}{
		{"default is info", nil, 1, false},
		{"warn writes no access lines", []string{"LOG_LEVEL=warn"}, 0, false},
		{"debug writes Fx's events", []string{"LOG_LEVEL=debug"}, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := apptest.Start(t, authtest.New(nil), tt.env...)
			resp, err := http.Get(a.API + "/api/public")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			a.Stop()
			if got := a.Logs.FilterMessage("request").Len(); got != tt.wantAccessLines {
				t.Errorf("got %d access lines, want %d", got, tt.wantAccessLines)
			}
			if got := a.Logs.FilterLevelExact(zapcore.DebugLevel).Len() > 0; got != tt.wantDebug {
				t.Errorf("got debug lines %v, want %v", got, tt.wantDebug)
			}
		})
	}
}

// TestRequestLogs: the lines of one request are found by its X-Request-Id
// as soon as its response arrives, which Logs.FilterField cannot do (the
// fields are inlined), and two apps run side by side in parallel tests.
func TestRequestLogs(t *testing.T) {
	for _, name := range []string{"first app", "second app"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := apptest.Start(t, authtest.New(nil))
			for range 3 {
				resp, err := http.Get(a.API + "/api/private")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				id := resp.Header.Get("X-Request-Id")
				lines := a.RequestLogs(id).All()
				if len(lines) != 1 {
					t.Fatalf("got %d lines for request %s, want 1", len(lines), id)
				}
				f := lines[0].ContextMap()
				if lines[0].Message != "request rejected" || f["status"] != int64(401) || f["reason"] != "no_token" {
					t.Errorf("got %q %v, want a request rejected line with status 401, reason no_token", lines[0].Message, f)
				}
			}
		})
	}
}

// fatalTB records Start's Fatalf and ends the goroutine, as testing does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestStartRefusesMistakes: a mistake in Start's arguments fails the test
// with what to do, rather than starting an app that silently ignores it.
func TestStartRefusesMistakes(t *testing.T) {
	const endpoint = "http://127.0.0.1:1"
	for _, tt := range []struct {
		name   string
		v      *authtest.Verifier
		env    []string
		setenv []string // KEY=VALUE set in the process environment
		want   string
	}{
		{"nil verifier", nil, nil, nil, "authtest.New(nil) to accept none"},
		{"no =", authtest.New(nil), []string{"HTTP_LOG_EVERY_REJECTION"}, nil, `"HTTP_LOG_EVERY_REJECTION" is not KEY=VALUE`},
		// The SDK's exporter reads the process environment: the test's
		// spans would go to its default, or to a developer's collector.
		{"an OTLP endpoint in the settings alone", authtest.New(nil), []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint}, nil,
			"reads OTEL_EXPORTER_OTLP_ENDPOINT from the process environment, where it is not the same"},
		{"the exporter asked for, the endpoint from the process", authtest.New(nil), []string{"OTEL_TRACES_EXPORTER=otlp"},
			[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint, "OTEL_TRACES_EXPORTER=otlp"},
			"the process environment sets OTEL_EXPORTER_OTLP_ENDPOINT, which"},
		{"another endpoint in the process", authtest.New(nil), []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint},
			[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:2"}, "reads OTEL_EXPORTER_OTLP_ENDPOINT from the process"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, kv := range tt.setenv {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			f := &fatalTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				apptest.Start(f, tt.v, tt.env...)
			}()
			<-done
			if !strings.Contains(f.msg, tt.want) {
				t.Errorf("got failure %q, want it to contain %q", f.msg, tt.want)
			}
		})
	}
}

// endingTB is a test whose end the test itself runs (end): it keeps the
// cleanups and the failures reported, as testing would.
type endingTB struct {
	testing.TB
	cleanups []func()
	failures []string
}

func (e *endingTB) Cleanup(f func()) { e.cleanups = append(e.cleanups, f) }
func (e *endingTB) Errorf(format string, args ...any) {
	e.failures = append(e.failures, fmt.Sprintf(format, args...))
}
func (e *endingTB) FailNow() { e.failures = append(e.failures, "FailNow") }

// end runs the cleanups, last registered first.
func (e *endingTB) end() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// TestEndReleasesHeldRequests: a test that ends (failing, say) with a
// request held at the fake's gate has the gate opened before the app
// stops, so the stop is clean and the request answered, instead of the
// stop waiting out the shutdown timeout and failing the test again.
func TestEndReleasesHeldRequests(t *testing.T) {
	v := authtest.New(map[string]domain.Claims{"held": {Subject: "held@clients"}})
	e := &endingTB{TB: t}
	a := apptest.Start(e, v) // the default shutdown timeout: without the release, the stop fails after it
	gate := v.Hold()
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, a.API+"/api/private", nil)
		req.Header.Set("Authorization", "Bearer held")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- -1
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	gate.Arrived(t, 1)
	e.end()
	if len(e.failures) > 0 {
		t.Errorf("got %q at the test's end, want a clean stop", e.failures)
	}
	if got := <-answered; got != http.StatusOK {
		t.Errorf("got status %d for the held request, want 200", got)
	}
}

// TestStartExportsWithTheProcessEnvironment: exporter settings the process
// environment holds the same start the app; other OTEL_* variables there
// (a developer's service name) are no reason to refuse it.
func TestStartExportsWithTheProcessEnvironment(t *testing.T) {
	url, _ := tracingtest.RecordingCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
	t.Setenv("OTEL_SERVICE_NAME", "a-laptop")
	a := apptest.Start(t, authtest.New(nil), "OTEL_EXPORTER_OTLP_ENDPOINT="+url)
	if !a.Config.Tracing.Export {
		t.Errorf("got no export, want spans exported to %s", url)
	}
}
