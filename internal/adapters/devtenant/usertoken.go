package devtenant

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// idTokenTTL is Auth0's default ID token lifetime (36000 seconds).
const idTokenTTL = 10 * time.Hour

// oidcScopes are granted to every user who asks: they select ID token
// claims and refresh tokens, not API access.
var oidcScopes = []string{"openid", "profile", "email", "offline_access"}

// accessClaims is Auth0's access token shape: Gty for client credentials,
// Permissions for users when RBAC is on.
type accessClaims struct {
	Iss         string    `json:"iss"`
	Sub         string    `json:"sub"`
	Aud         any       `json:"aud"` // the API; for a user's openid login, it and the tenant's /userinfo
	Iat         int64     `json:"iat"`
	Exp         int64     `json:"exp"`
	Scope       string    `json:"scope,omitzero"`
	Gty         string    `json:"gty,omitzero"`
	Azp         string    `json:"azp"`
	Permissions *[]string `json:"permissions,omitzero"`
}

// idClaims is an OIDC ID token (OpenID Connect Core section 2) with the
// claims @auth0/auth0-spa-js checks: iss, aud, azp, nonce, iat, exp.
type idClaims struct {
	Iss      string `json:"iss"`
	Sub      string `json:"sub"`
	Aud      string `json:"aud"`
	Azp      string `json:"azp"`
	Iat      int64  `json:"iat"`
	Exp      int64  `json:"exp"`
	AuthTime int64  `json:"auth_time"`
	Nonce    string `json:"nonce,omitzero"`
	Name     string `json:"name,omitzero"`
	Nickname string `json:"nickname,omitzero"`
}

// userScope is requested ∩ (the user's permissions ∪ the OIDC scopes), in
// the order requested; without the API's audience, requested ∩ the OIDC
// scopes, as Auth0 grants no API scope to a request that names no API.
func userScope(requested []string, u user, api bool) []string {
	return slices.DeleteFunc(slices.Clone(requested), func(s string) bool {
		return !(api && slices.Contains(u.permissions, s)) && !slices.Contains(oidcScopes, s)
	})
}

// validVerifier checks RFC 7636 section 4.1: 43 to 128 characters of
// [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// exchangeCode runs the authorization_code grant (RFC 6749 section 4.1.3)
// with PKCE (RFC 7636 section 4.6).
func (t *Tenant) exchangeCode(c *client, p tokenRequest) (tokenResponse, *tokenError) {
	switch {
	case p.Code == "":
		return tokenResponse{}, denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: code")
	case p.RedirectURI == "":
		return tokenResponse{}, denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: redirect_uri")
	case p.CodeVerifier == "":
		return tokenResponse{}, denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: code_verifier")
	case !validVerifier(p.CodeVerifier):
		return tokenResponse{}, denied(http.StatusBadRequest, "invalid_request", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 section 4.1)")
	}
	var refused *tokenError
	code, fam, outcome := t.grants.takeCode(p.Code, func(code *authCode) bool {
		refused = t.checkCode(c, p, code)
		return refused == nil
	})
	switch outcome {
	case codeUnknown:
		return tokenResponse{}, invalidGrant("Invalid authorization code")
	case codeRefused:
		return tokenResponse{}, refused
	case codeRetried:
		return tokenResponse{}, invalidGrant("Invalid authorization code: it was presented before and refused; a code is single-use, so start a new login")
	case codeReused:
		t.log.Warn("authorization code reused: the refresh tokens it issued are revoked", zap.String("client_id", c.id), zap.String("sub", code.user.sub))
		return tokenResponse{}, invalidGrant("Invalid authorization code: it was already used, so the refresh tokens it issued are revoked")
	}
	return t.userTokens(c, code.grant, fam, &code.grant)
}

// checkCode is why c may not redeem code with p, or nil when it may.
func (t *Tenant) checkCode(c *client, p tokenRequest, code *authCode) *tokenError {
	switch {
	case !t.now().Before(code.expires):
		return invalidGrant("Invalid authorization code: expired")
	case code.clientID != c.id:
		return invalidGrant("Invalid authorization code: issued to another client")
	case code.redirectURI != p.RedirectURI:
		return invalidGrant("redirect_uri does not match the one of the authorization request")
	case subtle.ConstantTimeCompare([]byte(oauth2.S256ChallengeFromVerifier(p.CodeVerifier)), []byte(code.challenge)) != 1:
		return invalidGrant("Failed to verify code_verifier")
	}
	return nil
}

