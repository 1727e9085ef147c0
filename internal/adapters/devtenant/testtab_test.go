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
}

// TestTestTabRefusals: a form that names no m2m client, and one that
// cannot be read, each get a 400 page whose #error says which it was.
func TestTestTabRefusals(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	for _, tt := range []struct{ name, body, wantError string }{
		{"a spa client", "client=" + spaID, "Pick one of the machine-to-machine clients."},
		{"no client", "", "Pick one of the machine-to-machine clients."},
		{"oversized", "client=" + readerID + "&pad=" + strings.Repeat("a", maxBodyBytes), "The form could not be read"},
		{"malformed", "client=" + readerID + "&x=%zz", "The form could not be read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodPost, tn.Issuer()+"test", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res := do(t, req)
			body := html.UnescapeString(string(res.body))
			if res.status != http.StatusBadRequest || !strings.Contains(body, `id="error" role="alert">`+tt.wantError) || strings.Contains(body, `id="token"`) {
				t.Errorf("got %d and #error %q, want 400 and %q, no token", res.status, errorText(body), tt.wantError)
			}
		})
	}
}

// errorText is the text of the page's #error, or "".
func errorText(page string) string {
	_, after, _ := strings.Cut(page, `id="error" role="alert">`)
	text, _, _ := strings.Cut(after, "<")
	return text
}
