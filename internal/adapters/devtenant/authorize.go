package devtenant

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
)

// The login session's cookies, for single sign-on. Like Auth0's "auth0"
// and "auth0_compat": the first is SameSite=None; Secure so the SDK's
// hidden iframe (prompt=none, another site) sends it, which browsers
// allow on http for loopback; the second, Lax, serves browsers that refuse
// the first.
const (
	sessionCookie       = "devtenant_session"
	sessionCookieCompat = "devtenant_session_compat"
)

// setSessionCookies sets both cookies to value, or deletes them when
// value is "".
func setSessionCookies(w http.ResponseWriter, value string) {
	for _, c := range []*http.Cookie{
		{Name: sessionCookie, SameSite: http.SameSiteNoneMode, Secure: true},
		{Name: sessionCookieCompat, SameSite: http.SameSiteLaxMode},
	} {
		c.Value, c.Path, c.HttpOnly = value, "/", true
		if value == "" {
			c.MaxAge, c.Expires = -1, time.Unix(0, 0)
		}
		http.SetCookie(w, c)
	}
}

// sessionID returns the session id from either cookie, or "".
func sessionID(r *http.Request) string {
	for _, name := range []string{sessionCookie, sessionCookieCompat} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// authorizeParams are the /authorize parameters the login form posts back
// as hidden inputs; anything else (the SDK's auth0Client, say) is dropped.
var authorizeParams = []string{
	"response_type", "client_id", "redirect_uri", "scope", "audience", "state", "nonce",
	"code_challenge", "code_challenge_method", "response_mode", "prompt", "max_age",
}

// authzRequest is a validated /authorize request.
type authzRequest struct {
	client      *client
	redirectURI string
	webMessage  bool // response_mode=web_message: answer with postMessage
	state       string
	nonce       string
	challenge   string
	promptNone  bool     // prompt=none: never show the login page
	promptLogin bool     // prompt includes login: show it even with a session
	maxAge      int64    // max_age in seconds, -1 when absent
	api         bool     // audience names the API: else no API token, as at Auth0
	scope       []string // as requested
	hidden      [][2]string
}

// authzError is a refusal of an /authorize request. With redirect false
// the client or redirect URI could not be trusted, so the user sees an
// error page and nothing is redirected (RFC 6749 section 4.1.2.1).
type authzError struct {
	redirect      bool
	code          string
	desc          string
	unknownClient bool // desc echoes a client_id that names no client: not logged
}

func pageError(desc string) *authzError {
	return &authzError{code: "invalid_request", desc: describe(desc)}
}

func redirectError(code, desc string) *authzError {
	return &authzError{redirect: true, code: code, desc: describe(desc)}
}

// serveAuthorize runs RFC 6749 section 4.1.1 in Auth0's shape: GET shows
// the login page (or answers at once for a logged-in session), POST checks
// the login form.
func (t *Tenant) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var params url.Values
	if r.Method == http.MethodPost {
		var err error
		if params, err = readPostedForm(w, r); err != nil {
			t.renderError(w, http.StatusBadRequest, "invalid_request", formUnreadable)
			return
		}
	} else {
		var ok bool
		if params, ok = t.readQuery(w, r); !ok {
			return
		}
	}
	ar, aerr := t.parseAuthorize(params)
	if aerr != nil {
		t.refuse(w, r, ar, aerr)
		return
	}
	if r.Method == http.MethodPost {
		t.checkLogin(w, r, ar, params)
		return
	}
	if !ar.promptLogin {
		if s, ok := t.grants.session(sessionID(r)); ok && ar.fresh(s, t.now()) {
			t.issueCode(w, r, ar, s)
			return
		}
	}
	if ar.promptNone {
		t.refuse(w, r, ar, redirectError("login_required", "Login required"))
		return
	}
	t.renderLogin(w, http.StatusOK, ar, "", "")
}

