package auth0

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestJWKSURIRefusalHidesCredentials: a discovery document's jwks_uri
// refused for any reason is logged without its user information, query or
// fragment (where a credential may be), and the rest of it still shows what
// was wrong.
func TestJWKSURIRefusalHidesCredentials(t *testing.T) {
	t.Parallel()
	ks := &KeySource{tenant: MustTenant(t, "https://tenant.example/", false, 0)}
	tests := []struct {
		name, uri, want string
	}{
		{"user and password", "https://u:S3CRET@tenant.example/.well-known/jwks.json", `"https://REDACTED@tenant.example/.well-known/jwks.json" must not have user info`},
		{"user only", "https://S3CRET@tenant.example/jwks", `"https://REDACTED@tenant.example/jwks"`},
		{"an @ in the path is no user information", "http://tenant.example/keys@1", `"http://tenant.example/keys@1" is not https`},
		{"a signature in the query", "http://tenant.example/jwks?sig=S3CRET", `"http://tenant.example/jwks?REDACTED" is not https`},
		{"a fragment", "https://tenant.example/jwks#S3CRET", `"https://tenant.example/jwks#REDACTED" must not have user info or a fragment`},
		{"unparsable, with user information", "https://u:S3CRET@tenant.example:bad/jwks", `"https://REDACTED@tenant.example:bad/jwks" is not an absolute URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ks.checkJWKSURI(tt.uri)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if strings.Contains(err.Error(), "S3CRET") {
				t.Errorf("got %q, want it without the credential", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it containing %s", err, tt.want)
			}
		})
	}
}

// TestAcceptedJWKSURIHidesCredentials: a jwks_uri accepted with a query
// (where a signature or an API key may be) is never repeated whole, in the
// error a failed fetch returns or in any log line, whatever went wrong.
func TestAcceptedJWKSURIHidesCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		jwks func(tn *ksTenant) http.HandlerFunc
	}{
		{"discovered, then status 500", func(*ksTenant) http.HandlerFunc { return status(http.StatusInternalServerError) }},
		{"a redirect", func(*ksTenant) http.HandlerFunc { return status(http.StatusFound) }},
		{"Content-Length over the cap", func(*ksTenant) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", "2000000")
				w.Write(make([]byte, 2000000))
			}
		}},
		{"no JSON", func(*ksTenant) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>")) }
		}},
		{"no usable key", func(*ksTenant) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.Write(jwksJSON(with(jwk("kid-a", keyA()), "use", "enc")))
			}
		}},
		// The client's own error (*url.Error) quotes the URL it was given.
		{"the connection closed without an answer", func(*ksTenant) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t)
			tn.setDiscovery(func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, map[string]any{"issuer": tn.issuer, "jwks_uri": tn.jwksURL() + "?sig=S3CRET"})
			})
			tn.setJWKS(tt.jwks(tn))
			core, logs := observer.New(zapcore.DebugLevel)
			ks, err := NewKeySource(MustTenant(t, tn.issuer, false, 0), KeySourceConfig{FetchTimeout: hang}, tn.srv.Client(), zap.New(core))
			if err != nil {
				t.Fatalf("NewKeySource: got error %v, want nil", err)
			}
			t.Cleanup(ks.Stop)
			_, err = ks.Key(context.Background(), "kid-a")
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if strings.Contains(err.Error(), "S3CRET") {
				t.Errorf("got error %q, want it without the query", err)
			}
			if !strings.Contains(err.Error(), "?REDACTED") {
				t.Errorf("got error %q, want it naming the jwks_uri with its query REDACTED", err)
			}
			for _, e := range logs.All() {
				if line := e.Message + fmt.Sprint(e.ContextMap()); strings.Contains(line, "S3CRET") {
					t.Errorf("got log line %q, want it without the query", line)
				}
			}
		})
	}
}
