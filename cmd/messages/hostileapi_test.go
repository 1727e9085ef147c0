package main

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
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
			if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07\r\x00\x7f\u009b") {
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
