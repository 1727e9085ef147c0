package authtest_test

import (
	"context"
	"fmt"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// A test names its tokens and their claims, then steers the fake: Refuse
// one token (an expired one, here), Fail them all (the tenant's keys are
// out of reach). apptest.Start runs the whole app with it; the comments
// give the HTTP answer each outcome becomes there.
func Example() {
	v := authtest.New(map[string]domain.Claims{
		"reader":  {Subject: "reader@clients", Scopes: []string{"read:messages"}}, // 200 on every route
		"noscope": {Subject: "noscope@clients"},                                   // 403 insufficient_scope on /api/private-scoped
		"old":     {Subject: "old@clients", Scopes: []string{"read:messages"}},
	})
	// 401 invalid_token, error_description="the token has expired", log reason expired
	v.Refuse("old", ports.Invalid(ports.ReasonExpired, "the token has expired"))
	ctx := context.Background()
	// a token it was not given: 401 invalid_token, "unknown test token", reason malformed
	for _, token := range []string{"reader", "old", "never-given"} {
		c, err := v.Verify(ctx, token)
		fmt.Printf("%s: %q %v\n", token, c.Subject, err)
	}
	v.Fail(ports.ErrKeysUnavailable) // 503 with Retry-After, for every token
	_, err := v.Verify(ctx, "reader")
	fmt.Println("reader, after Fail:", err)
	fmt.Println("calls:", v.Calls())
	// Output:
	// reader: "reader@clients" <nil>
	// old: "" invalid token: expired: the token has expired
	// never-given: "" invalid token: malformed: unknown test token
	// reader, after Fail: verification keys unavailable
	// calls: 4
}
