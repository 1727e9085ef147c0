package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/adapters/config"
)

// TestEffectiveRevealsNoSecret: whatever carries a credential into the
// config (a dev client's secret or user's password from a file, OTLP
// headers, an OTLP endpoint's user information, other tools' variables, a
// mistyped variable) appears neither in the effective config the started
// line logs nor in the unknown-variable warnings.
func TestEffectiveRevealsNoSecret(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte(`dev_tenant:
  clients:
    - id: own-client
      secret: S3CRET-client
      scopes: [read:messages]
  users:
    - username: own-user
      password: S3CRET-password
      permissions: []
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dev     bool
		file    string
		environ []string
	}{
		{"dev clients and users from a file", true, file, nil},
		{"the same without -dev", false, file, base},
		{"OTLP headers", false, "", append(slices.Clone(base), "OTEL_EXPORTER_OTLP_ENDPOINT=https://collector:4318",
			"OTEL_EXPORTER_OTLP_HEADERS=x-api-key=S3CRET-key", "OTEL_EXPORTER_OTLP_TRACES_HEADERS=authorization=Basic%20S3CRET")},
		{"OTLP endpoint credentials, refused", false, "", append(slices.Clone(base),
			"OTEL_EXPORTER_OTLP_ENDPOINT=https://S3CRET-user:S3CRET-pw@collector:4318")},
		{"AUTH0_DOMAIN credentials, refused", false, "", []string{"AUTH0_DOMAIN=https://S3CRET-user:S3CRET-pw@example.eu.auth0.com", "AUTH0_AUDIENCE=https://api.example.com"}},
		{"other tools' secrets", false, "", append(slices.Clone(base), "AUTH0_CLIENT_SECRET=S3CRET-a", "AUTH0_API_TOKEN=S3CRET-b", "AUTH0_SECRET=S3CRET-c")},
		{"a mistyped secret variable", false, "", append(slices.Clone(base), "AUTH0_CLIENT_SECRETS=S3CRET-typo", "HTTP_PASSWORD=S3CRET-pw")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(tt.dev, tt.file, tt.environ)
			got := fmt.Sprint(err) // a refusal must not repeat it either
			if err == nil {
				got = fmt.Sprint(c.Effective(), c.UnknownEnv())
			}
			if strings.Contains(got, "S3CRET") {
				t.Errorf("got %s, want no secret", got)
			}
		})
	}
}
