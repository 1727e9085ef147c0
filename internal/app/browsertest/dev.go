package browsertest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/app"
)

// Dev is the whole app in dev mode, as "api -dev" composes it, with every
// listener on a free 127.0.0.1 port.
type Dev struct {
	API    string // the API's base URL, "http://127.0.0.1:PORT"
	Issuer string // the dev tenant's issuer, "http://127.0.0.1:PORT/"
	SPA    string // the example SPA, "http://localhost:PORT/"
	Config config.Config
}

// StartDev starts the app with app.Production (the real auth0 verifier
// against the dev tenant) and stops it when t ends. The tenant and the SPA
// get ports free a moment before: the issuer the verifier trusts and the
// SPA origin the API's CORS allows are fixed in the config before start.
// The signing key lives in t's temporary directory.
func StartDev(t testing.TB) *Dev {
	t.Helper()
	dir := t.TempDir()
	_, spaPort, _ := net.SplitHostPort(freeAddr(t))
	overlay := "dev_tenant:\n  addr: " + freeAddr(t) + "\n  spa_addr: localhost:" + spaPort +
		"\n  key_file: " + filepath.Join(dir, "dev-tenant-key.pem") +
		"\nhttp:\n  port: 0\nadmin:\n  addr: 127.0.0.1:0\n"
	file := filepath.Join(dir, "browser-test.yaml")
	if err := os.WriteFile(file, []byte(overlay), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(true, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		srv    *httpapi.Server
		tenant *devtenant.Tenant
		spa    *devtenant.SPA
	)
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	a := fxtest.New(t, app.Options(cfg, log, app.Production), fx.Populate(&srv, &tenant, &spa))
	a.RequireStart()
	t.Cleanup(a.RequireStop)
	d := &Dev{API: "http://" + srv.Addr().String(), Issuer: tenant.Issuer(), SPA: spa.URL(), Config: cfg}
	if d.SPA == "" {
		// The SPA steps aside when its address is taken.
		t.Fatalf("the example SPA is not serving: its port %s was taken since it was picked; run the test again", spaPort)
	}
	for _, u := range []string{d.API, d.Issuer, d.SPA} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "http://localhost:") {
			t.Fatalf("got address %s, want loopback only in dev mode", u)
		}
	}
	return d
}

// freeAddr returns a 127.0.0.1 address free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
