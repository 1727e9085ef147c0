package app

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestStartErrorNamesTheHostSetting: a listen address whose host name does
// not resolve names the setting that holds it. The lookup error carries no
// address to match a listener by, so the host name does; the errors are
// built here as net.Listen returns them, so no resolver is asked.
func TestStartErrorNamesTheHostSetting(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		failed  string // the host name whose lookup failed
		want    string
	}{
		{"API host", []string{"HOST=api.example"}, "api.example",
			"api: cannot resolve api.example for HOST: no such host; set HOST to an IP address or a name this machine resolves"},
		{"admin host", []string{"ADMIN_ADDR=Admin.Example:9090"}, "admin.example",
			"api: cannot resolve admin.example for ADMIN_ADDR: no such host; set ADMIN_ADDR to an IP address or a name this machine resolves"},
		{"one host for both", []string{"HOST=both.example", "ADMIN_ADDR=both.example:9090"}, "both.example",
			"api: cannot resolve both.example for HOST or ADMIN_ADDR: no such host; set HOST or ADMIN_ADDR to an IP address or a name this machine resolves"},
		{"a host no setting holds", nil, "other.example",
			"api: start failed: httpapi: listen on other.example:3010: listen tcp: lookup other.example: no such host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tenantConfig(t, tt.environ)
			lookup := &net.OpError{Op: "listen", Net: "tcp",
				Err: &net.DNSError{Err: "no such host", Name: tt.failed, IsNotFound: true}}
			err := fmt.Errorf("httpapi: listen on %s:3010: %w", tt.failed, lookup)
			if got := startError(err, cfg); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestStartErrorNamesTheListenSetting: a listener that could not bind is
// named by the setting whose host and port asked for the address, and the
// hint says what to change; an error that is not a failed listen is left as
// it is. The errors are built as net.Listen and a start hook return them.
func TestStartErrorNamesTheListenSetting(t *testing.T) {
	listen := func(addr string, errno syscall.Errno) error {
		ap := netip.MustParseAddrPort(addr)
		return fmt.Errorf("listen on %s: %w", addr, &net.OpError{Op: "listen", Net: "tcp",
			Addr: net.TCPAddrFromAddrPort(ap), Err: os.NewSyscallError("bind", errno)})
	}
	tests := []struct {
		name    string
		environ []string
		err     error
		want    string
	}{
		{"every interface: not the API's on a loopback address", []string{"PORT=0", "ADMIN_ADDR=127.0.0.1:0"}, listen("127.0.0.1:0", syscall.EADDRINUSE),
			"api: cannot listen on 127.0.0.1:0 for ADMIN_ADDR (admin.addr): address already in use; is another instance running? set ADMIN_ADDR to a free one"},
		{"localhost, in any case: loopback only", []string{"HOST=LocalHost", "PORT=0", "ADMIN_ADDR=192.0.2.1:0"}, listen("192.0.2.1:0", syscall.EADDRNOTAVAIL),
			"api: cannot listen on 192.0.2.1:0 for ADMIN_ADDR (admin.addr): bind: cannot assign requested address; no interface of this machine has that address: set ADMIN_ADDR"},
		{"a host name may resolve to any address", []string{"HOST=api.internal", "PORT=3010"}, listen("10.1.2.3:3010", syscall.EADDRINUSE),
			"api: cannot listen on 10.1.2.3:3010 for PORT (http.port): address already in use; is another instance running? set PORT to a free one"},
		{"a privileged port", []string{"HOST=127.0.0.1", "PORT=80"}, listen("127.0.0.1:80", syscall.EACCES),
			"api: cannot listen on 127.0.0.1:80 for PORT (http.port): bind: permission denied; set PORT"},
		{"an address no setting chose", []string{"HOST=127.0.0.1", "PORT=3010"}, listen("198.51.100.7:4444", syscall.EADDRNOTAVAIL),
			"api: cannot listen on 198.51.100.7:4444: bind: cannot assign requested address"},
		{"not a listen: left as it is", []string{"ADMIN_ADDR=127.0.0.1:9090"},
			fmt.Errorf("warm-up: %w", &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:9090")), Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}),
			"api: start failed: warm-up: dial tcp 127.0.0.1:9090: connect: connection refused"},
		{"a listen with no address", nil, &net.OpError{Op: "listen", Net: "unix", Err: syscall.EINVAL},
			"api: start failed: listen unix: invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tenantConfig(t, tt.environ)
			if got := startError(tt.err, cfg); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// tenantConfig is the config of a production tenant and audience with
// environ (KEY=VALUE) laid over them.
func tenantConfig(t *testing.T, environ []string) config.Config {
	t.Helper()
	cfg, err := config.Load(false, "", append([]string{"AUTH0_DOMAIN=example.eu.auth0.com",
		"AUTH0_AUDIENCE=https://messages-api.example.com"}, environ...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
