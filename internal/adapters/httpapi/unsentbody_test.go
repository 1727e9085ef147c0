package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestBodyNobodyReads sends, on a kept-alive connection, requests that
// declare a body and send less of it (or none), and one whose body comes
// whole. No route reads a body, so each is answered at once with its
// route's status and Connection: close, and the access line's status is
// the one sent; net/http, keeping the connection, would first wait for the
// whole declared body: nothing until ReadTimeout (10 s by default, past
// the client's deadline), while the access line said 200.
func TestBodyNobodyReads(t *testing.T) {
	const host = "Host: api.test\r\n"
	bear := "Authorization: Bearer " + readToken + "\r\n"
	tests := []struct {
		name    string
		request string // sent as is: the headers' end, then whatever of the body is sent
		want    int
	}{
		{"public, 3 of 1000 bytes", "GET /api/public HTTP/1.1\r\n" + host + "Content-Length: 1000\r\n\r\nabc", 200},
		{"public, none of 10 bytes", "GET /api/public HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\n", 200},
		{"public, the whole body", "GET /api/public HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc", 200},
		{"private with a token", "GET /api/private HTTP/1.1\r\n" + host + bear + "Content-Length: 1000\r\n\r\nabc", 200},
		{"private without one", "GET /api/private HTTP/1.1\r\n" + host + "Content-Length: 1000\r\n\r\nabc", 401},
		{"scoped", "GET /api/private-scoped HTTP/1.1\r\n" + host + bear + "Content-Length: 1000\r\n\r\n", 200},
		{"no such route", "GET /nope HTTP/1.1\r\n" + host + "Content-Length: 1000\r\n\r\nabc", 404},
		{"POST", "POST /api/public HTTP/1.1\r\n" + host + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", 405},
		{"OPTIONS", "OPTIONS /api/private HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\n", 204},
		{"an unfinished chunked body", "GET /api/public HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nab", 200},
	}
	srv := startWire(t, httpapi.HandlerConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, id := sendKeptAlive(t, srv.addr, tt.request)
			if resp.StatusCode != tt.want {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.want)
			}
			if !resp.Close { // net/http's reader takes Connection: close off the header into Close
				t.Errorf("got a response that keeps the connection, want Connection: close")
			}
			if got := loggedStatus(t, srv.logs, id); got != tt.want {
				t.Errorf("got access line status %d, want %d, the status sent", got, tt.want)
			}
		})
	}
	t.Run("no body: the connection is kept", func(t *testing.T) {
		resp, _ := sendKeptAlive(t, srv.addr, "GET /api/public HTTP/1.1\r\n"+host+"\r\n")
		if resp.StatusCode != 200 || resp.Close {
			t.Errorf("got status %d and close %v, want 200 on a kept connection", resp.StatusCode, resp.Close)
		}
	})
}

// loggedStatus is the status on the access line of request id.
func loggedStatus(t *testing.T, logs *wireLog, id string) int {
	t.Helper()
	for line := range strings.Lines(logs.take()) {
		var m struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
			Status    int    `json:"status"`
		}
		if json.Unmarshal([]byte(line), &m) == nil && m.RequestID == id && (m.Msg == "request" || m.Msg == "request rejected") {
			return m.Status
		}
	}
	t.Fatalf("no access line for request %s", id)
	return 0
}

// sendKeptAlive writes request, without Connection: close, on a fresh
// connection and reads the answer and its request id; the connection is
// closed by the test after that. A server that never answers fails the
// test at the deadline, half the server's ReadTimeout, rather than hang it.
func sendKeptAlive(t *testing.T, addr, request string) (*http.Response, string) {
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
	return resp, resp.Header.Get("X-Request-Id")
}
