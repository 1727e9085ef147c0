package app

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"

	"github.com/example/messages-api/internal/adapters/config"
)

// startError turns a failed start into one line a person can act on: for a
// listener that could not bind, the address, the setting that chose it and
// what to do.
func startError(err error, cfg config.Config) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if names := hostSettings(dns.Name, cfg); names != "" {
			return fmt.Sprintf("api: cannot resolve %s for %s: %s; set %s to an IP address or a name this machine resolves",
				dns.Name, names, dns.Err, names)
		}
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "listen" || op.Addr == nil {
		return "api: start failed: " + err.Error()
	}
	name, key, hostName := listenSetting(op.Addr, cfg)
	hint := op.Err.Error()
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		hint = "address already in use; is another instance running? set " + name + " to a free one"
	case errors.Is(err, syscall.EADDRNOTAVAIL) && hostName != "":
		hint += "; no interface of this machine has that address: set " + hostName
	case name != "":
		hint += "; set " + name
	}
	if name == "" {
		return fmt.Sprintf("api: cannot listen on %s: %s", op.Addr, hint)
	}
	return fmt.Sprintf("api: cannot listen on %s for %s (%s): %s", op.Addr, name, key, hint)
}

// hostSettings names the settings that hold host ("HOST", or "HOST or
// ADMIN_ADDR" when two do): a failed lookup names no address to match.
func hostSettings(host string, cfg config.Config) string {
	var names []string
	for _, l := range cfg.Listeners() {
		if l.Host != "" && strings.EqualFold(l.Host, host) && !slices.Contains(names, l.HostName) {
			names = append(names, l.HostName)
		}
	}
	return strings.Join(names, " or ")
}

// listenSetting names the setting that chose addr, and the one that holds
// its host: by port and host, since several listeners may ask for port 0.
func listenSetting(addr net.Addr, cfg config.Config) (name, key, hostName string) {
	host, port, _ := net.SplitHostPort(addr.String())
	ip := net.ParseIP(host)
	for _, l := range cfg.Listeners() {
		if l.Port == port && hostMatches(l.Host, ip) {
			return l.Name, l.Key, l.HostName
		}
	}
	return "", "", ""
}

// hostMatches reports whether a listener configured with host may have
// asked for ip: a name other than localhost may resolve to anything.
func hostMatches(host string, ip net.IP) bool {
	switch {
	case ip == nil:
		return true
	case host == "":
		return ip.IsUnspecified()
	case strings.EqualFold(host, "localhost"):
		return ip.IsLoopback()
	case net.ParseIP(host) != nil:
		return net.ParseIP(host).Equal(ip)
	}
	return true
}
