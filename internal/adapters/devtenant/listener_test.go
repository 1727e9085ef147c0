package devtenant

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// TestHandedListeners checks that the tenant and the SPA serve listeners
// opened by the caller, at the addresses the caller put in the config, and
// close them at Stop.
func TestHandedListeners(t *testing.T) {
	tln, sln := listenLoopback(t), listenLoopback(t)
	_, spaPort, _ := net.SplitHostPort(sln.Addr().String())
	cfg := testConfig()
	withUsers(&cfg)
	cfg.Addr, cfg.Listener = tln.Addr().String(), tln
	cfg.SPAAddr, cfg.SPAClientID, cfg.SPAListener = "localhost:"+spaPort, spaID, sln
	tn, err := New(cfg, zap.NewNop())
	if err != nil {
		t.Fatalf("New: got error %v, want nil", err)
	}
	wantIssuer := "http://" + tln.Addr().String() + "/"
	if got := tn.Issuer(); got != wantIssuer {
		t.Errorf("Issuer before Start: got %q, want %q", got, wantIssuer)
	}
	spa := NewSPA(cfg, tn, nil, zap.NewNop())
	for _, start := range []func(context.Context) error{tn.Start, spa.Start} {
		if err := start(t.Context()); err != nil {
			t.Fatalf("Start: got error %v, want nil", err)
		}
	}
	if got := tn.Issuer(); got != wantIssuer {
		t.Errorf("Issuer after Start: got %q, want %q", got, wantIssuer)
	}
	if got, want := spa.URL(), "http://localhost:"+spaPort+"/"; got != want {
		t.Errorf("SPA URL: got %q, want %q", got, want)
	}
	for _, u := range []string{wantIssuer + ".well-known/jwks.json", "http://127.0.0.1:" + spaPort + "/config.json"} {
		if res := get(t, u); res.status != http.StatusOK {
			t.Errorf("GET %s: got status %d, want 200", u, res.status)
		}
	}
	for _, stop := range []func(context.Context) error{spa.Stop, tn.Stop} {
		if err := stop(t.Context()); err != nil {
			t.Errorf("Stop: got error %v, want nil", err)
		}
	}
	for _, ln := range []net.Listener{tln, sln} {
		if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept on %s after Stop: got %v, want net.ErrClosed", ln.Addr(), err)
		}
	}
}

// TestHandedListenerMustMatchConfig checks that a listener bound elsewhere
// than the configured address is refused: the issuer and the SPA's origins
// are built from the config.
func TestHandedListenerMustMatchConfig(t *testing.T) {
	tln, sln := listenLoopback(t), listenLoopback(t)
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"tenant listener elsewhere", func(c *Config) { c.Addr, c.Listener = "127.0.0.1:1", tln },
			"addr 127.0.0.1:1: the given listener is bound to " + tln.Addr().String()},
		{"tenant listener with port 0", func(c *Config) { c.Listener = tln },
			"addr 127.0.0.1:0: the given listener is bound to " + tln.Addr().String()},
		{"SPA listener elsewhere", func(c *Config) { c.SPAAddr, c.SPAClientID, c.SPAListener = "localhost:1", spaID, sln },
			"spa_addr 127.0.0.1:1: the given listener is bound to " + sln.Addr().String()},
		{"SPA listener without spa_addr", func(c *Config) { c.SPAListener = sln },
			"a listener for the example SPA needs spa_addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			withUsers(&cfg)
			tt.mutate(&cfg)
			_, err := New(cfg, zap.NewNop())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
