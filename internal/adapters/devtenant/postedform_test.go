package devtenant

import (
	"bufio"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPostedFormsReadOnlyTheBody: the login form (POST /authorize) and the
// Test tab's form (POST /test) are read from the body alone, as
// application/x-www-form-urlencoded. A URL query beside a good form, even
// one that cannot be decoded, changes nothing; a body of another type is
// an unreadable form, not a form with its fields missing.
func TestPostedFormsReadOnlyTheBody(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	params, _ := authParams(spaID, spaRedirect, "openid")
	login := url.Values{"username": {"reader"}, "password": {"reader-password"}}
	for k, v := range params {
		login[k] = v
	}
	tests := []struct {
		name, path, contentType, body string
		wantStatus                    int
		want                          string // in the page, or the Location's start for a 302
	}{
		{"login: a query that cannot be decoded", "authorize?a;b", ctForm, login.Encode(), http.StatusFound, spaRedirect + "?code="},
		{"login: a query naming another client", "authorize?client_id=" + cliID, ctForm, login.Encode(), http.StatusFound, spaRedirect + "?code="},
		{"login: a JSON body", "authorize", ctJSON, `{"username":"reader"}`, http.StatusBadRequest, formUnreadable},
		{"login: no Content-Type", "authorize", "", login.Encode(), http.StatusBadRequest, formUnreadable},
		{"login: a form that cannot be decoded", "authorize", ctForm, login.Encode() + "&x=%zz", http.StatusBadRequest, formUnreadable},
		{"test tab: a query that cannot be decoded", "test?a;b", ctForm, "client=" + readerID, http.StatusOK, `id="token"`},
		{"test tab: a query naming another client", "test?client=" + noScopeID, ctForm, "client=" + readerID, http.StatusOK, `"sub": "` + readerID + `@clients"`},
		{"test tab: a JSON body", "test", ctJSON, `{"client":"` + readerID + `"}`, http.StatusBadRequest, `id="error" role="alert">` + formUnreadable},
		{"test tab: multipart", "test", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"client\"\r\n\r\n" + readerID + "\r\n--x--\r\n",
			http.StatusBadRequest, `id="error" role="alert">` + formUnreadable},
		{"test tab: a client named twice", "test", ctForm, "client=" + readerID + "&client=" + noScopeID, http.StatusBadRequest,
			`id="error" role="alert">Pick one of the machine-to-machine clients.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodPost, tn.Issuer()+tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			res := doNoFollow(t, req)
			got := html.UnescapeString(string(res.body))
			if tt.wantStatus == http.StatusFound {
				got = res.header.Get("Location")
			}
			if res.status != tt.wantStatus || !strings.Contains(got, tt.want) {
				t.Errorf("got %d %.300q, want %d with %q", res.status, got, tt.wantStatus, tt.want)
			}
			if tt.wantStatus != http.StatusOK && strings.Contains(got, `id="token"`) {
				t.Errorf("got a token in the page, want none")
			}
		})
	}
}

// TestOversizedBodyRefusedBeforeContinue: a POST declaring a body past
// maxBodyBytes with Expect: 100-continue is answered with the refusal
// itself, so the client never sends the body and never waits for the
// server's read timeout.
func TestOversizedBodyRefusedBeforeContinue(t *testing.T) {
	tn, _ := startTenant(t, withUsers)
	u, _ := url.Parse(tn.Issuer())
	for _, tt := range []struct {
		path       string
		wantStatus string
	}{
		{"/authorize", "400"},
		{"/test", "400"},
		{"/oauth/token", "413"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Only so a regression fails rather than hangs: the answer is due at once.
			_ = conn.SetDeadline(time.Now().Add(time.Minute))
			req := "POST " + tt.path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: " + ctForm +
				"\r\nExpect: 100-continue\r\nContent-Length: " + strconv.Itoa(maxBodyBytes+1) + "\r\n\r\n"
			if _, err := io.WriteString(conn, req); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(line); !strings.HasPrefix(got, "HTTP/1.1 "+tt.wantStatus+" ") {
				t.Errorf("first status line: got %q, want HTTP/1.1 %s", got, tt.wantStatus)
			}
		})
	}
}