// refresh runs the refresh_token grant (RFC 6749 section 6) with rotation:
// every use returns a new refresh token and spends the old one.
func (t *Tenant) refresh(c *client, p tokenRequest) (tokenResponse, *tokenError) {
	if p.RefreshToken == "" {
		return tokenResponse{}, denied(http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token")
	}
	requested := splitScope(p.Scope)
	rt, outcome := t.grants.spendRefresh(p.RefreshToken, c.id, requested)
	switch outcome {
	case refreshUnknown:
		return tokenResponse{}, invalidGrant("Unknown or invalid refresh token.")
	case refreshWrongOwner:
		return tokenResponse{}, invalidGrant("The refresh token was issued to another client")
	case refreshRevoked:
		return tokenResponse{}, invalidGrant("The refresh token was revoked")
	case refreshReused:
		t.log.Warn("refresh token reused: its family is revoked", zap.String("client_id", c.id), zap.String("sub", rt.user.sub))
		return tokenResponse{}, invalidGrant("Unknown or invalid refresh token: it was already used, so every token of its family is revoked")
	case refreshNoScope:
		// RFC 6749 section 5.2, rather than a token without scope.
		return tokenResponse{}, denied(http.StatusBadRequest, "invalid_scope", "The requested scope exceeds the grant: none of "+strings.Join(requested, " ")+" was granted")
	}
	gr := rt.grant
	gr.nonce = "" // a refreshed ID token carries no nonce (OIDC Core section 12.2)
	// A scope parameter narrows the new access token to requested ∩
	// granted, as at /authorize; the SDK asks again for every configured
	// scope, granted or not. The new refresh token keeps the whole grant.
	issued := gr
	if len(requested) > 0 && !slices.Equal(requested, gr.scope) {
		issued.scope = slices.DeleteFunc(requested, func(s string) bool { return !slices.Contains(gr.scope, s) })
	}
	return t.userTokens(c, issued, rt.family, &gr)
}

// userTokens signs a user's access token, an ID token when openid is in
// gr, and a refresh token of family carrying refreshGrant when that grant
// holds offline_access (nil: none). The two grants differ when a refresh
// narrows the scope of its access token but not of its refresh token.
func (t *Tenant) userTokens(c *client, gr grant, family *family, refreshGrant *grant) (tokenResponse, *tokenError) {
	now := t.now()
	scope := strings.Join(gr.scope, " ")
	resp := tokenResponse{Scope: scope, ExpiresIn: int64(t.ttl / time.Second), TokenType: "Bearer"}
	var err error
	if resp.AccessToken, err = t.userAccessToken(c, gr, scope, now); err != nil {
		return t.signFailed(err)
	}
	if slices.Contains(gr.scope, "openid") {
		id := idClaims{
			Iss: t.Issuer(), Sub: gr.user.sub, Aud: c.id, Azp: c.id, Iat: now.Unix(), Exp: now.Add(idTokenTTL).Unix(),
			AuthTime: gr.authTime.Unix(), Nonce: gr.nonce,
		}
		if slices.Contains(gr.scope, "profile") {
			id.Name, id.Nickname = gr.user.username, gr.user.username
		}
		if resp.IDToken, err = t.signer.Sign(id); err != nil {
			return t.signFailed(err)
		}
	}
	if refreshGrant != nil && slices.Contains(refreshGrant.scope, "offline_access") {
		resp.RefreshToken = t.grants.issueRefresh(c.id, family, *refreshGrant)
	}
	t.log.Info("issued user tokens",
		zap.String("client_id", c.id),
		zap.String("sub", gr.user.sub),
		zap.Strings("scopes", gr.scope),
		zap.Bool("api_audience", gr.api),
		zap.Bool("id_token", resp.IDToken != ""),
		zap.Bool("refresh_token", resp.RefreshToken != ""),
	)
	return resp, nil
}

// userAccessToken is gr's access token for the API (scope is gr.scope
// joined, as the response carries it), or, when gr's request
// named no audience, an opaque one: Auth0 issues that for its own
// /userinfo, and no API accepts it (the API's 401 says to set audience, in
// dev as in production).
func (t *Tenant) userAccessToken(c *client, gr grant, scope string, now time.Time) (string, error) {
	if !gr.api {
		return randomToken(), nil
	}
	at := accessClaims{
		Iss: t.Issuer(), Sub: gr.user.sub, Aud: t.audience, Iat: now.Unix(), Exp: now.Add(t.ttl).Unix(),
		Scope: scope, Azp: c.id,
	}
	if slices.Contains(gr.scope, "openid") {
		// Auth0's aud is then an array (the token also serves /userinfo):
		// an API that compares it as a string must fail here, not in production.
		at.Aud = []string{t.audience, t.Issuer() + "userinfo"}
	}
	if t.rbac {
		perms := slices.Clone(gr.user.permissions)
		if perms == nil {
			perms = []string{} // Auth0 sends "permissions": [] for a user with none
		}
		at.Permissions = &perms
	}
	return t.signer.Sign(at)
}

func (t *Tenant) signFailed(err error) (tokenResponse, *tokenError) {
	t.log.Error("sign token", zap.Error(err))
	return tokenResponse{}, denied(http.StatusInternalServerError, "server_error", "The token could not be signed")
}
