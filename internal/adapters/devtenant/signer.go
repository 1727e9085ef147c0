package devtenant

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"
)

// Signer signs JWTs as compact RS256 JWS (RFC 7515) with one RSA key under
// one kid, the way Auth0 signs access and ID tokens. The dev tenant and the
// test helpers (auth0test) share it.
type Signer struct {
	signer jose.Signer
	kid    string
	jwks   []byte
}

// NewSigner returns a Signer for key under kid. The header is
// {"alg":"RS256","kid":kid,"typ":"JWT"}. It fails when go-jose refuses the
// key (one it cannot sign RS256 with).
func NewSigner(key *rsa.PrivateKey, kid string) (*Signer, error) {
	s, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, fmt.Errorf("devtenant: signer: %w", err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &key.PublicKey, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig",
	}}})
	if err != nil {
		return nil, fmt.Errorf("devtenant: encode JWKS: %w", err)
	}
	return &Signer{signer: s, kid: kid, jwks: jwks}, nil
}

// Sign returns the compact JWS of claims encoded as JSON.
func (s *Signer) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("devtenant: encode claims: %w", err)
	}
	jws, err := s.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("devtenant: sign: %w", err)
	}
	return jws.CompactSerialize()
}

// Kid is the key id in every header.
func (s *Signer) Kid() string { return s.kid }

// JWKS is the JSON Web Key Set (RFC 7517) of the public key.
func (s *Signer) JWKS() []byte { return s.jwks }

// Thumbprint is the RFC 7638 SHA-256 thumbprint of the public key,
// base64url: a kid that stays the same as long as the key does.
func Thumbprint(key *rsa.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: key}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}