// parseAuthorize validates params. Until the client and redirect URI are
// known good, refusals are page errors; after, they are redirected.
func (t *Tenant) parseAuthorize(params url.Values) (authzRequest, *authzError) {
	for _, name := range authorizeParams {
		if len(params[name]) > 1 {
			return authzRequest{}, pageError("Parameter included more than once: " + name)
		}
	}
	id, redirectURI := params.Get("client_id"), params.Get("redirect_uri")
	c := t.clients[id]
	switch {
	case id == "":
		return authzRequest{}, pageError("Missing required parameter: client_id")
	case c == nil:
		aerr := pageError("Unknown client: " + id)
		aerr.unknownClient = true
		return authzRequest{}, aerr
	case !c.public():
		return authzRequest{}, &authzError{code: "unauthorized_client", desc: "Client " + id + " is an m2m client: it uses the client_credentials grant"}
	case redirectURI == "":
		return authzRequest{}, pageError("Missing required parameter: redirect_uri")
	case !c.allowsRedirect(redirectURI):
		return authzRequest{}, pageError("The redirect_uri " + redirectURI + " is not registered for client " + id)
	}
	var err *authzError
	ar := authzRequest{
		client: c, redirectURI: redirectURI, state: params.Get("state"), nonce: params.Get("nonce"),
		challenge: params.Get("code_challenge"),
		scope:     splitScope(params.Get("scope")),
	}
	for _, name := range authorizeParams {
		if v := params.Get(name); v != "" {
			ar.hidden = append(ar.hidden, [2]string{name, v})
		}
	}
	switch params.Get("response_mode") {
	case "", "query":
	case "web_message":
		ar.webMessage = true
	default:
		return ar, redirectError("invalid_request", "Unsupported response_mode: "+params.Get("response_mode")+" (query and web_message are)")
	}
	switch method := params.Get("code_challenge_method"); {
	case params.Get("response_type") == "":
		return ar, redirectError("invalid_request", "Missing required parameter: response_type")
	case params.Get("response_type") != "code":
		return ar, redirectError("unsupported_response_type", "Unsupported response_type: "+params.Get("response_type")+" (only code is)")
	case ar.challenge == "":
		return ar, redirectError("invalid_request", "Missing required parameter: code_challenge (PKCE, RFC 7636, is required for public clients)")
	case method == "plain":
		return ar, redirectError("invalid_request", "code_challenge_method plain is not supported: use S256")
	case method != "S256":
		return ar, redirectError("invalid_request", "code_challenge_method must be S256")
	case !s256Challenge(ar.challenge):
		return ar, redirectError("invalid_request", "code_challenge must be a base64url SHA-256 digest (43 characters)")
	}
	if aud := params.Get("audience"); aud != "" && aud != t.audience {
		return ar, redirectError("access_denied", "Service not found: "+aud)
	}
	ar.api = params.Get("audience") != ""
	if ar.maxAge, err = parseMaxAge(params.Get("max_age")); err != nil {
		return ar, err
	}
	for _, s := range ar.scope {
		if !isScopeToken(s) {
			return ar, redirectError("invalid_scope", "Invalid scope: "+s)
		}
	}
	// The login form carries state and nonce in hidden inputs, and a
	// browser turns their line breaks into CRLF, and a NUL or a byte that is
	// not UTF-8 (the page's charset) into U+FFFD: the client would get
	// another value back. RFC 6749 appendix A.5 allows state neither.
	for _, name := range []string{"state", "nonce"} {
		switch v := params.Get(name); {
		case hasControl(v):
			return ar, redirectError("invalid_request", name+" must not contain control characters (RFC 6749 appendix A.5)")
		case !utf8.ValidString(v):
			return ar, redirectError("invalid_request", name+" must be valid UTF-8")
		}
	}
	if ar.promptNone, ar.promptLogin, err = parsePrompt(params.Get("prompt")); err != nil {
		return ar, err
	}
	return ar, nil
}

