package devtenant

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// rawGet sends one GET with the request line and headers as given, so the
// Host header can be anything a hostile page or client sends, and returns
// the status.
func rawGet(t *testing.T, addr, path, headers string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("GET " + path + " " + headers + "Connection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHostHeader checks that the tenant and the example SPA answer only
// requests that name them: a web page that rebinds its own DNS name to
// 127.0.0.1 reaches the port, but its requests carry its name as Host.
func TestHostHeader(t *testing.T) {
	tn, spa := startWithSPA(t)

	for _, srv := range []struct{ name, base, path string }{
		{"tenant", tn.Issuer(), pathTest},
		{"spa", spa.URL(), "/config.json"},
	} {
		u, err := url.Parse(srv.base)
		if err != nil {
			t.Fatal(err)
		}
		port := u.Port()
		addr := "127.0.0.1:" + port
		for _, tt := range []struct {
			host string // "-" sends none (HTTP/1.0)
			want int
		}{
			{"127.0.0.1:" + port, http.StatusOK},
			{"localhost:" + port, http.StatusOK},
			{"LocalHost:" + port, http.StatusOK},
			{"attacker.example:" + port, http.StatusMisdirectedRequest},
			{"attacker.example", http.StatusMisdirectedRequest},
			{"localhost.attacker.example:" + port, http.StatusMisdirectedRequest},
			{"127.0.0.1.nip.io:" + port, http.StatusMisdirectedRequest},
			{"localhost.:" + port, http.StatusMisdirectedRequest},
			{"127.0.0.1:1" + port, http.StatusMisdirectedRequest},
			{"127.0.0.1", http.StatusMisdirectedRequest},
			{"[::1]:" + port, http.StatusMisdirectedRequest}, // not the address it listens on
			{"-", http.StatusMisdirectedRequest},
		} {
			t.Run(srv.name+"/"+tt.host, func(t *testing.T) {
				headers := "HTTP/1.1\r\nHost: " + tt.host + "\r\n"
				if tt.host == "-" {
					headers = "HTTP/1.0\r\n"
				}
				if got := rawGet(t, addr, srv.path, headers); got != tt.want {
					t.Errorf("got status %d, want %d", got, tt.want)
				}
			})
		}
	}
}
