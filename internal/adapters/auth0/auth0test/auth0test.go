// Package auth0test signs Auth0-shaped RS256 access tokens with a real RSA
// key, for tests and benchmarks of the auth0 verifier and of the HTTP stack
// around it.
package auth0test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

var sharedKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// Signer issues tokens for one tenant and audience under one kid.
type Signer struct {
	Issuer   string
	Audience string
	Kid      string
	Private  *rsa.PrivateKey
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

// Sign returns a compact RS256 JWS of claims.
func (s *Signer) Sign(claims map[string]any) (string, error) {
	enc := base64.RawURLEncoding
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": s.Kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.Private, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return input + "." + enc.EncodeToString(sig), nil
}

// Key implements auth0.KeyFinder with the signer's one key.
func (s *Signer) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	if kid != s.Kid {
		return nil, errors.New("auth0test: unknown kid")
	}
	return &s.Private.PublicKey, nil
}
