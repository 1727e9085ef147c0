package app_test

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/admin"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/browsertest"
)

// leakMark is in every credential the leak test sends: no log line, span,
// metric or response may hold it.
const leakMark = "S3CRETMARK"

// TestNoCredentialLeavesTheApp runs the whole dev app (the dev tenant and
// the real auth0 verifier against its JWKS, RSA keys and all) with the
// production JSON logs and every span recorded, and sends credentials
// every way a client can put them where they do not belong: headers the
// access line reads, paths, queries, bodies, cookies, odd Authorization
// headers and tokens whose header and claims carry log-injection payloads,
// and wrong secrets to the dev tenant. Each gets its specific status, never
// a 5xx; afterwards no response, log line, span or metric holds a
// credential, and every log line is one JSON object.
func TestNoCredentialLeavesTheApp(t *testing.T) {
	cfg := browsertest.DevConfig(t)
	var out bytes.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(app.EncoderConfig()), zapcore.Lock(zapcore.AddSync(&out)), zap.DebugLevel))
	exp := tracetest.NewInMemoryExporter()
	var (
		srv    *httpapi.Server
		tenant *devtenant.Tenant
		adm    *admin.Server
	)
	a := fxtest.New(t, app.Options(cfg, log, app.Production),
		fx.Decorate(func(*tracing.Provider) *tracing.Provider { return tracing.NewWithExporter(exp) }),
		fx.Populate(&srv, &tenant, &adm))
	a.RequireStart()
	t.Cleanup(a.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
	api, iss := "http://"+srv.Addr().String(), tenant.Issuer()

	devKey, kid := devSigningKey(t, cfg.DevTenant.KeyFile, iss)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	claims := func(iss, aud, sub string, exp int64, extra string) string {
		return fmt.Sprintf(`{"iss":%s,"sub":%s,"aud":%s,"iat":%d,"exp":%d%s}`, quote(iss), quote(sub), quote(aud), now, exp, extra)
	}
	header := func(kid string) string { return `{"alg":"RS256","typ":"JWT","kid":` + quote(kid) + `}` }
	aud, day := cfg.DevTenant.Audience, now+86400
	// A token the tenant could have signed: valid, its claims a JWS apart from leakMark.
	valid := signJWS(t, devKey, header(kid), claims(iss, aud, "reader@clients", day, `,"scope":"read:messages","x":"`+leakMark+`"`))
	inject := "\n{\"level\":\"error\",\"msg\":\"forged\"}\x1b[31m\"'\\" + leakMark

	form := [2]string{"Content-Type", "application/x-www-form-urlencoded"}
	bearer := func(tok string) [2]string { return [2]string{"Authorization", "Bearer " + tok} }
	basic := func(user, pass string) [2]string {
		return [2]string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
	}
	tests := []struct {
		name, method, url string
		headers           [][2]string
		body              string
		wantStatus        int
	}{
		{"the token in the User-Agent", "GET", api + "/api/public", [][2]string{{"User-Agent", "app/1.0 Bearer " + valid}}, "", 200},
		{"a JWT in the User-Agent", "GET", api + "/api/public", [][2]string{{"User-Agent", "app/1.0 (" + valid + ")"}}, "", 200},
		{"the token in the Referer", "GET", api + "/api/public", [][2]string{{"Referer", "https://app.example/?access_token=" + valid}}, "", 200},
		{"the token in X-Forwarded-For", "GET", api + "/api/public", [][2]string{{"X-Forwarded-For", valid}}, "", 200},
		{"the token in traceparent", "GET", api + "/api/public", [][2]string{{"traceparent", "00-" + valid}}, "", 200},
		{"the token in a cookie", "GET", api + "/api/private", [][2]string{{"Cookie", "token=" + valid}}, "", 401},
		{"the token in a path segment", "GET", api + "/api/private/" + valid, [][2]string{bearer(valid)}, "", 404},
		{"the token in another query key", "GET", api + "/api/private?token=" + valid, nil, "", 401},
		{"the token in access_token", "GET", api + "/api/private?access_token=" + valid, nil, "", 401},
		{"the token in a form body", "POST", api + "/api/private", [][2]string{form}, "access_token=" + valid, 405},
		{"a Basic credential", "GET", api + "/api/private", [][2]string{basic("user", leakMark)}, "", 401},
		{"an odd scheme's case and a tab", "GET", api + "/api/private", [][2]string{{"Authorization", "bEaReR\t" + leakMark}}, "", 401},
		{"two Authorization headers", "GET", api + "/api/private", [][2]string{bearer(valid), bearer(leakMark)}, "", 400},
		{"a token over the cap", "GET", api + "/api/private", [][2]string{bearer(leakMark + strings.Repeat("A", 9000))}, "", 401},
		{"a token of invalid UTF-8", "GET", api + "/api/private", [][2]string{bearer(leakMark + "\xff\xfe")}, "", 401},
		{"an injection in the kid", "GET", api + "/api/private", [][2]string{bearer(signJWS(t, otherKey, header(inject), claims(iss, aud, "x", day, "")))}, "", 401},
		{"an injection in iss", "GET", api + "/api/private", [][2]string{bearer(signJWS(t, otherKey, header(kid), claims(inject, aud, "x", day, "")))}, "", 401},
		{"an injection in aud", "GET", api + "/api/private", [][2]string{bearer(signJWS(t, otherKey, header(kid), claims(iss, inject, "x", day, "")))}, "", 401},
		{"an injection in scope", "GET", api + "/api/private-scoped", [][2]string{bearer(signJWS(t, devKey, header(kid), claims(iss, aud, "x", day, `,"scope":`+quote(inject))))}, "", 403},
		{"a bad signature", "GET", api + "/api/private", [][2]string{bearer(signJWS(t, otherKey, header(kid), claims(iss, aud, leakMark, day, "")))}, "", 401},
		{"expired", "GET", api + "/api/private", [][2]string{bearer(signJWS(t, devKey, header(kid), claims(iss, aud, "x", now-3600, `,"x":"`+leakMark+`"`)))}, "", 401},
		{"a jku to follow", "GET", api + "/api/private", [][2]string{bearer(signJWS(t, otherKey, `{"alg":"RS256","kid":"k","jku":"http://127.0.0.1:1/`+leakMark+`"}`, claims(iss, aud, "x", day, "")))}, "", 401},
		{"valid", "GET", api + "/api/private-scoped", [][2]string{bearer(valid)}, "", 200},
		{"valid, from an origin", "GET", api + "/api/private", [][2]string{bearer(valid), {"Origin", "http://" + leakMark + ".example"}}, "", 200},

		{"a wrong client secret", "POST", iss + "oauth/token", [][2]string{form}, "grant_type=client_credentials&client_id=dev-reader&client_secret=" + leakMark + "&audience=" + aud, 401},
		{"the secret as client id", "POST", iss + "oauth/token", [][2]string{form}, "grant_type=client_credentials&client_id=" + leakMark + "&client_secret=x", 401},
		{"a wrong secret in Basic", "POST", iss + "oauth/token", [][2]string{form, basic("dev-reader", leakMark)}, "grant_type=client_credentials&audience=" + aud, 401},
		{"the secret in the URL", "POST", iss + "oauth/token?client_secret=" + leakMark, [][2]string{form}, "grant_type=client_credentials", 400},
		{"an unknown refresh token", "POST", iss + "oauth/token", [][2]string{form}, "grant_type=refresh_token&client_id=dev-cli&refresh_token=" + leakMark, 400},
		{"a public client's secret", "POST", iss + "oauth/token", [][2]string{form}, "grant_type=refresh_token&client_id=dev-cli&client_secret=" + leakMark + "&refresh_token=x", 400},
		{"a wrong secret in JSON", "POST", iss + "oauth/token", [][2]string{{"Content-Type", "application/json"}}, `{"grant_type":"client_credentials","client_id":"dev-reader","client_secret":"` + leakMark + `"}`, 401},
		{"a password as username", "POST", iss + "authorize", [][2]string{form}, "username=" + leakMark + "&password=" + leakMark, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			for _, h := range tt.headers {
				req.Header.Add(h[0], h[1])
			}
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d (%.200s)", resp.StatusCode, tt.wantStatus, body)
			}
			var head strings.Builder
			_ = resp.Header.Write(&head)
			if holdsCredential(string(body)+head.String(), valid) {
				t.Errorf("got a response holding a credential:\n%s\n%s", head.String(), body)
			}
		})
	}

	_, metrics := call(t, "http://"+adm.Addr().String()+"/metrics", "")
	a.RequireStop() // no line is written after this
	for sc := bufio.NewScanner(&out); sc.Scan(); {
		if !json.Valid(sc.Bytes()) {
			t.Errorf("got a log line that is not one JSON object: %s", sc.Text())
		}
		if holdsCredential(sc.Text(), valid) {
			t.Errorf("got a log line holding a credential: %s", sc.Text())
		}
	}
	for _, s := range exp.GetSpans() {
		if seen := fmt.Sprintf("%s %v %v %v %v", s.Name, s.Attributes, s.Events, s.Links, s.Status); holdsCredential(seen, valid) {
			t.Errorf("got a span holding a credential: %s", seen)
		}
	}
	if holdsCredential(metrics, valid) {
		t.Error("got metrics holding a credential")
	}
}

// holdsCredential reports whether s holds leakMark or the start of the
// claims of token, which every token here signed by the tenant shares (a
// token cut short still gives its claims away).
func holdsCredential(s, token string) bool {
	claims := token[strings.IndexByte(token, '.')+1:]
	return strings.Contains(s, leakMark) || strings.Contains(s, claims[:32])
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// signJWS is the compact RS256 JWS of header and claims as given, byte for
// byte, signed with key.
func signJWS(t *testing.T, key *rsa.PrivateKey, header, claims string) string {
	t.Helper()
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// devSigningKey reads the dev tenant's key from its file, and its kid from
// the tenant's JWKS.
func devSigningKey(t *testing.T, path, issuer string) (*rsa.PrivateKey, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s holds no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("got a %T dev key, want RSA", k)
	}
	_, body := call(t, issuer+".well-known/jwks.json", "")
	var jwks struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal([]byte(body), &jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("got JWKS %s, want one key", body)
	}
	return key, jwks.Keys[0].Kid
}
