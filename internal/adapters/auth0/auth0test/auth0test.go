// Package auth0test signs Auth0-shaped RS256 access tokens with a real RSA
// key, for tests and benchmarks of the auth0 verifier and of the HTTP stack
// around it.
package auth0test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"sync"
	"time"

	"github.com/example/messages-api/internal/adapters/devtenant"
)

var sharedKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// Signer issues tokens for one tenant and audience under one kid.
type Signer struct {
	Issuer   string
	Audience string
	Kid      string
	Private  *rsa.PrivateKey

	mu      sync.Mutex
	jose    *devtenant.Signer // for joseKey and joseKid
	joseKey *rsa.PrivateKey
	joseKid string
}

// NewSigner returns a signer with an RSA-2048 key shared by the whole test
// binary (generating one takes a while).
func NewSigner(issuer, audience, kid string) (*Signer, error) {
	k, err := sharedKey()
	if err != nil {
		return nil, err
	}
	return &Signer{Issuer: issuer, Audience: audience, Kid: kid, Private: k}, nil
}

// Claims returns Auth0's client-credentials claim shape for a client.
func (s *Signer) Claims(clientID, scope string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"iss": s.Issuer, "sub": clientID + "@clients", "aud": s.Audience,
		"iat": now, "exp": now + 86400, "azp": clientID, "gty": "client-credentials", "scope": scope,
	}
}

// Sign returns a compact RS256 JWS of claims, signed by the dev tenant's
// signer, so tests and the dev tenant produce the same token shape.
func (s *Signer) Sign(claims map[string]any) (string, error) {
	s.mu.Lock()
	if s.jose == nil || s.joseKey != s.Private || s.joseKid != s.Kid {
		// Built once per key and kid, which callers may change.
		signer, err := devtenant.NewSigner(s.Private, s.Kid)
		if err != nil {
			s.mu.Unlock()
			return "", err
		}
		s.jose, s.joseKey, s.joseKid = signer, s.Private, s.Kid
	}
	signer := s.jose
	s.mu.Unlock()
	return signer.Sign(claims)
}

// Key implements auth0.KeyFinder with the signer's one key.
func (s *Signer) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	if kid != s.Kid {
		return nil, errors.New("auth0test: unknown kid")
	}
	return &s.Private.PublicKey, nil
}
