// Package apptest starts the whole Messages API for integration tests, with
// the fake verifier (authtest) in place of the Auth0 adapter: no tenant and
// no keys, every listener on a free 127.0.0.1 port, every log line it writes
// at LOG_LEVEL kept for the test to read.
//
//	v := authtest.New(map[string]domain.Claims{"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}}})
//	a := apptest.Start(t, v)
//	// GET a.API+"/api/private-scoped" with "Authorization: Bearer reader": 200
//	// a.RequestLogs(resp.Header.Get("X-Request-Id")).All(): its lines, the access line last
//	// GET a.Admin+"/metrics": messages_api_http_requests_total{...,status="200"} 1
//
// A request's access line is written, and its metrics counted, before its
// response is sent (the API's bodies stay in net/http's write buffer until
// the handler returns), so a test reads them as soon as the response
// arrives, with no wait. Each Start has its own ports, registry and logs:
// parallel tests (t.Parallel) each start their own app.
//
// The fake ignores the AUTH0_* and JWKS_* settings, and the app has no
// "keys" readiness check (app.Production's). Settings that export spans
// need OTEL_TRACES_EXPORTER and the OTEL_EXPORTER_OTLP_* variables the
// same in the process environment (t.Setenv): the OpenTelemetry SDK's
// exporter reads them there alone.
package apptest

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/admin"
	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/app"
)

// Environ is the environment Start lays its env over: production settings
// on loopback with free ports. The config requires a tenant and an
// audience; the fake verifier ignores both.
func Environ() []string {
	return []string{"AUTH0_DOMAIN=example.eu.auth0.com", "AUTH0_AUDIENCE=https://messages-api.example.com",
		"PORT=0", "HOST=127.0.0.1", "ADMIN_ADDR=127.0.0.1:0"}
}

// App is the whole app, started by Start.
type App struct {
	API    string                 // the API's base URL, "http://127.0.0.1:PORT"
	Admin  string                 // the admin endpoints' base URL (/metrics, /healthz, /readyz)
	Logs   *observer.ObservedLogs // every line the app has written at LOG_LEVEL, info by default (also in the test's log); see RequestLogs
	Config config.Config          // what it runs with

	fx   *fxtest.App
	stop sync.Once
}

// Start composes app.Options with v in place of the Auth0 adapter and the
// config from Environ with env (KEY=VALUE, as in the process environment)
// laid over it, starts it, and stops it when t ends, having released the
// gates of v.Hold so that held requests do not hold the stop up. A config,
// graph or start error fails t, and so do a nil v (use authtest.New(nil)
// for an app that accepts no token), an env entry without "=", and
// settings that export spans with exporter variables (OTEL_TRACES_EXPORTER,
// OTEL_EXPORTER_OTLP_*) that the process environment, which the SDK's
// exporter reads, does not hold the same. A
// misspelt setting is ignored, as in production, with the warning "unknown
// variable in the environment, ignored" naming the one meant (in Logs and
// t's log). Rejection access lines are sampled as in production (the
// first 10 a second); "HTTP_LOG_EVERY_REJECTION=true" keeps them all.
func Start(t testing.TB, v *authtest.Verifier, env ...string) *App {
	t.Helper()
	if v == nil {
		t.Fatalf("apptest: Start needs a verifier: authtest.New(tokens), or authtest.New(nil) to accept none")
	}
	for _, kv := range env {
		if !strings.Contains(kv, "=") {
			t.Fatalf("apptest: env %q is not KEY=VALUE (e.g. %q)", kv, "HTTP_LOG_EVERY_REJECTION=true")
		}
	}
	cfg, err := config.Load(false, "", append(Environ(), env...))
	if err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	if cfg.Tracing.Export {
		// Gate: the SDK's exporter reads where and how to send spans from
		// the process environment, not from these settings.
		differ, processOnly := exportEnvDiff(env, os.Getenv, os.Environ())
		if len(differ) > 0 {
			t.Fatalf("apptest: these settings export spans, but the OpenTelemetry SDK's exporter reads %s from the process environment, "+
				"where it is not the same: set it with t.Setenv as well (such a test cannot be parallel)", strings.Join(differ, ", "))
		}
		if len(processOnly) > 0 {
			t.Fatalf("apptest: these settings export spans, and the process environment sets %s, which the OpenTelemetry SDK's exporter "+
				"would read: pass it in Start's settings too, or clear it with t.Setenv(name, \"\")", strings.Join(processOnly, ", "))
		}
	}
	// At LOG_LEVEL, as production's logger: Logs then misses a line written
	// below its level, and the app skips what that level does not write.
	level, err := zapcore.ParseLevel(cfg.Log.Level)
	if err != nil {
		t.Fatalf("apptest: LOG_LEVEL: %v", err)
	}
	core, logs := observer.New(level)
	log := zap.New(zapcore.NewTee(zaptest.NewLogger(t, zaptest.Level(level)).Core(), core))
	var (
		srv *httpapi.Server
		adm *admin.Server
	)
	a := &App{Logs: logs, Config: cfg}
	a.fx = fxtest.New(t, app.Options(cfg, log, authtest.Module(v)), fx.Populate(&srv, &adm))
	a.fx.RequireStart()
	t.Cleanup(func() {
		v.ReleaseAll() // a test that failed with requests held at a gate must not wait out the shutdown
		a.Stop()
	})
	a.API, a.Admin = "http://"+srv.Addr().String(), "http://"+adm.Addr().String()
	return a
}

// exportEnvDiff compares the variables that say where and how spans are
// exported (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_*) in env (KEY=VALUE)
// with the process environment (getenv, environ): differ are set in env
// with another value there, processOnly set there alone (empty counts as
// unset, as the SDK reads it).
func exportEnvDiff(env []string, getenv func(string) string, environ []string) (differ, processOnly []string) {
	exportVar := func(k string) bool {
		return k == "OTEL_TRACES_EXPORTER" || strings.HasPrefix(k, "OTEL_EXPORTER_OTLP_")
	}
	want := map[string]string{}
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); exportVar(k) {
			want[k] = v
		}
	}
	for k, v := range want {
		if getenv(k) != v {
			differ = append(differ, k)
		}
	}
	for _, kv := range environ {
		if k, v, _ := strings.Cut(kv, "="); exportVar(k) && v != "" {
			if _, ok := want[k]; !ok {
				processOnly = append(processOnly, k)
			}
		}
	}
	slices.Sort(differ)
	slices.Sort(processOnly)
	return differ, slices.Compact(processOnly)
}

// Stop stops the app now, as SIGTERM would (with the configured drain),
// and fails the test if that fails; later calls, and t's end, do nothing.
func (a *App) Stop() { a.stop.Do(a.fx.RequireStop) }

// RequestLogs returns the lines written for the request whose X-Request-Id
// response header is id (its access line, "request" or "request rejected",
// and any warning or error written while it ran), in the order written:
// a snapshot of what has been written so far.
// The app inlines its request fields (zap.Inline), so Logs.FilterField and
// Logs.FilterFieldKey never see request_id, status or route; this, and
// LoggedEntry.ContextMap for the fields (status is an int64), do.
func (a *App) RequestLogs(id string) *observer.ObservedLogs {
	return a.Logs.Filter(func(e observer.LoggedEntry) bool { return e.ContextMap()["request_id"] == id })
}
