// Package apptest starts the whole Messages API for integration tests, with
// the fake verifier (authtest) in place of the Auth0 adapter: no tenant and
// no keys, every listener on a free 127.0.0.1 port, every log line kept for
// the test to read.
//
//	v := authtest.New(map[string]domain.Claims{"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}}})
//	a := apptest.Start(t, v)
//	// GET a.API+"/api/private-scoped" with "Authorization: Bearer reader": 200
//	// a.Logs.FilterMessage("request").All(): its access line
package apptest

import (
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
	Logs   *observer.ObservedLogs // every line the app has written, debug and up (also in the test's log)
	Config config.Config          // what it runs with

	fx   *fxtest.App
	stop sync.Once
}

// Start composes app.Options with v in place of the Auth0 adapter and the
// config from Environ with env (KEY=VALUE, as in the process environment)
// laid over it, starts it, and stops it when t ends. A config, graph or
// start error fails t. Rejection access lines are sampled as in production
// (the first 10 a second); "HTTP_LOG_EVERY_REJECTION=true" keeps them all.
func Start(t testing.TB, v *authtest.Verifier, env ...string) *App {
	t.Helper()
	cfg, err := config.Load(false, "", append(Environ(), env...))
	if err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(zapcore.NewTee(zaptest.NewLogger(t).Core(), core))
	var (
		srv *httpapi.Server
		adm *admin.Server
	)
	a := &App{Logs: logs, Config: cfg}
	a.fx = fxtest.New(t, app.Options(cfg, log, authtest.Module(v)), fx.Populate(&srv, &adm))
	a.fx.RequireStart()
	t.Cleanup(a.Stop)
	a.API, a.Admin = "http://"+srv.Addr().String(), "http://"+adm.Addr().String()
	return a
}

// Stop stops the app now, as SIGTERM would (with the configured drain),
// and fails the test if that fails; later calls, and t's end, do nothing.
func (a *App) Stop() { a.stop.Do(a.fx.RequireStop) }
