package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/devtenant"
)

// applyDev points c at the local dev tenant: the tenant's issuer and
// audience, loopback-only listeners, and the example SPA's origin for CORS.
// Errors name the setting that cannot hold in dev mode; a setting that is
// set empty in the environment (emptyEnv), or not host:port, is left to
// validate, whose message says what is wrong with it whatever the mode.
func (c *Config) applyDev(emptyEnv map[string]bool) error {
	// Dev mode verifies the local tenant's tokens through the same
	// adapter as production; only loopback http is let through. The
	// issuer must be the one the tenant writes into its tokens.
	if c.DevTenant.Addr == "" {
		c.DevTenant.Addr = devtenant.DefaultAddr
	}
	if WrappedInQuotes(c.DevTenant.Addr) { // alone: the issuer built from it would be at fault too
		return errors.New("DEV_TENANT_ADDR (dev_tenant.addr) is wrapped in quotes, which would be part of the value: remove them")
	}
	if host, port, err := net.SplitHostPort(c.DevTenant.Addr); err == nil {
		// Before the issuer is built from it: AUTH0_DOMAIN would be
		// blamed for an address the operator gave as DEV_TENANT_ADDR.
		if !auth0.LoopbackHost(host) {
			return fmt.Errorf("DEV_TENANT_ADDR (dev_tenant.addr) %q: dev mode binds loopback only (e.g. 127.0.0.1:3011)", c.DevTenant.Addr)
		}
		// The issuer and the key set's URL are built from the address before
		// the tenant listens: port 0 would point both at a port nobody has.
		// Compared as a number: net.Listen reads "00" as 0 too.
		if isZero(port) {
			return fmt.Errorf("DEV_TENANT_ADDR (dev_tenant.addr) %q: port 0 would leave the issuer and the key set's address without the port the tenant gets; pick a free port", c.DevTenant.Addr)
		}
		// Spelt as the tenant writes its issuer: localhost, 04011 or
		// [::ffff:127.0.0.1] kept as given, the API would expect an issuer
		// the tenant never writes, and never be ready.
		if ap, err := devtenant.ParseAddr(c.DevTenant.Addr); err == nil {
			c.DevTenant.Addr = ap.String()
		}
	}
	// Dev mode binds loopback only, whatever the environment says
	// (some shells export HOST=<hostname>). A HOST with a port is left
	// to validate, whose message says that the port is PORT's.
	if !auth0.LoopbackHost(c.HTTP.Host) && !notAHost(c.HTTP.Host) && !emptyEnv["HOST"] {
		return fmt.Errorf("HOST (http.host) %q: dev mode binds loopback only (127.0.0.1, ::1 or localhost)", c.HTTP.Host)
	}
	if host, _, _ := net.SplitHostPort(c.Admin.Addr); hostPort(c.Admin.Addr) && !auth0.LoopbackHost(host) {
		return fmt.Errorf("ADMIN_ADDR (admin.addr) %q: dev mode binds loopback only (e.g. 127.0.0.1:9090)", c.Admin.Addr)
	}
	c.Auth0.Domain = "http://" + c.DevTenant.Addr
	c.Auth0.Audiences = []string{c.DevTenant.Audience}
	c.Auth0.AllowInsecureLoopback = true
	c.Auth0.DevTenant = true // an unknown kid then says the dev tenant's key may have changed
	ids := make([]string, 0, len(c.DevTenant.Clients))
	for _, cl := range c.DevTenant.Clients {
		ids = append(ids, cl.ID)
	}
	c.effective["dev_tenant.client_ids"] = ids
	usernames := make([]string, 0, len(c.DevTenant.Users))
	for _, u := range c.DevTenant.Users {
		usernames = append(usernames, u.Username)
	}
	c.effective["dev_tenant.usernames"] = usernames
	// The example SPA calls the API from its own origin (none when its
	// address is refused as DEV_TENANT_SPA_ADDR, not as an origin nobody set).
	if hostPort(c.DevTenant.SPAAddr) {
		for _, o := range devtenant.SPAOrigins(c.DevTenant.SPAAddr) {
			// A port-0 SPA's origin is known only once it listens.
			if u, err := url.Parse(o); err == nil && !isZero(u.Port()) && !slices.Contains(c.HTTP.Handler.CORS.AllowedOrigins, o) {
				c.HTTP.Handler.CORS.AllowedOrigins = append(c.HTTP.Handler.CORS.AllowedOrigins, o)
			}
		}
	}
	c.effective["dev_tenant.addr"] = c.DevTenant.Addr
	c.effective["http.handler.cors.allowed_origins"] = c.HTTP.Handler.CORS.AllowedOrigins
	c.effective["auth0.domain"] = c.Auth0.Domain
	c.effective["auth0.audiences"] = c.Auth0.Audiences
	return nil
}

