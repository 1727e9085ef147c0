package config_test

import (
	"slices"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestQuotedListenerSaidOnce: a listen setting wrapped in quotes is one
// fault, its quotes, not also a host or host:port that cannot be.
func TestQuotedListenerSaidOnce(t *testing.T) {
	for _, tt := range []struct{ env, want string }{
		{`HOST="api.internal"`, "HOST (http.host, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{`HOST='::1'`, "HOST (http.host, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
		{`ADMIN_ADDR="127.0.0.1:9090"`, "ADMIN_ADDR (admin.addr, from the environment) is wrapped in quotes, which would be part of the value: remove them"},
	} {
		t.Run(tt.env, func(t *testing.T) {
			_, err := config.Load(false, "", append(slices.Clone(base), tt.env))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want exactly %q", err, tt.want)
			}
		})
	}
}