// parsePrompt reads prompt as OIDC Core §3.1.2.1 defines it: a
// space-delimited list of login, consent and select_account, or none
// alone. The dev tenant asks no consent and has one account per login, so
// consent and select_account change nothing.
func parsePrompt(v string) (none, login bool, err *authzError) {
	values := strings.Fields(v)
	for _, p := range values {
		switch p {
		case "none":
			none = true
		case "login":
			login = true
		case "consent", "select_account":
		default:
			return false, false, redirectError("invalid_request", "Unsupported prompt: "+p)
		}
	}
	if none && len(values) > 1 {
		return false, false, redirectError("invalid_request", "prompt=none cannot be combined with other values (OIDC Core 3.1.2.1)")
	}
	return none, login, nil
}

// parseMaxAge reads max_age (OIDC Core §3.1.2.1): the most seconds since
// the user last logged in for a session to count, or -1 when v is empty.
func parseMaxAge(v string) (int64, *authzError) {
	if v == "" {
		return -1, nil
	}
	if strings.TrimLeft(v, "0123456789") != "" {
		return 0, redirectError("invalid_request", "max_age must be a non-negative whole number of seconds")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return math.MaxInt64, nil // digits past int64: no limit that matters
	}
	return n, nil
}

// fresh reports whether s may answer ar without the login page: with
// max_age, only a login at most that many seconds old does (OIDC Core
// §3.1.2.1; the SDK checks the ID token's auth_time against it too).
func (ar authzRequest) fresh(s session, now time.Time) bool {
	// Capped so the conversion to a Duration cannot overflow.
	limit := time.Duration(min(ar.maxAge, int64(math.MaxInt64/time.Second))) * time.Second
	return ar.maxAge < 0 || now.Sub(s.authTime) <= limit
}

// checkLogin handles the posted login form.
func (t *Tenant) checkLogin(w http.ResponseWriter, r *http.Request, ar authzRequest, form url.Values) {
	u, ok := t.login(form.Get("username"), form.Get("password"))
	if !ok {
		// An unknown name is not logged: people type passwords into it.
		name := form.Get("username")
		if _, known := t.users[name]; !known {
			name = ""
		}
		t.log.Info("login refused", zap.String("client_id", ar.client.id), zap.String("username", name))
		t.renderLogin(w, http.StatusBadRequest, ar, form.Get("username"), "Wrong username or password.")
		return
	}
	s := session{user: u, authTime: t.now()}
	setSessionCookies(w, t.grants.startSession(s))
	t.log.Info("user logged in", zap.String("client_id", ar.client.id), zap.String("sub", u.sub))
	t.issueCode(w, r, ar, s)
}

// issueCode answers with a new code bound to the client, the redirect URI
// and the challenge, valid for codeTTL.
func (t *Tenant) issueCode(w http.ResponseWriter, r *http.Request, ar authzRequest, s session) {
	code := t.grants.issueCode(authCode{
		clientID: ar.client.id, redirectURI: ar.redirectURI, challenge: ar.challenge,
		grant:   grant{user: s.user, api: ar.api, scope: userScope(ar.scope, s.user, ar.api), nonce: ar.nonce, authTime: s.authTime},
		expires: t.now().Add(codeTTL),
	})
	t.respond(w, r, ar, [][2]string{{"code", code}})
}

// refuse shows an error page, or sends the error to the redirect URI.
func (t *Tenant) refuse(w http.ResponseWriter, r *http.Request, ar authzRequest, aerr *authzError) {
	desc := zap.String("error_description", aerr.desc)
	if aerr.unknownClient {
		desc = zap.Bool("unknown_client", true) // as at /oauth/token: it may be a pasted secret
	}
	t.log.Info("authorization refused", zap.String("error", aerr.code), desc, zap.Bool("redirected", aerr.redirect))
	if !aerr.redirect {
		t.renderError(w, http.StatusBadRequest, aerr.code, aerr.desc)
		return
	}
	t.respond(w, r, ar, [][2]string{{"error", aerr.code}, {"error_description", aerr.desc}})
}