// isZero reports whether port is a number that is 0 ("0", "00", "+0").
func isZero(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n == 0
}

// devTenantFaults are the dev tenant's faults in its settings, refused with
// the others rather than when the tenant is built, each headed by its
// setting so that the error names where it was set.
func (c *Config) devTenantFaults() []error {
	faults := devtenant.Check(c.DevTenant)
	errs := make([]error, 0, len(faults))
	for _, f := range faults {
		// The addresses' shapes are checked with the other listeners, their
		// hosts and ports' spelling by applyDev, checkTenant and
		// checkDevSPA: said once, not twice.
		msg := f.Error()
		if strings.HasPrefix(msg, "addr ") || strings.HasPrefix(msg, "spa_addr: ") {
			continue
		}
		errs = append(errs, devTenantSetting(msg))
	}
	return errs
}

// devTenantField is the key of devtenant.Config heading one of its faults.
var devTenantField = regexp.MustCompile(`^[a-z_]+`)

// devTenantSetting heads msg, one of devtenant.Check's faults, with the
// setting it is about: DEV_TENANT_ADDR (dev_tenant.addr), or
// dev_tenant.clients for a client named by its id.
func devTenantSetting(msg string) error {
	switch {
	case strings.HasPrefix(msg, `client "`), strings.HasPrefix(msg, "at least one client"):
		msg = "clients: " + msg
	case strings.HasPrefix(msg, `user "`):
		msg = "users: " + msg
	}
	field := devTenantField.FindString(msg)
	key := "dev_tenant." + field
	for name, k := range Env {
		if k == key {
			return fmt.Errorf("%s (%s)%s", name, key, msg[len(field):])
		}
	}
	if field != "" && slices.Contains(knownKeys(), key) {
		return errors.New("dev_tenant." + msg)
	}
	return errors.New("dev_tenant: " + msg)
}

// devAddrFault words why DEV_TENANT_ADDR cannot make the dev tenant's
// issuer (http://ADDR/), for a -dev run whose tenant check failed; nil when
// it is not host:port with a port of 0 to 65535, which checkListeners
// already says. applyDev has refused a host other than loopback, and a
// value in quotes.
func devAddrFault(addr string) error {
	if !hostPort(addr) {
		return nil
	}
	return fmt.Errorf("DEV_TENANT_ADDR (dev_tenant.addr) %q cannot make the dev tenant's issuer http://ADDR/: write it as a loopback IP and a port (e.g. 127.0.0.1:3011)", addr)
}

// checkDevSPA refuses an example SPA address the tenant cannot listen on
// as a setting (exit 2), not when the SPA is composed (exit 1): a host
// other than loopback, or a port the tenant does not read (+3000).
func (c *Config) checkDevSPA() []error {
	a := c.DevTenant.SPAAddr
	host, _, _ := net.SplitHostPort(a) // hostPort(a) below: it splits
	switch {
	case a == "" || !hostPort(a):
		return nil // empty: no SPA; not host:port: checkListeners says so
	case !auth0.LoopbackHost(host):
		return []error{fmt.Errorf("DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr) %q: dev mode binds loopback only (e.g. localhost:3000, or empty for none)", a)}
	}
	if _, err := devtenant.ParseAddr(a); err != nil {
		return []error{fmt.Errorf("DEV_TENANT_SPA_ADDR (dev_tenant.spa_addr) %q: write the port in digits only (e.g. localhost:3000)", a)}
	}
	return nil
}
