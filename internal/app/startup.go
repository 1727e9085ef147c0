package app

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/example/messages-api/internal/adapters/config"
)

// startError turns a failed start into one line a person can act on: for a
// listener that could not bind, the address, the setting that chose it and
// what to do.
func startError(err error, cfg config.Config) string {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "listen" || op.Addr == nil {
		return "api: start failed: " + err.Error()
	}
	name, key := listenSetting(op.Addr, cfg)
	hint := op.Err.Error()
	if errors.Is(err, syscall.EADDRINUSE) {
		hint = "address already in use; is another instance running? set " + name + " to a free one"
	} else if name != "" {
		hint += "; set " + name
	}
	if name == "" {
		return fmt.Sprintf("api: cannot listen on %s: %s", op.Addr, hint)
	}
	return fmt.Sprintf("api: cannot listen on %s for %s (%s): %s", op.Addr, name, key, hint)
}

// listenSetting names the setting that chose addr's port.
func listenSetting(addr net.Addr, cfg config.Config) (name, key string) {
	_, port, _ := net.SplitHostPort(addr.String())
	portOf := func(hostport string) string {
		_, p, _ := net.SplitHostPort(hostport)
		return p
	}
	switch port {
	case strconv.Itoa(cfg.HTTP.Port):
		return "PORT", "http.port"
	case portOf(cfg.Admin.Addr):
		return "ADMIN_ADDR", "admin.addr"
	}
	if cfg.Dev {
		switch port {
		case portOf(cfg.DevTenant.Addr):
			return "DEV_TENANT_ADDR", "dev_tenant.addr"
		case portOf(cfg.DevTenant.SPAAddr):
			return "DEV_TENANT_SPA_ADDR", "dev_tenant.spa_addr"
		}
	}
	return "", ""
}
