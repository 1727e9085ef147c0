package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	"golang.org/x/oauth2"
)

// loginSource is the token source of -login: it renews the token with its
// refresh token when it has one, and otherwise (or when the tenant refuses
// the refresh token: spent, revoked or expired) logs the user in again.
// oauth2.ReuseTokenSourceWithExpiry sits in front of it.
type loginSource struct {
	ctx     context.Context // carries the HTTP client (oauth2.HTTPClient)
	o       *options
	browser browser // nil with -no-browser
	log     io.Writer
	refresh string // the refresh token in hand; rotated on every use
	issued  int    // tokens fetched in this run
}

func (s *loginSource) Token() (*oauth2.Token, error) {
	if s.refresh != "" {
		t, err := loginConfig(s.o, "").TokenSource(s.ctx, &oauth2.Token{RefreshToken: s.refresh}).Token()
		if err == nil {
			return s.got(t, "renewed the access token with the refresh token")
		}
		re, ok := errors.AsType[*oauth2.RetrieveError](err)
		if !ok || re.ErrorCode != "invalid_grant" {
			return nil, err
		}
		// Spent, revoked (a reused one revokes its whole family) or
		// expired: only a new login helps.
		fmt.Fprintf(s.log, "messages: the tenant refused the refresh token (%s); logging in again\n", clean(re.ErrorDescription))
		s.refresh = ""
	}
	t, err := login(s.ctx, s.o, s.browser, s.log)
	if err != nil {
		return nil, err
	}
	return s.got(t, "logged in")
}

func (s *loginSource) fetched() int { return s.issued }

func (s *loginSource) got(t *oauth2.Token, what string) (*oauth2.Token, error) {
	if err := usable(t); err != nil {
		return nil, err
	}
	// A tenant that does not rotate answers a refresh with no refresh
	// token: oauth2 then returns the one it sent, still valid.
	s.refresh = t.RefreshToken
	s.issued++
	scope, _ := t.Extra("scope").(string)
	renew := "no refresh token: ask for scope offline_access to renew without a login"
	if t.RefreshToken != "" {
		renew = "renewable with its refresh token"
	}
	fmt.Fprintf(s.log, "messages: %s as client %q (audience %s, scope %q, expires in %s, %s)\n",
		what, s.o.clientID, s.o.audience, clean(scope), expiresIn(t), renew)
	return t, nil
}

// explainLoginError says what went wrong with -login and what to change.
func explainLoginError(err error, o *options) string {
	re, ok := errors.AsType[*oauth2.RetrieveError](err)
	if !ok {
		switch {
		case errors.Is(err, context.Canceled):
			return "interrupted while logging in"
		case errors.Is(err, syscall.ECONNREFUSED):
			return fmt.Sprintf("cannot log in: %v%s", err, tenantRefusedHint)
		}
		return "cannot log in: " + err.Error()
	}
	code, _, said := oauthError(re)
	if code != "" && notFound(re) {
		return noTokenEndpoint(re, o, said)
	}
	switch code {
	case "invalid_grant":
		return fmt.Sprintf("the tenant refused the authorization code or refresh token (%s); run the command again to log in", said)
	case "invalid_client", "unauthorized_client":
		return fmt.Sprintf("the tenant refused the client %q for a user login (%s): set %s to a Native "+
			"application's client id, with the Authorization Code grant and http://127.0.0.1 among its Allowed Callback URLs", o.clientID, said, o.setting("client-id"))
	case "":
		return notOAuth(re, o)
	default:
		return fmt.Sprintf("the tenant refused the token request (%s)", said)
	}
}
