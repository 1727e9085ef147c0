package devtenant

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

// tokenCase is a token request: its body, media type and optional Basic auth.
type tokenCase struct {
	name        string
	contentType string
	body        string
	basic       *[2]string // raw Basic user and password, already encoded as the client sends them
	header      http.Header
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func jsonBody(t *testing.T, kv ...string) string {
	t.Helper()
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	ctForm = "application/x-www-form-urlencoded"
	ctJSON = "application/json"
)

func postToken(t *testing.T, tn *Tenant, tc tokenCase) response {
	t.Helper()
	return sendToken(t, tn, http.MethodPost, "oauth/token", strings.NewReader(tc.body), tc)
}

// sendToken sends tc's media type, Basic auth and headers with body, by
// method to path under the tenant's issuer.
func sendToken(t *testing.T, tn *Tenant, method, path string, body io.Reader, tc tokenCase) response {
	t.Helper()
	req := newRequest(t, method, tn.Issuer()+path, body)
	if tc.contentType != "" {
		req.Header.Set("Content-Type", tc.contentType)
	}
	if tc.basic != nil {
		req.SetBasicAuth(tc.basic[0], tc.basic[1])
	}
	for k, v := range tc.header {
		req.Header[k] = v
	}
	return do(t, req)
}

// verifyToken checks the compact JWS signature with pub and returns the
// decoded header and claims.
func verifyToken(t *testing.T, token string, pub *rsa.PublicKey) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token: got %d dot-separated parts, want 3", len(parts))
	}
	seg := func(i int) []byte {
		if strings.ContainsAny(parts[i], "=+/") {
			t.Errorf("token part %d: got %q, want unpadded base64url", i, parts[i])
		}
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("token part %d: %v", i, err)
		}
		return b
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], seg(2)); err != nil {
		t.Errorf("signature: got %v, want it to verify with the JWKS key", err)
	}
	return decodeJSON(t, seg(0)), decodeJSON(t, seg(1))
}
