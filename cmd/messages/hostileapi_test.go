package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestHostileAPIAnswer: whatever answers at the API's address, its status
// line, challenge and body reach the terminal without control characters
// (an escape sequence can retitle, clear or rewrite it), the readable part
// kept.
func TestHostileAPIAnswer(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, status, header, body string
		want                       []string // in stdout, in order
	}{
		{"OSC retitle after the JSON", "200 OK", "",
			"{\"message\":\"hi\"}\x1b]0;owned\x07\n", []string{"HTTP/1.1 200 OK\n", "{\"message\":\"hi\"}]0;owned\n"}},
		{"CSI clear screen and a fake prompt", "200 OK", "",
			"\x1b[2J\x1b[H$ sudo rm -rf /", []string{"[2J[H$ sudo rm -rf /\n"}},
		{"carriage return overwriting the line", "200 OK", "",
			"{\"message\":\"denied\"}\rOK                  \n", []string{"{\"message\":\"denied\"}OK"}},
		{"C1 CSI", "200 OK", "", "a\u009b2Jb\n", []string{"a2Jb\n"}},
		{"bidi override reordering the line", "200 OK", "", "{\"message\":\"\u202edeined\u202c\"}\n", []string{"{\"message\":\"deined\"}\n"}},
		{"DEL and NUL", "200 OK", "", "a\x7f\x00b\n", []string{"ab\n"}},
		{"invalid UTF-8", "200 OK", "", "a\xff\xfeb\n", []string{"a\ufffd\ufffdb\n"}},
		{"tabs and newlines kept", "200 OK", "", "a\tb\nc\n", []string{"a\tb\nc\n"}},
		{"escape in the reason phrase", "200 OK\x1b[2J", "",
			"{}\n", []string{"HTTP/1.1 200 OK[2J\n", "{}\n"}},
		{"C1 CSI in the challenge", "401 Unauthorized", "Bearer error=\"invalid_token\"\u009b2J",
			"{}\n", []string{"HTTP/1.1 401 Unauthorized\n", "WWW-Authenticate: Bearer error=\"invalid_token\"2J\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := rawHTTPServer(t, tt.status, tt.header, tt.body)
			r := runCmd(t, nil, "-dev", "-domain", f.tenantURL, "-api", api, "/api/private")
			if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07\r\x00\x7f\u009b\u202e\u202c") {
				t.Errorf("got output %q, want no control characters", r.stdout+r.stderr)
			}
			rest := r.stdout
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("got stdout %q, want %q in it (in order)", r.stdout, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

// rawHTTPServer answers every request on 127.0.0.1 with the status line,
// WWW-Authenticate header (when not empty) and body given, byte for byte:
// net/http's server would refuse to write most of them.
func rawHTTPServer(t *testing.T, status, challenge, body string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
				resp := "HTTP/1.1 " + status + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n"
				if challenge != "" {
					resp += "WWW-Authenticate: " + challenge + "\r\n"
				}
				_, _ = c.Write([]byte(resp + "\r\n" + body))
			}
			c.Close()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestClean: text a server chose reaches the terminal without C0, DEL or
// C1 characters (the terminal's escape sequences), line separators or bidi
// controls, and at most 300 runes long; everything else printable, from
// space to U+00A0 and beyond, is kept.
func TestClean(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name, in, want string
	}{
		{"printable ASCII kept", " ~azAZ09", " ~azAZ09"},
		{"C0 dropped, 0x1f included", "a\x00\x07\x1b\x1fb", "ab"},
		{"DEL dropped", "a\x7fb", "ab"},
		{"C1 dropped, from U+0080 to U+009F", "a\u0080\u009b\u009fb", "ab"},
		{"line and paragraph separators dropped", "a\u2028b\u2029c", "abc"},
		{"every bidi control dropped", "a\u061cb\u200ec\u200fd\u202ae\u202ef\u2066g\u2069h", "abcdefgh"},
		{"neighbours of the bidi controls kept", "\u061b\u200d\u2010\u2027\u202f\u2065\u206a", "\u061b\u200d\u2010\u2027\u202f\u2065\u206a"},
		{"U+00A0 and above kept", "a\u00a0\u00ffé€b", "a\u00a0\u00ffé€b"},
		{"300 runes kept whole", long, long},
		{"301 runes cut to 300", long + "x", long + "..."},
		{"control characters are not counted", "\x1b" + long, long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestExitCodeByStatus: exit 0 when every call answered 2xx, 1 otherwise;
// a redirect is an answer, not followed.
func TestExitCodeByStatus(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		status   string
		wantCode int
	}{
		{"200 OK", 0},
		{"204 No Content", 0},
		{"299 Unassigned", 0},
		{"300 Multiple Choices", 1},
		{"401 Unauthorized", 1},
		{"500 Internal Server Error", 1},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			api := rawHTTPServer(t, tt.status, "", "")
			r := runCmd(t, nil, "-dev", "-domain", f.tenantURL, "-api", api, "/api/private")
			if r.code != tt.wantCode {
				t.Errorf("got exit code %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if want := "HTTP/1.1 " + tt.status + "\n"; r.stdout != want {
				t.Errorf("got stdout %q, want %q", r.stdout, want)
			}
		})
	}
}

// TestRedirectsNotFollowed: the token goes to the configured API and the
// secret to the configured tenant only: a redirect from either is not
// followed (a 307 would send the client secret on to its target).
func TestRedirectsNotFollowed(t *testing.T) {
	f := newFixture(t)
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(target.Close)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target.URL+r.URL.Path)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	tests := []struct {
		name       string
		args       []string
		wantStdout string
		wantStderr string
	}{
		{"the API", []string{"-domain", f.tenantURL, "-api", redirecting.URL}, "HTTP/1.1 307 Temporary Redirect\n", ""},
		{"the tenant", []string{"-domain", redirecting.URL, "-api", f.apiURL}, "", "answered 307 Temporary Redirect without an OAuth error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, nil, append(append([]string{"-dev"}, tt.args...), "/api/private")...)
			if r.code != 1 || r.stdout != tt.wantStdout || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("got exit code %d, stdout %q, stderr %q; want 1, %q and %q", r.code, r.stdout, r.stderr, tt.wantStdout, tt.wantStderr)
			}
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("got %d requests at the redirect's target, want none", n)
			}
		})
	}
}

