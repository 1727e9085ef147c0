package devtenant

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// APIBaseURL returns the API's base URL ("http://127.0.0.1:PORT"), read
// when a page needs it, so it names the bound port even for port 0.
type APIBaseURL func() string

// apiEndpoints are the API's three endpoints, by the ids the Test tab and
// the example SPA use in their element ids.
var apiEndpoints = []struct{ ID, Path string }{
	{"public", "/api/public"},
	{"private", "/api/private"},
	{"private-scoped", "/api/private-scoped"},
}

// UseAPI tells the tenant where the API listens, for the Test tab's curl
// commands. Without it they name http://localhost:8080.
func (t *Tenant) UseAPI(base APIBaseURL) { t.apiURL.Store(&base) }

func (t *Tenant) apiBase() string {
	if f := t.apiURL.Load(); f != nil && *f != nil {
		if u := (*f)(); u != "" {
			return u
		}
	}
	return "http://localhost:8080"
}

type testClient struct{ ID, Scopes string }

type curl struct{ ID, Path, Command string }

// serveTestTab is the dashboard's Test tab: pick an m2m client, get its
// token (client credentials, issued in-process), see the claims and a
// curl for each endpoint.
func (t *Tenant) serveTestTab(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var clients []testClient
	for _, c := range t.clients {
		if c.typ == TypeM2M {
			clients = append(clients, testClient{ID: c.id, Scopes: strings.Join(c.scopes, " ")})
		}
	}
	slices.SortFunc(clients, func(a, b testClient) int { return strings.Compare(a.ID, b.ID) })
	data := map[string]any{"Audience": t.audience, "Action": pathTest, "Clients": clients}
	if r.Method == http.MethodGet {
		t.render(w, http.StatusOK, "test.html", data)
		return
	}
	// Read here rather than by PostFormValue, which drops the error: an
	// unreadable form is not a client left unpicked.
	form, err := readPostedForm(w, r)
	if err != nil {
		data["Error"] = formUnreadable
		t.render(w, http.StatusBadRequest, "test.html", data)
		return
	}
	id := form.Get("client")
	data["Selected"] = id
	c := t.clients[id]
	// A client named twice is not picked: the page's select sends one.
	if c == nil || c.typ != TypeM2M || len(form["client"]) > 1 {
		data["Error"] = "Pick one of the machine-to-machine clients."
		t.render(w, http.StatusBadRequest, "test.html", data)
		return
	}
	resp, terr := t.m2mToken(c, t.audience, "")
	if terr != nil {
		data["Error"] = terr.body.ErrorDescription
		t.render(w, terr.status, "test.html", data)
		return
	}
	claims, err := claimsJSON(resp.AccessToken)
	if err != nil {
		t.signFailed(err)
		data["Error"] = "The token could not be decoded."
		t.render(w, http.StatusInternalServerError, "test.html", data)
		return
	}
	base := t.apiBase()
	var curls []curl
	for _, e := range apiEndpoints {
		cmd := "curl -i " + base + e.Path
		if e.ID != "public" {
			cmd = "curl -i -H 'Authorization: Bearer " + resp.AccessToken + "' " + base + e.Path
		}
		curls = append(curls, curl{ID: e.ID, Path: e.Path, Command: cmd})
	}
	data["Token"], data["Claims"], data["Curls"] = resp.AccessToken, claims, curls
	t.render(w, http.StatusOK, "test.html", data)
}

// claimsJSON decodes a compact JWS's payload as indented JSON.
func claimsJSON(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var v jsontext.Value = payload
	if err := v.Indent(jsontext.WithIndent("  ")); err != nil {
		return "", err
	}
	return string(v), nil
}