// respond delivers an authorization response (RFC 6749 section 4.1.2) to
// the validated redirect URI, with state as received.
func (t *Tenant) respond(w http.ResponseWriter, r *http.Request, ar authzRequest, values [][2]string) {
	if ar.state != "" {
		values = append(values, [2]string{"state", ar.state})
	}
	if ar.webMessage {
		t.renderWebMessage(w, originOf(ar.redirectURI), values)
		return
	}
	u, _ := url.Parse(ar.redirectURI) // parsed when validated
	// The URI's own query is kept as registered, ours follows it (RFC 6749
	// section 3.1.2): decoding and re-encoding it would change its bytes.
	var b strings.Builder
	b.WriteString(u.RawQuery)
	for _, kv := range values {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1]))
	}
	u.RawQuery = b.String()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// serveLogout ends the login session and goes to returnTo when it is one
// of the client's URLs (or of any public client's without client_id), as
// Auth0's /v2/logout does.
func (t *Tenant) serveLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	t.grants.endSession(sessionID(r))
	setSessionCookies(w, "")
	q, ok := t.readQuery(w, r)
	if !ok {
		return
	}
	returnTo := cmp.Or(q.Get("returnTo"), q.Get("post_logout_redirect_uri")) // Auth0's name, then OIDC's
	if returnTo == "" {
		t.renderError(w, http.StatusOK, "", "You are logged out of the dev tenant.")
		return
	}
	allowed := false
	if id := q.Get("client_id"); id != "" {
		c := t.clients[id]
		allowed = c != nil && c.allowsLogoutReturn(returnTo)
	} else {
		allowed = slices.ContainsFunc(slices.Collect(maps.Values(t.clients)), func(c *client) bool { return c.allowsLogoutReturn(returnTo) })
	}
	if !allowed {
		t.renderError(w, http.StatusBadRequest, "invalid_request", "The returnTo URL "+returnTo+" is not an allowed logout URL: logged out, not redirected")
		return
	}
	http.Redirect(w, r, returnTo, http.StatusFound)
}

// formUnreadable is the page's answer to a posted form readPostedForm refuses.
var formUnreadable = fmt.Sprintf("The form could not be read: it must be application/x-www-form-urlencoded, at most %d bytes.", maxBodyBytes)

// readPostedForm reads r's body, at most maxBodyBytes, as an HTML form
// (application/x-www-form-urlencoded). Only the body: r.ParseForm also
// parses the URL's query, which these forms never use, so a query that
// cannot be read (a semicolon) made a good form unreadable; and it reads
// a body of another type (JSON, multipart) as an empty form, which would
// be answered as a form missing its fields.
func readPostedForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errors.New("the body is not application/x-www-form-urlencoded")
	}
	// Refused before reading, as /oauth/token does: a client that sent
	// Expect: 100-continue is told at once, not after the read timeout.
	if r.ContentLength > maxBodyBytes {
		return nil, errors.New("the body is too large")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return nil, err
	}
	return url.ParseQuery(string(body))
}

// readQuery parses r's query, or answers with an error page. Unlike
// r.URL.Query, it does not drop a malformed pair (bad percent-encoding, a
// semicolon): /authorize would then issue a code without the state, or
// without whatever else that pair held.
func (t *Tenant) readQuery(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		t.renderError(w, http.StatusBadRequest, "invalid_request", "The query could not be read: it must be application/x-www-form-urlencoded (percent-encoding, no semicolons)")
		return nil, false
	}
	return q, true
}

// s256Challenge reports whether s is what S256 makes (RFC 7636 §4.2): the
// unpadded base64url of a SHA-256 digest, 43 characters, the last with its
// two unused bits zero. Any other challenge could never match a verifier,
// and the client would learn so only at the token endpoint.
func s256Challenge(s string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	// The length too: the decoder skips CR and LF, even when strict.
	return len(s) == 43 && err == nil && len(b) == sha256.Size
}
