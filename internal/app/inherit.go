package app

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// devTenantFD names an open listening socket, inherited from the parent,
// that the dev tenant serves instead of binding dev_tenant.addr itself. A
// parent (a test running the binary) opens 127.0.0.1:0, sets DEV_TENANT_ADDR
// to the bound address and passes the socket with exec.Cmd.ExtraFiles (the
// first is fd 3): the port is never closed and re-bound in between.
const devTenantFD = "DEV_TENANT_FD"

// inheritedListener returns the listener DEV_TENANT_FD names in environ, or
// nil when it is unset.
func inheritedListener(environ []string) (net.Listener, error) {
	var val string
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, devTenantFD+"="); ok {
			val = v
		}
	}
	if val == "" {
		return nil, nil
	}
	fd, err := strconv.Atoi(val)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s %q: want the number of an inherited file descriptor, 3 or more", devTenantFD, val)
	}
	f := os.NewFile(uintptr(fd), devTenantFD)
	defer f.Close() // FileListener works on a duplicate
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("%s=%d: not a listening socket: %w", devTenantFD, fd, err)
	}
	if _, ok := ln.(*net.TCPListener); !ok { // a Unix socket: the tenant's issuer is a TCP address
		_ = ln.Close()
		return nil, fmt.Errorf("%s=%d: not a TCP socket", devTenantFD, fd)
	}
	return ln, nil
}
