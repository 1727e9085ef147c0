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

// TestEffectiveKeepsTypes: the startup line's config holds a setting from
// the environment with the type of its default (a number stays a number),
// so a log pipeline never sees one field as a number here and a string there.
func TestEffectiveKeepsTypes(t *testing.T) {
	c, err := config.Load(false, "", append(slices.Clone(base), "PORT=8080", "AUTH0_PERMISSIONS=true", "JWKS_FETCH_TIMEOUT=2s", "HTTP_REALM=api",
		"HTTP_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.7"))
	if err != nil {
		t.Fatal(err)
	}
	eff := c.Effective()
	dev, err := config.Load(true, "", []string{"HOST=[::1]", "DEV_TENANT_ADDR=localhost:4011"})
	if err != nil {
		t.Fatal(err)
	}
	// What dev mode and the loader adjust is logged as used.
	for key, want := range map[string]string{"http.handler.cors.allowed_origins": "[http://localhost:3000 http://127.0.0.1:3000]",
		"http.host": "::1", "dev_tenant.addr": "127.0.0.1:4011", "dev_tenant.usernames": "[reader nobody]",
		"auth0.domain": "http://127.0.0.1:4011", "auth0.audiences": "[https://messages-api.dev]"} {
		if got := fmt.Sprint(dev.Effective()[key]); got != want {
			t.Errorf("dev mode: got %s %s, want %s", key, got, want)
		}
	}
	// No exporter, no endpoint: the startup line says what is used.
	if got, ok := eff["tracing.endpoint"]; ok {
		t.Errorf("got tracing.endpoint %v with tracing off, want none", got)
	}
	for key, want := range map[string]any{"http.port": 8080, "auth0.permissions": true, "keys.fetch_timeout": "2s", "http.handler.realm": "api"} {
		if got := eff[key]; got != want {
			t.Errorf("got %s %#v, want %#v", key, got, want)
		}
	}
	// A list from the environment is logged as a list, as a file's is.
	for key, want := range map[string]string{"auth0.audiences": `[]string{"https://api.example.com"}`,
		"http.handler.trusted_proxies": `[]string{"10.0.0.0/8", "192.168.1.7"}`} {
		if got := fmt.Sprintf("%#v", eff[key]); got != want {
			t.Errorf("got %s %s, want %s", key, got, want)
		}
	}
	// A file may leave a setting empty for the environment to set, or quote
	// a number: the logged value still has the default's type.
	for _, tt := range []struct {
		name, file string
		environ    []string
		key        string
		want       any
	}{
		{"file leaves port empty, PORT sets it", "http:\n  port:\n", []string{"PORT=8080"}, "http.port", 8080},
		{"file quotes the number", "http:\n  port: \"8080\"\n", nil, "http.port", 8080},
		// The decoder trims a string before it reads a number or a bool.
		{"file quotes the number with spaces", "http:\n  port: \" 8080 \"\n", nil, "http.port", 8080},
		{"file quotes the bool with spaces", "auth0:\n  permissions: \" true \"\n", nil, "auth0.permissions", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(false, writeFile(t, tt.file), append(slices.Clone(base), tt.environ...))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Effective()[tt.key]; got != tt.want {
				t.Errorf("got %s %#v, want %#v", tt.key, got, tt.want)
			}
		})
	}
}

func TestEffectiveHasNoSecrets(t *testing.T) {
	c, err := config.Load(true, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	eff := c.Effective()
	if got := eff["keys.fetch_timeout"]; got != "5s" {
		t.Errorf("got keys.fetch_timeout %v, want 5s", got)
	}
	text := fmt.Sprint(eff)
	for _, cl := range c.DevTenant.Clients {
		if cl.Secret != "" && strings.Contains(text, cl.Secret) {
			t.Errorf("got the secret of client %s in the effective config", cl.ID)
		}
		if !strings.Contains(text, cl.ID) {
			t.Errorf("got no client id %s in the effective config, want it", cl.ID)
		}
	}
	for _, u := range c.DevTenant.Users {
		if strings.Contains(text, u.Password) {
			t.Errorf("got the password of user %s in the effective config", u.Username)
		}
	}
}
