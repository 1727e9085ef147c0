package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/example/messages-api/internal/adapters/auth0"
)

// Listener is one address the service binds, named by the settings that
// choose it.
type Listener struct {
	Name, Key string // the setting that chooses its port: PORT and http.port, ADMIN_ADDR and admin.addr, ...
	HostName  string // the setting that holds its host: HOST for PORT, otherwise Name
	Value     string // that setting's value as given: 9090, or 127.0.0.1:9090
	Host      string // "" for every interface, or when Value is not host:port
	Port      string
}

// Listeners lists the addresses the service binds with c: the API and the
// admin listener, and in dev mode the dev tenant and its example SPA (when
// it has an address).
func (c *Config) Listeners() []Listener {
	port := strconv.Itoa(c.HTTP.Port)
	ls := []Listener{{Name: "PORT", Key: "http.port", HostName: "HOST", Value: port, Host: c.HTTP.Host, Port: port}}
	add := func(name, key, addr string) {
		host, port, _ := net.SplitHostPort(addr)
		ls = append(ls, Listener{Name: name, Key: key, HostName: name, Value: addr, Host: host, Port: port})
	}
	add("ADMIN_ADDR", "admin.addr", c.Admin.Addr)
	if c.Dev {
		add("DEV_TENANT_ADDR", "dev_tenant.addr", c.DevTenant.Addr)
		if c.DevTenant.SPAAddr != "" {
			add("DEV_TENANT_SPA_ADDR", "dev_tenant.spa_addr", c.DevTenant.SPAAddr)
		}
	}
	return ls
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
	type bound struct {
		Listener
		port int
	}
	var ls []bound
	for i, l := range c.Listeners() {
		port, _ := strconv.Atoi(l.Port)
		if i > 0 { // the _ADDR settings; PORT's range is checked with the other numbers
			// The host as HOST's is checked: " 127.0.0.1" would fail only
			// at start, as a name that does not resolve.
			if !hostPort(l.Value) {
				errs = append(errs, fmt.Errorf("%s (%s) %q is not host:port with a port of 0 to 65535 (e.g. 127.0.0.1:9090 or :9090)", l.Name, l.Key, l.Value))
				continue
			}
		}
		ls = append(ls, bound{l, port})
	}
	for i, a := range ls {
		for _, b := range ls[i+1:] {
			if a.port != 0 && a.port == b.port && hostsOverlap(a.Host, b.Host) {
				errs = append(errs, fmt.Errorf("%s (%s) %s and %s (%s) %s are the same port: give each its own",
					a.Name, a.Key, a.Value, b.Name, b.Key, b.Value))
			}
		}
	}
	return errs
}

// notAHost reports whether h cannot be a host name or IP address: with a
// port (127.0.0.1:3010), a URL, a list, a space or a quote. A name has
// letters, digits, dots, hyphens and underscores (RFC 952 and 1123, and
// the underscores some internal names carry); an IPv6 address may carry
// its zone (fe80::1%eth0), as net.Listen accepts. "" is every interface.
func notAHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return false
	}
	return strings.ContainsFunc(h, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-' || r == '_')
	})
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

// hostPort reports whether addr is host:port with a port of 0 to 65535,
// as checkListeners wants an _ADDR setting.
func hostPort(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	return err == nil && perr == nil && n >= 0 && n <= 65535 && !notAHost(host)
}
