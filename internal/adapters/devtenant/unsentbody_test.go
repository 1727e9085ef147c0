package devtenant

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestBodyNotRead sends, on a kept-alive connection, requests that declare
// a body and send less of it (or none) to the tenant and the example SPA:
// refused unread for its size or type, or sent to a page that reads no
// body. Each is answered at once with Connection: close; net/http, keeping
// the connection, would first wait for the whole declared body: nothing
// until the read timeout (10 s, past the client's deadline).
func TestBodyNotRead(t *testing.T) {
	tn, spa := startWithSPA(t)
	addrs := map[string]string{"tenant": addrOf(t, tn.Issuer()), "spa": addrOf(t, spa.URL())}
	const form = "Content-Type: application/x-www-form-urlencoded\r\n"
	tests := []struct {
		name, server, method, target string
		host                         string // "" sends the server's own
		rest                         string // the headers after Host, their end, and what is sent of the body
		want                         int
	}{
		{"token: larger than the cap, none sent", "tenant", "POST", pathToken, "", form + "Content-Length: 70000\r\n\r\n", http.StatusRequestEntityTooLarge},
		{"token: a text body, 3 of 1000 bytes", "tenant", "POST", pathToken, "", "Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\nabc", http.StatusBadRequest},
		{"login form: larger than the cap", "tenant", "POST", pathAuthorize, "", form + "Content-Length: 70000\r\n\r\n", http.StatusBadRequest},
		{"test tab: JSON, none sent", "tenant", "POST", pathTest, "", "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n", http.StatusBadRequest},
		{"test tab page", "tenant", "GET", pathTest, "", "Content-Length: 5\r\n\r\n", http.StatusOK},
		{"jwks: 5 bytes declared", "tenant", "GET", pathJWKS, "", "Content-Length: 5\r\n\r\n", http.StatusOK},
		{"discovery: an unfinished chunked body", "tenant", "GET", pathDiscovery, "", "Transfer-Encoding: chunked\r\n\r\n5\r\nab", http.StatusOK},
		{"another host", "tenant", "GET", pathJWKS, "attacker.example", "Content-Length: 5\r\n\r\n", http.StatusMisdirectedRequest},
		{"spa: its config", "spa", "GET", "/config.json", "", "Content-Length: 5\r\n\r\n", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := addrs[tt.server]
			host := tt.host
			if host == "" {
				host = addr
			}
			resp := sendKeptAlive(t, addr, tt.method+" "+tt.target+" HTTP/1.1\r\nHost: "+host+"\r\n"+tt.rest)
			if resp.StatusCode != tt.want {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.want)
			}
			if !resp.Close { // net/http's reader takes Connection: close off the header into Close
				t.Errorf("got a response that keeps the connection, want Connection: close")
			}
		})
	}
	t.Run("no body: the connection is kept", func(t *testing.T) {
		addr := addrs["tenant"]
		resp := sendKeptAlive(t, addr, "GET "+pathJWKS+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Errorf("got status %d and close %v, want 200 on a kept connection", resp.StatusCode, resp.Close)
		}
	})
}

// addrOf is the loopback address of the server at base.
func addrOf(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return "127.0.0.1:" + u.Port()
}

// sendKeptAlive sends request as is to addr, without Connection: close,
// and reads the response within 5 s.
func sendKeptAlive(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: strings.Fields(request)[0]})
	if err != nil {
		t.Fatalf("reading the response: %v (none before the deadline: the server waits for the body)", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