// TestLargeAnswerBounded: at most 1 MiB of an API's answer is read and
// printed.
func TestLargeAnswerBounded(t *testing.T) {
	f := newFixture(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("a"), 2*maxBodyBytes))
	}))
	t.Cleanup(api.Close)
	r := runCmd(t, nil, "-dev", "-domain", f.tenantURL, "-api", api.URL, "/api/private")
	if want := "HTTP/1.1 200 OK\n" + strings.Repeat("a", maxBodyBytes) + "\n"; r.code != 0 || r.stdout != want {
		t.Errorf("got exit code %d and %d bytes on stdout, want 0 and %d (the status line and 1 MiB of the body)", r.code, len(r.stdout), len(want))
	}
}

// hostileTLSServer listens on 127.0.0.1 with a self-signed certificate
// for the DNS name given, and returns its URL by the name localhost: a
// certificate that does not match a DNS name is refused with an error that
// quotes the names it holds, as the server wrote them.
func hostileTLSServer(t *testing.T, dnsName string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{dnsName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the client's refusal is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "https://localhost:" + port
}

// TestHostileCertificateNames: an https tenant or API (or whatever answers
// at its address) whose certificate is refused cannot drive the terminal
// through the names in it, which Go's refusal quotes as they are.
func TestHostileCertificateNames(t *testing.T) {
	f := newFixture(t)
	hostile := hostileTLSServer(t, "x\x1b]0;owned\x07.example") // an IA5String: ASCII only
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the tenant", []string{"-dev", "-domain", hostile, "-api", f.apiURL}, "cannot get a token from " + hostile + "/oauth/token"},
		{"the tenant, -login", []string{"-dev", "-login", "-no-browser", "-domain", hostile, "-api", f.apiURL}, "cannot log in: the tenant at " + hostile + "/ does not answer"},
		{"the API", f.devArgs("-api", hostile), "messages: GET " + hostile + "/api/private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, nil, append(tt.args, "/api/private")...)
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "certificate is valid for x]0;owned.example, not localhost") {
				t.Errorf("got exit code %d and stderr %q, want 1, %q and the certificate's name without control characters", r.code, r.stderr, tt.want)
			}
			if strings.ContainsAny(r.stderr, "\x1b\x07") {
				t.Errorf("got stderr %q, want no control characters", r.stderr)
			}
		})
	}
}
