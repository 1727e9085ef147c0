package authtest

import (
	"errors"

	"go.uber.org/fx"

	"github.com/example/messages-api/internal/ports"
)

// Module provides v as the app's ports.TokenVerifier, in place of the
// auth0 module, and as *Verifier so tests can steer it. A nil v is an
// error of the graph (fx.ValidateApp reports it).
func Module(v *Verifier) fx.Option {
	if v == nil { // gate: Fx would supply it, and every private request would panic into a 500
		return fx.Error(errors.New("authtest: Module needs a verifier: authtest.New(tokens), or authtest.New(nil) to accept none"))
	}
	return fx.Module("authtest",
		fx.Supply(fx.Annotate(v, fx.As(fx.Self()), fx.As(new(ports.TokenVerifier)))),
	)
}
