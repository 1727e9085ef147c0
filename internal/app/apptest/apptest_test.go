package apptest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/app/apptest"
	"github.com/example/messages-api/internal/domain"
)

// TestStart: the app answers on its loopback URLs with the fake's claims,
// its access lines (one a request) are in Logs, and Stop closes the listeners (and may be
// called again, as t's end does).
func TestStart(t *testing.T) {
	v := authtest.New(map[string]domain.Claims{"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}}})
	a := apptest.Start(t, v, "HTTP_REALM=apptest")
	if a.Config.HTTP.Handler.Realm != "apptest" {
		t.Errorf("got realm %q in Config, want the env's %q", a.Config.HTTP.Handler.Realm, "apptest")
	}
	for _, tt := range []struct {
		url, token string
		want       int
	}{
		{a.API + "/api/private-scoped", "reader", 200},
		{a.API + "/api/private", "", 401},
		{a.Admin + "/readyz", "", 200},
	} {
		req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s: got %d, want %d", tt.url, resp.StatusCode, tt.want)
		}
	}
	for msg, want := range map[string]string{"request": "reader@clients", "request rejected": ""} {
		lines := a.Logs.FilterMessage(msg).All()
		if len(lines) != 1 {
			t.Fatalf("got %d %q lines, want 1", len(lines), msg)
		}
		if got, _ := lines[0].ContextMap()["subject"].(string); got != want {
			t.Errorf("got subject %q on the %q line, want %q", got, msg, want)
		}
	}
	a.Stop()
	if _, err := http.Get(a.API + "/api/public"); err == nil {
		t.Error("got an answer after Stop, want the connection refused")
	}
	a.Stop()
}
