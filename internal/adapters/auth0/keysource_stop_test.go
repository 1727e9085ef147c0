package auth0

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// TestKeySourceStopClosesItsConnections: Stop closes the connections its
// own client keeps to the tenant. One left open, even idle, keeps a server
// in the same process (the dev tenant) from shutting down; one whose dial
// completed after its fetch was cancelled has sent no request, and
// http.Server.Shutdown waits 5 seconds before it treats such a connection
// as idle, which failed the command's tests at the tenant's stop.
func TestKeySourceStopClosesItsConnections(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		open   = map[net.Conn]bool{}
		closed = make(chan struct{}, 16)
	)
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, c)
			closed <- struct{}{}
		}
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			writeJSON(w, map[string]any{"issuer": srv.URL + "/", "jwks_uri": srv.URL + "/.well-known/jwks.json"})
			return
		}
		w.Write(jwksJSON(jwk("kid-a", keyA())))
	})
	srv.Start()
	defer srv.Close()
	ks, err := NewKeySource(MustTenant(t, srv.URL+"/", true, 0), KeySourceConfig{}, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	mustKey(t, ks, "kid-a", keyA())
	ks.Stop()
	deadline := time.After(hang) // a hang detector only: Stop closes them at once
	for {
		mu.Lock()
		n := len(open)
		mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-closed:
		case <-deadline:
			t.Fatalf("got %d connections to the tenant open %s after Stop, want none", n, hang)
		}
	}
}
