package devtenant

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"go.uber.org/zap"
)

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitzero"`
	RefreshToken string `json:"refresh_token,omitzero"`
	Scope        string `json:"scope,omitzero"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// tokenRequest holds the /oauth/token parameters, from a form or JSON body.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Audience     string `json:"audience"`
	Scope        string `json:"scope"`
	Code         string `json:"code"`
	RedirectURI  string `json:"redirect_uri"`
	CodeVerifier string `json:"code_verifier"`
	RefreshToken string `json:"refresh_token"`
}

// tokenError is a refusal from /oauth/token, in the shape of RFC 6749
// section 5.2 (and Auth0's statuses for client_credentials).
type tokenError struct {
	status int
	body   oauthError
	basic  bool // the client tried HTTP Basic auth; answer with WWW-Authenticate
}

func denied(status int, code, desc string) *tokenError {
	return &tokenError{status: status, body: oauthError{Error: code, ErrorDescription: describe(desc)}}
}

// invalidGrant is RFC 6749 section 5.2's answer to a bad code, verifier,
// redirect URI or refresh token.
func invalidGrant(desc string) *tokenError {
	return denied(http.StatusBadRequest, "invalid_grant", desc)
}

func (t *Tenant) serveToken(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")

	resp, clientID, terr := t.tokenFor(w, r)
	if terr != nil {
		if terr.basic && terr.status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Basic realm="devtenant"`)
		}
		fields := []zap.Field{zap.Int("status", terr.status), zap.String("error", terr.body.Error)}
		switch _, known := t.clients[clientID]; {
		case known:
			fields = append(fields, zap.String("error_description", terr.body.ErrorDescription), zap.String("client_id", clientID))
		case clientID != "":
			// Like an unknown username: people paste secrets into the wrong
			// field, so neither the id nor a description echoing it is logged.
			fields = append(fields, zap.Bool("unknown_client", true))
		default:
			fields = append(fields, zap.String("error_description", terr.body.ErrorDescription))
		}
		t.log.Info("token request refused", fields...)
		t.writeJSON(w, terr.status, terr.body)
		return
	}
	t.writeJSON(w, http.StatusOK, resp)
}

// tokenFor runs the grant. It returns the response, or the refusal, and
// the client id the caller claimed (for logs; may be empty or unknown).
func (t *Tenant) tokenFor(w http.ResponseWriter, r *http.Request) (tokenResponse, string, *tokenError) {
	p, terr := readTokenRequest(w, r)
	if terr != nil {
		return tokenResponse{}, "", terr
	}
	switch p.GrantType {
	case "":
		return tokenResponse{}, "", denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type")
	case "client_credentials":
		return t.clientCredentials(r, p)
	case "authorization_code", "refresh_token":
		c, claimed, terr := t.publicClient(r, p)
		if terr != nil {
			return tokenResponse{}, claimed, terr
		}
		if p.GrantType == "authorization_code" {
			resp, terr := t.exchangeCode(c, p)
			return resp, c.id, terr
		}
		resp, terr := t.refresh(c, p)
		return resp, c.id, terr
	default:
		return tokenResponse{}, "", denied(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+p.GrantType)
	}
}

// clientCredentials runs the client_credentials grant for an m2m client.
func (t *Tenant) clientCredentials(r *http.Request, p tokenRequest) (tokenResponse, string, *tokenError) {
	// Client authentication: client_secret_post or client_secret_basic,
	// never both (RFC 6749 section 2.3).
	ids, secrets := []string{p.ClientID}, []string{p.ClientSecret}
	basicIDs, basicSecrets, basic, terr := basicClient(r)
	switch {
	case terr != nil:
		return tokenResponse{}, p.ClientID, terr
	case !basic:
	case p.ClientSecret != "":
		return tokenResponse{}, t.claimed(basicIDs), denied(http.StatusBadRequest, "invalid_request", "Client authentication must use only one method: HTTP Basic or client_secret in the body")
	case p.ClientID != "" && !slices.Contains(basicIDs, p.ClientID):
		return tokenResponse{}, t.claimed(basicIDs), errBasicIDMismatch()
	default:
		ids, secrets = basicIDs, basicSecrets
	}
	claimedID := t.claimed(ids)
	// A public client has no secret to check: it is told which grant it
	// uses rather than that its (non-existent) secret is wrong.
	if c := t.clients[claimedID]; c != nil && c.public() {
		return tokenResponse{}, claimedID, denied(http.StatusBadRequest, "unauthorized_client",
			"Grant type client_credentials is for m2m clients; "+claimedID+" is a "+c.typ+" client: it gets tokens by a user's login (authorization_code)")
	}
	switch {
	case claimedID == "":
		return tokenResponse{}, "", denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: client_id")
	case secrets[0] == "":
		return tokenResponse{}, claimedID, denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: client_secret")
	}
	c, ok := t.authenticate(ids, secrets)
	if !ok {
		terr := denied(http.StatusUnauthorized, "access_denied", "Unauthorized")
		terr.basic = basic
		return tokenResponse{}, claimedID, terr
	}
	resp, terr := t.m2mToken(c, p.Audience, p.Scope)
	return resp, c.id, terr
}

