package devtenant

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the tenant's server-rendered HTML pages. html/template escapes
// every value by context, including the JSON in the web_message script.
var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// render writes a page; a template error is a bug, logged and answered 500.
func (t *Tenant) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		t.log.Error("render page", zap.String("page", name), zap.Error(err))
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// No page runs a script or may be framed (clickjacking of the login
	// form), except web_message's: the SDK frames it, and its inline
	// script posts the response.
	csp := "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
	if name == "webmessage.html" {
		csp = "default-src 'none'; script-src 'unsafe-inline'; frame-ancestors *"
	}
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (t *Tenant) renderLogin(w http.ResponseWriter, status int, ar authzRequest, username, errMsg string) {
	users := make([]string, 0, len(t.users))
	for name := range t.users {
		users = append(users, name)
	}
	slices.Sort(users)
	t.render(w, status, "login.html", map[string]any{
		"ClientID": ar.client.id, "Scope": strings.Join(ar.scope, " "), "Error": errMsg,
		"Action": pathAuthorize, "Hidden": ar.hidden, "Users": users, "Username": username,
	})
}

func (t *Tenant) renderError(w http.ResponseWriter, status int, code, msg string) {
	t.render(w, status, "message.html", map[string]any{"Code": code, "Message": msg})
}

// renderWebMessage answers response_mode=web_message: a page, loaded in
// the SDK's hidden iframe, that posts the response to the redirect URI's
// origin only.
func (t *Tenant) renderWebMessage(w http.ResponseWriter, origin string, values [][2]string) {
	resp := make(map[string]string, len(values))
	for _, kv := range values {
		resp[kv[0]] = kv[1]
	}
	t.render(w, http.StatusOK, "webmessage.html", map[string]any{"Response": resp, "Origin": origin})
}
