package app_test

import (
	"context"
	"fmt"
	"net/http"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// An integration test composes the whole app with the fake verifier in
// place of the Auth0 adapter (in a test: fxtest.New(t, ...) with
// RequireStart and RequireStop), then calls it over real HTTP.
func Example() {
	cfg, err := config.Load(false, "", []string{"AUTH0_DOMAIN=example.eu.auth0.com",
		"AUTH0_AUDIENCE=https://messages-api.example.com", "PORT=0", "HOST=127.0.0.1", "ADMIN_ADDR=127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	v := authtest.New(map[string]domain.Claims{
		"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}},
	})
	var srv *httpapi.Server
	a := fx.New(app.Options(cfg, zap.NewNop(), authtest.Module(v)), fx.Populate(&srv))
	if err := a.Start(context.Background()); err != nil {
		panic(err)
	}
	defer a.Stop(context.Background())

	call := func(token string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+srv.Addr().String()+"/api/private-scoped", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q WWW-Authenticate=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("WWW-Authenticate"))
	}
	call("reader")
	call("unknown")
	v.Fail(ports.ErrKeysUnavailable)
	call("reader")
	// Output:
	// 200 Retry-After="" WWW-Authenticate=""
	// 401 Retry-After="" WWW-Authenticate="Bearer realm=\"messages-api\", error=\"invalid_token\", error_description=\"unknown test token\""
	// 503 Retry-After="5" WWW-Authenticate=""
}