// m2mToken issues c's access token for audience with every scope c was
// granted, whatever it asked for, as Auth0 does for client credentials; a
// requested scope it was not granted is refused.
func (t *Tenant) m2mToken(c *client, audience, scope string) (tokenResponse, *tokenError) {
	switch {
	case audience == "":
		return tokenResponse{}, denied(http.StatusForbidden, "access_denied", "No audience parameter was provided, and no default audience has been configured")
	case audience != t.audience:
		return tokenResponse{}, denied(http.StatusForbidden, "access_denied", "Service not enabled within domain: "+audience)
	}
	var missing []string
	for _, s := range splitScope(scope) {
		if !slices.Contains(c.scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return tokenResponse{}, denied(http.StatusForbidden, "access_denied", "Client has not been granted scopes: "+strings.Join(missing, " "))
	}
	now := t.now().Unix()
	joined := strings.Join(c.scopes, " ")
	token, err := t.signer.Sign(accessClaims{
		Iss: t.Issuer(), Sub: c.id + "@clients", Aud: t.audience, Iat: now, Exp: now + int64(t.ttl/time.Second),
		Scope: joined, Gty: "client-credentials", Azp: c.id,
	})
	if err != nil {
		t.log.Error("sign access token", zap.Error(err))
		return tokenResponse{}, denied(http.StatusInternalServerError, "server_error", "The token could not be signed")
	}
	t.log.Info("issued access token",
		zap.String("client_id", c.id),
		zap.String("audience", t.audience),
		zap.Strings("scopes", c.scopes),
		zap.Duration("ttl", t.ttl),
	)
	return tokenResponse{AccessToken: token, Scope: joined, ExpiresIn: int64(t.ttl / time.Second), TokenType: "Bearer"}, nil
}

// publicClient identifies the spa or native client of a code or refresh
// grant: client_id in the body, or HTTP Basic with an empty password (as
// golang.org/x/oauth2 first tries). Public clients have no secret to send.
func (t *Tenant) publicClient(r *http.Request, p tokenRequest) (*client, string, *tokenError) {
	id := p.ClientID
	ids, secrets, basic, terr := basicClient(r)
	switch {
	case terr != nil:
		return nil, id, terr
	case !basic:
	case secrets[0] != "":
		return nil, cmp.Or(id, t.claimed(ids)), denied(http.StatusBadRequest, "invalid_request", "A public client sends only its client_id, in the body or as HTTP Basic user with an empty password")
	case id != "" && !slices.Contains(ids, id):
		return nil, id, errBasicIDMismatch()
	default:
		id = t.claimed(ids)
	}
	switch c := t.clients[id]; {
	case id == "":
		return nil, "", denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: client_id")
	case c == nil:
		terr := denied(http.StatusUnauthorized, "invalid_client", "Unknown client: "+id)
		terr.basic = r.Header.Get("Authorization") != "" // RFC 6749 section 5.2: then a challenge
		return nil, id, terr
	case !c.public():
		return nil, id, denied(http.StatusBadRequest, "unauthorized_client", "Grant type "+p.GrantType+" is for spa and native clients; "+id+" is an m2m client")
	case p.ClientSecret != "":
		return nil, id, denied(http.StatusBadRequest, "invalid_request", "A public client has no client_secret")
	default:
		return c, id, nil
	}
}

// readTokenRequest reads and parses the capped body as a form or JSON.
func readTokenRequest(w http.ResponseWriter, r *http.Request) (tokenRequest, *tokenError) {
	// RFC 6749 section 2.3.1: parameters, credentials above all, never go
	// in the URL, which logs and histories keep. Refused rather than
	// ignored, so a client that puts them there learns it here.
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "Parameters must be sent in the request body, not in the URL (RFC 6749 section 2.3.1)")
	}
	tooLarge := denied(http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("The request body must be at most %d bytes", maxBodyBytes))
	if r.ContentLength > maxBodyBytes {
		return tokenRequest{}, tooLarge
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mediaType = ""
	}
	if mediaType != "application/x-www-form-urlencoded" && mediaType != "application/json" {
		return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded or application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tokenRequest{}, tooLarge
		}
		return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "The request body could not be read")
	}

	var p tokenRequest
	if mediaType == "application/json" {
		if terr := decodeJSONParams(body, &p); terr != nil {
			return tokenRequest{}, terr
		}
		return p, nil
	}

	form, err := url.ParseQuery(string(body))
	if err != nil {
		return tokenRequest{}, denied(http.StatusBadRequest, "invalid_request", "The request body is not valid application/x-www-form-urlencoded")
	}
	if terr := singleValued(form); terr != nil {
		return tokenRequest{}, terr
	}
	p = tokenRequest{
		GrantType:    form.Get("grant_type"),
		ClientID:     form.Get("client_id"),
		ClientSecret: form.Get("client_secret"),
		Audience:     form.Get("audience"),
		Scope:        form.Get("scope"),
		Code:         form.Get("code"),
		RedirectURI:  form.Get("redirect_uri"),
		CodeVerifier: form.Get("code_verifier"),
		RefreshToken: form.Get("refresh_token"),
	}
	return p, nil
}

