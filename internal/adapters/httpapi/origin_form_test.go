package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestOriginAsBrowsersSendIt: go-chi/cors compares an Origin header with
// the allowed origins as strings (in lower case), and a browser writes its
// origin one way only (the URL Standard's serialization: no default port,
// the port in plain decimal, the host in ASCII, an IPv6 address in its
// shortest form). An entry written any other way could never match, so
// CORS would fail silently; CheckOrigin refuses it and says what to write.
func TestOriginAsBrowsersSendIt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		entry    string
		sent     string // what a browser at that origin sends in Origin
		wantErr  error  // nil: accepted
		wantHint string // in the error, when refused
	}{
		{"https://app.example.com", "https://app.example.com", nil, ""},
		{"https://app.example.com:8443", "https://app.example.com:8443", nil, ""},
		{"http://app.example.com:443", "http://app.example.com:443", nil, ""},
		{"https://APP.Example.com", "https://app.example.com", nil, ""}, // the library compares in lower case
		{"HTTPS://app.example.com", "https://app.example.com", nil, ""}, // url.Parse lowers the scheme; the library, the rest
		{"http://[::1]:3000", "http://[::1]:3000", nil, ""},
		{"http://127.0.0.1:3000", "http://127.0.0.1:3000", nil, ""},
		{"https://xn--bcher-kva.example", "https://xn--bcher-kva.example", nil, ""},

		{"https://app.example.com:443", "https://app.example.com", httpapi.ErrOriginNotAsSent, "write https://app.example.com"},
		{"http://app.example.com:80", "http://app.example.com", httpapi.ErrOriginNotAsSent, "write http://app.example.com"},
		{"https://app.example.com:", "https://app.example.com", httpapi.ErrOriginNotAsSent, "write https://app.example.com"},
		{"https://app.example.com:08443", "https://app.example.com:8443", httpapi.ErrOriginNotAsSent, "write https://app.example.com:8443"},
		{"https://app.example.com:0443", "https://app.example.com", httpapi.ErrOriginNotAsSent, "write https://app.example.com"},
		{"https://app.example.com:65535", "https://app.example.com:65535", nil, ""},
		{"https://app.example.com:65536", "", httpapi.ErrOriginNotAsSent, "port from 0 to 65535"},
		{"http://[0:0::1]:3000", "http://[::1]:3000", httpapi.ErrOriginNotAsSent, "write http://[::1]:3000"},
		{"http://[::ffff:7f00:1]:3000", "http://[::ffff:7f00:1]:3000", nil, ""},
		{"http://[::ffff:127.0.0.1]:3000", "http://[::ffff:7f00:1]:3000", httpapi.ErrOriginNotAsSent, "write http://[::ffff:7f00:1]:3000"},
		{"http://[::1%25eth0]:3000", "http://[::1]:3000", httpapi.ErrOriginNotAsSent, "without a zone"},
		{"http://127.1:3000", "http://127.0.0.1:3000", httpapi.ErrOriginNotAsSent, "dotted decimal"},
		{"http://0x7f.0.0.1:3000", "http://127.0.0.1:3000", httpapi.ErrOriginNotAsSent, "dotted decimal"},
		{"http://127.0.0.1.:3000", "http://127.0.0.1:3000", httpapi.ErrOriginNotAsSent, "dotted decimal"},
		{"https://app.example.com.", "https://app.example.com.", nil, ""}, // a name's final dot is sent as written
		{"https://bücher.example", "https://xn--bcher-kva.example", httpapi.ErrOriginNotAsSent, "xn--"},
		{"https://app%2Eexample.com", "https://app.example.com", httpapi.ErrOriginNotExact, "exact origin"}, // url.Parse refuses an escaped ASCII byte in a host
		// url.Parse takes these hosts; the URL Standard's host parser refuses
		// them (forbidden domain code points), so no browser has the origin.
		{"https://app<x>.example.com", "", httpapi.ErrOriginNotAsSent, "no browser accepts"},
		{"https://app%25.example.com", "", httpapi.ErrOriginNotAsSent, "no browser accepts"},
		{"https://:8080", "", httpapi.ErrOriginNotExact, "exact origin"},                    // a port and no host
		{"https://app<x.example.com", "", httpapi.ErrOriginNotAsSent, "no browser accepts"}, // each of <, > and % alone
		{"https://app>x.example.com", "", httpapi.ErrOriginNotAsSent, "no browser accepts"},
		{"http://127.0.0.0XA:3000", "http://127.0.0.10:3000", httpapi.ErrOriginNotAsSent, "dotted decimal"}, // hex in upper case
		{"https://app\u0080.example.com", "", httpapi.ErrOriginNotAsSent, "xn--"},                           // the first code point past ASCII
		// An origin has no path, query or fragment, not even an empty one.
		{"https://app.example.com/", "", httpapi.ErrOriginNotExact, "exact origin"},
		{"https://app.example.com/path", "", httpapi.ErrOriginNotExact, "exact origin"},
		{"https://app.example.com?", "", httpapi.ErrOriginNotExact, "exact origin"},
		{"https://app.example.com?x=1", "", httpapi.ErrOriginNotExact, "exact origin"},
		{"https://app.example.com#", "", httpapi.ErrOriginNotExact, "exact origin"},
		{"https://app.example.com#top", "", httpapi.ErrOriginNotExact, "exact origin"},
		// A page's Origin is http or https; ws and wss are URLs it connects
		// to, never an origin a browser sends.
		{"ws://app.example.com", "", httpapi.ErrOriginNotExact, "exact origin"},
		{"wss://app.example.com", "", httpapi.ErrOriginNotExact, "exact origin"},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			err := httpapi.CheckOrigin(tt.entry)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantHint) {
				t.Errorf("got error %q, want it to say %q", err, tt.wantHint)
			}
			if tt.sent == "" {
				return
			}
			// Through the handler: an accepted entry answers its browser's
			// Origin; a refused one is ignored, with a warning.
			h := httpapi.NewHandler(httpapi.HandlerConfig{CORS: httpapi.CORS{AllowedOrigins: []string{tt.entry}}}, newVerifier(), zap.NewNop())
			req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
			req.Header.Set("Origin", tt.sent)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("Access-Control-Allow-Origin")
			if want := map[bool]string{true: tt.sent}[tt.wantErr == nil]; got != want {
				t.Errorf("Origin %s: got Access-Control-Allow-Origin %q, want %q", tt.sent, got, want)
			}
		})
	}
}
