package devtenant

import (
	"html"
	"net/http"
	"strings"
	"testing"
)

func TestTestTab(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	tn.UseAPI(func() string { return "http://127.0.0.1:8081" })
	page := string(get(t, tn.Issuer()+"test").body)
	for _, want := range []string{`<select id="client"`, `<button id="get-token"`, readerID, noScopeID} {
		if !strings.Contains(page, want) {
			t.Errorf("GET /test: got no %s", want)
		}
	}
	if strings.Contains(page, spaID) {
		t.Errorf("GET /test: got the spa client listed, want m2m clients only")
	}
	req := newRequest(t, http.MethodPost, tn.Issuer()+"test", strings.NewReader("client="+readerID))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := do(t, req)
	body := html.UnescapeString(string(res.body))
	for _, want := range []string{`id="token"`, `id="claims"`, `"sub": "` + readerID + `@clients"`, `id="curl-public"`, `id="curl-private"`, `id="curl-private-scoped"`,
		"curl -i -H 'Authorization: Bearer ey", "http://127.0.0.1:8081/api/private-scoped"} {
		if !strings.Contains(body, want) {
			t.Errorf("POST /test: got no %s in the page", want)
		}
	}
	req = newRequest(t, http.MethodPost, tn.Issuer()+"test", strings.NewReader("client="+spaID))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := do(t, req); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `id="error"`) {
		t.Errorf("POST /test for a spa client: got %d, want 400 with #error", res.status)
	}
}
