package main

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
)

// devSettings is what -dev knows of the service's dev mode.
type devSettings struct {
	domain   string            // the dev tenant, "http://127.0.0.1:3011"
	api      string            // the API, "http://127.0.0.1:3010"
	audience string            // the API identifier the tenant issues tokens for
	secrets  map[string]string // the m2m clients' secrets, by client id
	types    map[string]string // every client's type (devtenant.TypeM2M...), by client id
}

// idsOf lists the dev clients of type typ, sorted, joined by " or ".
func (d devSettings) idsOf(typ string) string {
	var ids []string
	for id, t := range d.types {
		if t == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return strings.Join(ids, " or ")
}

// checkGrant refuses, with -dev, a dev client whose type cannot use this
// run's grant: the tenant would refuse client credentials, and -login
// would wait minutes for a redirect its error page never sends. A client
// the embedded configuration does not know is let through (a -config file
// of the service may add it).
func (d devSettings) checkGrant(clientID string, login bool) error {
	switch typ := d.types[clientID]; {
	case typ == "":
	case login && typ != devtenant.TypeNative:
		article := "a"
		if typ == devtenant.TypeM2M {
			article = "an"
		}
		return fmt.Errorf("-login needs a native client (loopback redirects, RFC 8252); the dev client %q is %s %s client: use -client-id %s, or drop -login",
			clientID, article, typ, d.idsOf(devtenant.TypeNative))
	case !login && typ == devtenant.TypeNative:
		return fmt.Errorf("the dev client %q is a native client: it has no secret and gets tokens by a user's login: add -login", clientID)
	case !login && typ != devtenant.TypeM2M:
		return fmt.Errorf("the dev client %q is a %s client: it has no secret and gets tokens by a user's login, not client credentials; use -client-id %s",
			clientID, typ, d.idsOf(devtenant.TypeM2M))
	}
	return nil
}

// devTenant returns where "api -dev" runs its tenant and API under this
// environment, and the tenant's audience and client secrets: the service's
// own config loader reads the embedded dev configuration and the variables
// of its listeners (PORT, HOST, ADMIN_ADDR, DEV_TENANT_ADDR,
// DEV_TENANT_SPA_ADDR), so both resolve and check them alike; a value the
// service would refuse is refused here too. Only those variables are
// passed: the command does not share the service's other settings.
func devTenant(getenv func(string) string) (devSettings, error) {
	defaults, err := config.Load(true, "", nil)
	if err != nil {
		return devSettings{}, fmt.Errorf("the embedded dev configuration: %w", err)
	}
	var environ []string
	for _, l := range defaults.Listeners() {
		for _, name := range []string{l.Name, l.HostName} {
			// Empty is unset: getenv cannot tell them apart.
			if v := getenv(name); v != "" && !slices.ContainsFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, name+"=") }) {
				environ = append(environ, name+"="+v)
			}
		}
	}
	cfg, err := config.Load(true, "", environ)
	if err != nil {
		return devSettings{}, fmt.Errorf("-dev reads where \"api -dev\" listens from the environment, as the service does:\n%w", err)
	}
	secrets := make(map[string]string, len(cfg.DevTenant.Clients))
	types := make(map[string]string, len(cfg.DevTenant.Clients))
	for _, c := range cfg.DevTenant.Clients {
		secrets[c.ID] = c.Secret
		types[c.ID] = cmp.Or(c.Type, devtenant.TypeM2M)
	}
	return devSettings{
		domain:   "http://" + cfg.DevTenant.Addr, // as the service's issuer: localhost is already 127.0.0.1
		api:      "http://" + net.JoinHostPort(cfg.HTTP.Host, strconv.Itoa(cfg.HTTP.Port)),
		audience: cfg.DevTenant.Audience,
		secrets:  secrets,
		types:    types,
	}, nil
}