// decodeJSONParams reads a JSON token request body into p. It refuses what
// the form reader refuses, as specifically: a parameter named twice (RFC
// 6749 section 3.1) or not a string is named, and invalid UTF-8, a body
// that is no JSON object (null included) and anything else json v2
// rejects (trailing data, say) each get their own description. Gate: json
// v2's own messages quote the body, which holds the client's secret, so
// a syntax error is located by its byte offset instead.
func decodeJSONParams(body []byte, p *tokenRequest) *tokenError {
	bad := func(desc string) *tokenError { return denied(http.StatusBadRequest, "invalid_request", desc) }
	if !utf8.Valid(body) {
		return bad("Parameters must be valid UTF-8")
	}
	err := json.Unmarshal(body, p, nullParams)
	if err == nil && jsontext.Value(body).Kind() == 'n' {
		return bad("The request body must be a JSON object")
	}
	if err == nil {
		return nil
	}
	// A parameter is a member of the top-level object: a pointer of one token.
	param := func(ptr jsontext.Pointer) (string, bool) { return ptr.LastToken(), ptr != "" && ptr.Parent() == "" }
	if syn, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		if name, ok := param(syn.JSONPointer); ok && errors.Is(err, jsontext.ErrDuplicateName) {
			return bad("Parameter included more than once: " + name)
		}
		return bad(fmt.Sprintf("The request body is not valid JSON (at byte %d)", syn.ByteOffset))
	}
	if sem, ok := errors.AsType[*json.SemanticError](err); ok {
		if name, ok := param(sem.JSONPointer); ok {
			return bad("Parameter " + name + " must be a string")
		}
		if sem.JSONPointer == "" {
			return bad("The request body must be a JSON object")
		}
	}
	return bad("The request body is not a valid JSON object of string parameters")
}

// nullParams refuses null as a parameter's value, as any other non-string:
// json reads null into a string as no change, so a null client_secret was
// refused as missing and a null scope taken as none asked for.
var nullParams = json.WithUnmarshalers(json.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *string) error {
	if dec.PeekKind() == 'n' {
		return errors.New("null is not a string")
	}
	return errors.ErrUnsupported // the default: a string, or its own error
}))

// singleValued refuses repeated parameters and invalid UTF-8 (RFC 6749
// section 3.1: parameters must not be included more than once).
func singleValued(form url.Values) *tokenError {
	for name, values := range form {
		if len(values) > 1 {
			return denied(http.StatusBadRequest, "invalid_request", "Parameter included more than once: "+name)
		}
		if !utf8.ValidString(name) || !utf8.ValidString(values[0]) {
			return denied(http.StatusBadRequest, "invalid_request", "Parameters must be valid UTF-8")
		}
	}
	return nil
}

// basicClient reads HTTP Basic client authentication (RFC 6749 section
// 2.3.1); basic is false when the request has no Authorization header. The
// id and the secret are each given form-decoded first, then as sent when
// that differs: the RFC form-encodes them, but many clients (curl -u) do
// not, and a byte sequence that does not decode (a lone %) is taken as sent.
// A repeated header, another scheme, and Basic credentials that are not
// the base64 of id:secret are refused, each saying which.
func basicClient(r *http.Request) (ids, secrets []string, basic bool, terr *tokenError) {
	bad := func(desc string) *tokenError { return denied(http.StatusBadRequest, "invalid_request", desc) }
	v := r.Header.Values("Authorization")
	switch {
	case len(v) > 1:
		// Gate: r.BasicAuth reads the first only, and the second could
		// name another client.
		return nil, nil, false, bad("The Authorization header must be sent at most once")
	case len(v) == 0 || v[0] == "":
		return nil, nil, false, nil
	}
	if scheme, _, _ := strings.Cut(v[0], " "); !strings.EqualFold(scheme, "Basic") {
		return nil, nil, false, bad("The Authorization header must use the Basic scheme")
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, nil, false, bad("The Authorization header's Basic credentials must be the base64 of client_id:client_secret")
	}
	return formDecodedAndRaw(user), formDecodedAndRaw(pass), true, nil
}

// errBasicIDMismatch refuses a body client_id that is neither form of the
// Basic user.
func errBasicIDMismatch() *tokenError {
	return denied(http.StatusBadRequest, "invalid_request", "client_id in the body does not match the Authorization header")
}

// claimed is the client a request's candidate ids name, for its answer
// and logs: the first registered one, or else the first.
func (t *Tenant) claimed(ids []string) string {
	for _, id := range ids {
		if _, ok := t.clients[id]; ok {
			return id
		}
	}
	return ids[0]
}

// formDecodedAndRaw returns s form-decoded first, then s as sent when that
// differs.
func formDecodedAndRaw(s string) []string {
	if d, err := url.QueryUnescape(s); err == nil && d != s {
		return []string{d, s}
	}
	return []string{s}
}

// splitScope splits a space-delimited scope parameter, dropping empty parts
// and duplicates and keeping the order.
func splitScope(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, " ") {
		if part != "" && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}
