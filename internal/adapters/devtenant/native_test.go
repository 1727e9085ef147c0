package devtenant

import (
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestNativeClientWithXOAuth2 runs the native flow as a Go CLI would with
// golang.org/x/oauth2: PKCE S256, a loopback redirect on some port, the
// exchange (x/oauth2 first tries HTTP Basic with an empty secret), and a
// refresh.
func TestNativeClientWithXOAuth2(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	conf := &oauth2.Config{
		ClientID:    cliID,
		Endpoint:    oauth2.Endpoint{AuthURL: tn.Issuer() + "authorize", TokenURL: tn.Issuer() + "oauth/token"},
		RedirectURL: "http://127.0.0.1:51234/callback",
		Scopes:      []string{"openid", "offline_access", "read:messages"},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("audience", testAudience))
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := redirectQuery(t, postLogin(t, tn, u.Query(), "reader", "reader-password"))
	tok, err := conf.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: got %v, want a token", err)
	}
	if tok.RefreshToken == "" || tok.Extra("id_token") == nil || tok.Extra("scope") != "openid offline_access read:messages" {
		t.Errorf("token: got refresh %v, id_token %v, scope %v; want both and the granted scope", tok.RefreshToken != "", tok.Extra("id_token") != nil, tok.Extra("scope"))
	}

	expired := *tok
	expired.Expiry = time.Now().Add(-time.Hour)
	renewed, err := conf.TokenSource(t.Context(), &expired).Token()
	if err != nil || renewed.AccessToken == "" || renewed.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh: got error %v and a rotated refresh token %v, want a new access and refresh token", err, renewed != nil && renewed.RefreshToken != tok.RefreshToken)
	}
}
