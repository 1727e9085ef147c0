package domain_test

import (
	"errors"
	"testing"

	"github.com/example/messages-api/internal/domain"
)

func TestMessages(t *testing.T) {
	const (
		public  = "Hello from a public endpoint! You don't need to be authenticated to see this."
		private = "Hello from a private endpoint! You need to be authenticated to see this."
		scoped  = "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this."
	)
	read := &domain.Claims{Subject: "c@clients", Scopes: []string{"read:messages"}}
	none := &domain.Claims{Subject: "c@clients"}
	tests := []struct {
		name      string
		read      func(*domain.Claims) (domain.Message, error)
		claims    *domain.Claims
		want      string
		wantErr   error
		wantScope string
	}{
		{"public without claims", wrap(domain.PublicMessage), nil, public, nil, ""},
		{"public with claims", wrap(domain.PublicMessage), read, public, nil, ""},
		{"private without claims", domain.PrivateMessage, nil, "", domain.ErrNotAuthenticated, ""},
		{"private with no scopes", domain.PrivateMessage, none, private, nil, ""},
		{"private with scope", domain.PrivateMessage, read, private, nil, ""},
		{"scoped without claims", domain.PrivateScopedMessage, nil, "", domain.ErrNotAuthenticated, ""},
		{"scoped with no scopes", domain.PrivateScopedMessage, none, "", nil, "read:messages"},
		{"scoped with scope", domain.PrivateScopedMessage, read, scoped, nil, ""},
		{"scoped among others", domain.PrivateScopedMessage, &domain.Claims{Scopes: []string{"openid", "read:messages", "write:messages"}}, scoped, nil, ""},
		{"scoped upper case", domain.PrivateScopedMessage, &domain.Claims{Scopes: []string{"READ:MESSAGES"}}, "", nil, "read:messages"},
		{"scoped prefix", domain.PrivateScopedMessage, &domain.Claims{Scopes: []string{"read:messages:all"}}, "", nil, "read:messages"},
		{"scoped whole string", domain.PrivateScopedMessage, &domain.Claims{Scopes: []string{"read:messages write:messages"}}, "", nil, "read:messages"},
		{"scoped empty scope", domain.PrivateScopedMessage, &domain.Claims{Scopes: []string{""}}, "", nil, "read:messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read(tt.claims)
			if got.Text != tt.want {
				t.Errorf("got message %q, want %q", got.Text, tt.want)
			}
			var missing *domain.MissingScopeError
			switch {
			case tt.wantScope != "":
				if !errors.As(err, &missing) || missing.Scope != tt.wantScope {
					t.Errorf("got error %v, want missing scope %q", err, tt.wantScope)
				}
				// Whoever logs the error learns which scope was missing.
				if want := "missing required scope " + tt.wantScope; err == nil || err.Error() != want {
					t.Errorf("got error text %v, want %q", err, want)
				}
			case !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil):
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// HasScope is exported: a nil *Claims (no caller) grants nothing.
func TestHasScope(t *testing.T) {
	tests := []struct {
		name   string
		claims *domain.Claims
		want   bool
	}{
		{"nil claims", nil, false},
		{"no scopes", &domain.Claims{}, false},
		{"granted", &domain.Claims{Scopes: []string{"read:messages"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.claims.HasScope(domain.ScopeReadMessages); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func wrap(f func() domain.Message) func(*domain.Claims) (domain.Message, error) {
	return func(*domain.Claims) (domain.Message, error) { return f(), nil }
}
