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
// against the dev tenant) and stops it when t ends; see DevConfig.
func StartDev(t testing.TB) *Dev {
	t.Helper()
	cfg := DevConfig(t)
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
		t.Fatal("the example SPA is not serving")
	}
	for _, u := range []string{d.API, d.Issuer, d.SPA} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "http://localhost:") {
			t.Fatalf("got address %s, want loopback only in dev mode", u)
		}
	}
	return d
}

// DevConfig is the dev config with the API and admin on port 0, the signing
// key in t's temporary directory and the tenant and the SPA on listeners
// opened here and handed over: the issuer the verifier trusts and the SPA
// origin the API's CORS allows are fixed in the config before start, and a
// port that is never closed cannot be taken in between. environ (KEY=VALUE)
// is laid over that. The listeners are closed when t ends, if the app did
// not start.
func DevConfig(t testing.TB, environ ...string) config.Config {
	t.Helper()
	dir := t.TempDir()
	tenant, spa := listen(t), listen(t)
	_, spaPort, _ := net.SplitHostPort(spa.Addr().String())
	overlay := "dev_tenant:\n  addr: " + tenant.Addr().String() + "\n  spa_addr: localhost:" + spaPort +
		"\n  key_file: " + filepath.Join(dir, "dev-tenant-key.pem") + "\n"
	file := filepath.Join(dir, "dev-test.yaml")
	if err := os.WriteFile(file, []byte(overlay), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(true, file, append([]string{"PORT=0", "ADMIN_ADDR=127.0.0.1:0"}, environ...))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DevTenant.Listener, cfg.DevTenant.SPAListener = tenant, spa
	return cfg
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() }) // a no-op once the app has served and closed it
	return ln
}
