// Package domain holds the messages this service serves and the rule that
// decides which caller may read which. It knows nothing of HTTP, JWTs or Fx:
// callers hand it the claims of an already verified token, or none at all.
package domain

import (
	"errors"
	"slices"
)

// ScopeReadMessages is the scope a caller needs to read the scoped message.
const ScopeReadMessages = "read:messages"

// The quickstart's exact messages; clients compare them byte for byte.
const (
	publicText        = "Hello from a public endpoint! You don't need to be authenticated to see this."
	privateText       = "Hello from a private endpoint! You need to be authenticated to see this."
	privateScopedText = "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this."
)

// Claims are the facts about a caller taken from a verified access token.
type Claims struct {
	// Subject identifies the caller (for the client-credentials grant,
	// "CLIENT_ID@clients").
	Subject string
	// Scopes are the granted scopes, each matched exactly and case-sensitively.
	Scopes []string
}

// HasScope reports whether the claims grant scope, compared exactly.
func (c *Claims) HasScope(scope string) bool {
	return c != nil && slices.Contains(c.Scopes, scope)
}

// Message is what a caller is allowed to read.
type Message struct {
	Text string
}

// ErrNotAuthenticated means the caller presented no verified claims.
var ErrNotAuthenticated = errors.New("authentication required")

// MissingScopeError means the caller is authenticated but lacks Scope.
type MissingScopeError struct {
	Scope string
}

func (e *MissingScopeError) Error() string {
	return "missing required scope " + e.Scope
}

// PublicMessage is readable by anyone.
func PublicMessage() Message {
	return Message{Text: publicText}
}

// PrivateMessage needs an authenticated caller; claims is nil when there is none.
func PrivateMessage(claims *Claims) (Message, error) {
	if claims == nil {
		return Message{}, ErrNotAuthenticated
	}
	return Message{Text: privateText}, nil
}

// PrivateScopedMessage needs an authenticated caller granted ScopeReadMessages.
func PrivateScopedMessage(claims *Claims) (Message, error) {
	if claims == nil {
		return Message{}, ErrNotAuthenticated
	}
	if !claims.HasScope(ScopeReadMessages) {
		return Message{}, &MissingScopeError{Scope: ScopeReadMessages}
	}
	return Message{Text: privateScopedText}, nil
}
