package authtest

import (
	"go.uber.org/fx"

	"github.com/example/messages-api/internal/ports"
)

// Module provides v as the app's ports.TokenVerifier, in place of the
// auth0 module, and as *Verifier so tests can steer it.
func Module(v *Verifier) fx.Option {
	return fx.Module("authtest",
		fx.Supply(fx.Annotate(v, fx.As(fx.Self()), fx.As(new(ports.TokenVerifier)))),
	)
}
