package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/example/messages-api/internal/adapters/auth0"
)

// listener is one address the service binds, named by its setting.
type listener struct {
	name, key string
	host      string
	port      int
	shown     string // the value as set, for messages
}

// checkListeners refuses a listen address that is not host:port with a
// numeric port, and two listeners on one port whose hosts overlap: the
// second would fail at start with "address already in use" naming only one
// of them, or (the dev tenant on the API's port) serve the wrong thing.
func (c *Config) checkListeners() []error {
	var errs []error
	if h := c.HTTP.Host; notAHost(h) {
		errs = append(errs, fmt.Errorf("HOST (http.host) %q is not a host name or IP address (the port is PORT's)", h))
	}
	ls := []listener{{name: "PORT", key: "http.port", host: c.HTTP.Host, port: c.HTTP.Port, shown: strconv.Itoa(c.HTTP.Port)}}
	addrs := []struct{ name, key, addr string }{{"ADMIN_ADDR", "admin.addr", c.Admin.Addr}}
	if c.Dev {
		addrs = append(addrs, struct{ name, key, addr string }{"DEV_TENANT_ADDR", "dev_tenant.addr", c.DevTenant.Addr})
		if c.DevTenant.SPAAddr != "" {
			addrs = append(addrs, struct{ name, key, addr string }{"DEV_TENANT_SPA_ADDR", "dev_tenant.spa_addr", c.DevTenant.SPAAddr})
		}
	}
	for _, a := range addrs {
		host, p, err := net.SplitHostPort(a.addr)
		port, perr := strconv.Atoi(p)
		if err != nil || perr != nil || port < 0 || port > 65535 {
			errs = append(errs, fmt.Errorf("%s (%s) %q is not host:port with a port of 0 to 65535 (e.g. 127.0.0.1:9090 or :9090)", a.name, a.key, a.addr))
			continue
		}
		ls = append(ls, listener{name: a.name, key: a.key, host: host, port: port, shown: a.addr})
	}
	for i, a := range ls {
		for _, b := range ls[i+1:] {
			if a.port != 0 && a.port == b.port && hostsOverlap(a.host, b.host) {
				errs = append(errs, fmt.Errorf("%s (%s) %s and %s (%s) %s are the same port: give each its own",
					a.name, a.key, a.shown, b.name, b.key, b.shown))
			}
		}
	}
	return errs
}

// notAHost reports whether h cannot be a host name or IP address: with a
// port (127.0.0.1:3010), a URL or a space. An IPv6 address may carry its
// zone (fe80::1%eth0), as net.Listen accepts.
func notAHost(h string) bool {
	_, err := netip.ParseAddr(h)
	return err != nil && strings.ContainsAny(h, " :/[]@?#%")
}

// hostsOverlap reports whether listening on both hosts with one port would
// clash: either is every interface, they are the same address, or one is
// localhost and the other a loopback address it may resolve to. Two
// distinct addresses (127.0.0.1 and ::1, or 127.0.0.2) each take the port.
func hostsOverlap(a, b string) bool {
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	if wildcard(a) || wildcard(b) || strings.EqualFold(a, b) {
		return true
	}
	ipA, errA := netip.ParseAddr(a)
	ipB, errB := netip.ParseAddr(b)
	switch {
	case errA == nil && errB == nil:
		return ipA.Unmap() == ipB.Unmap()
	case strings.EqualFold(a, "localhost"):
		return auth0.LoopbackHost(b)
	case strings.EqualFold(b, "localhost"):
		return auth0.LoopbackHost(a)
	}
	return false
}
