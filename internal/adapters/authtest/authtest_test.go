package authtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/fx"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// TestVerifier: what each token gets, after each way of making the fake
// fail: the given tokens pass, others are malformed, Refuse fails one
// token, Fail every token and wins over Refuse, nil undoes either.
func TestVerifier(t *testing.T) {
	expired := ports.Invalid(ports.ReasonExpired, "the token has expired")
	tests := []struct {
		name    string
		setup   func(v *authtest.Verifier)
		token   string
		wantSub string // "" when Verify fails
		wantErr error
	}{
		{"a given token", func(*authtest.Verifier) {}, "reader", "auth0|reader", nil},
		{"an added token", func(v *authtest.Verifier) { v.Add("other", domain.Claims{Subject: "auth0|other"}) }, "other", "auth0|other", nil},
		{"an unknown token", func(*authtest.Verifier) {}, "nobody", "", ports.Invalid(ports.ReasonMalformed, "unknown test token")},
		{"the refused token", func(v *authtest.Verifier) { v.Refuse("reader", expired) }, "reader", "", expired},
		{"another token while one is refused", func(v *authtest.Verifier) { v.Refuse("writer", expired) }, "reader", "auth0|reader", nil},
		{"a refusal undone", func(v *authtest.Verifier) { v.Refuse("reader", expired); v.Refuse("reader", nil) }, "reader", "auth0|reader", nil},
		{"Fail wins over Refuse", func(v *authtest.Verifier) { v.Refuse("reader", expired); v.Fail(ports.ErrKeysUnavailable) }, "reader", "", ports.ErrKeysUnavailable},
		{"Fail undone", func(v *authtest.Verifier) { v.Fail(ports.ErrKeysUnavailable); v.Fail(nil) }, "reader", "auth0|reader", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := authtest.New(map[string]domain.Claims{
				"reader": {Subject: "auth0|reader"},
				"writer": {Subject: "auth0|writer"},
			})
			tt.setup(v)
			c, err := v.Verify(context.Background(), tt.token)
			if c.Subject != tt.wantSub {
				t.Errorf("got subject %q, want %q", c.Subject, tt.wantSub)
			}
			var invalid, wantInvalid *ports.InvalidTokenError
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("got error %v, want none", err)
			case errors.As(tt.wantErr, &wantInvalid):
				if !errors.As(err, &invalid) || invalid.Reason != wantInvalid.Reason || invalid.Description != wantInvalid.Description {
					t.Errorf("got error %v, want %v", err, tt.wantErr)
				}
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestModuleRefusesNil: a nil verifier is an error of the graph, not an
// app whose every private request panics into a 500.
func TestModuleRefusesNil(t *testing.T) {
	for _, tt := range []struct {
		name    string
		v       *authtest.Verifier
		wantErr string
	}{
		{"a verifier", authtest.New(nil), ""},
		{"nil", nil, "authtest: Module needs a verifier"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := fx.ValidateApp(authtest.Module(tt.v), fx.Invoke(func(ports.TokenVerifier) {}))
			if got := fmt.Sprint(err); tt.wantErr == "" && err != nil || !strings.Contains(got, tt.wantErr) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}
