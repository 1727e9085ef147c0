package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestRemoteAddr: X-Forwarded-For counts only when the peer is a trusted
// proxy, and then only up to the first hop that is not one: what is left
// of it the client could have written.
func TestRemoteAddr(t *testing.T) {
	trusted := []string{"10.0.0.0/8", "2001:db8::1"}
	tests := []struct {
		name    string
		proxies []string
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies configured: the peer", nil, "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer: header ignored", trusted, "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer: the client it forwards", trusted, "10.1.2.3:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"trusted v6 peer", trusted, "[2001:db8::1]:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"forged entries left of the real client", trusted, "10.1.2.3:5555", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", trusted, "10.1.2.3:5555", []string{"198.51.100.1, 10.9.9.9", "10.8.8.8"}, "198.51.100.1"},
		{"garbage hop: the proxy that passed it", trusted, "10.1.2.3:5555", []string{"not-an-ip, 10.4.4.4"}, "10.4.4.4"},
		{"only trusted hops: the leftmost", trusted, "10.1.2.3:5555", []string{"10.7.7.7"}, "10.7.7.7"},
		{"trusted peer without header", trusted, "10.1.2.3:5555", nil, "10.1.2.3"},
		{"spaces around hops", trusted, "10.1.2.3:5555", []string{" 198.51.100.7 ,10.2.2.2 "}, "198.51.100.7"},
		// A zone is text of the sender's choosing and names a link on the
		// sender's host: no proxy forwards one, and remote_addr is an IP.
		{"v6 hop with a zone is garbage", trusted, "10.1.2.3:5555", []string{`fe80::1%eth0"}{x`}, "10.1.2.3"},
		{"zoned hop behind a trusted one", trusted, "10.1.2.3:5555", []string{"fe80::1%" + strings.Repeat("z", 300) + ", 10.4.4.4"}, "10.4.4.4"},
		// Go reports an IPv4 peer as IPv4, also on a dual-stack socket.
		{"v4-mapped proxy entry trusts the v4 peer", []string{"::ffff:10.1.2.3"}, "10.1.2.3:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"v4-mapped proxy CIDR trusts v4 peers", []string{"::ffff:10.0.0.0/104"}, "10.1.2.3:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"v4-mapped proxy entry trusts v4-mapped hops", []string{"::ffff:10.0.0.0/104"}, "10.1.2.3:5555", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"v4-mapped /97 entry trusts half the v4 peers", []string{"::ffff:0.0.0.0/97"}, "10.1.2.3:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"v4-mapped trusted hop: the walk goes on", trusted, "10.1.2.3:5555", []string{"198.51.100.1, ::ffff:10.7.7.7"}, "198.51.100.1"},
		// A client is logged as its peer would be: the same IPv4 address
		// however a proxy wrote it.
		{"v4-mapped client hop: logged as IPv4", trusted, "10.1.2.3:5555", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"v4-mapped client hop with a port: logged as IPv4", trusted, "10.1.2.3:5555", []string{"[::ffff:198.51.100.1]:4711"}, "198.51.100.1"},
		{"only trusted hops, the leftmost v4-mapped: logged as IPv4", trusted, "10.1.2.3:5555", []string{"::ffff:10.7.7.7, 10.2.2.2"}, "10.7.7.7"},
		// Some proxies add the client's port to its entry: the entry's IP
		// counts, without the port; a malformed port is garbage.
		{"hop with a port: its IP", trusted, "10.1.2.3:5555", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"v6 hop in brackets with a port: its IP", trusted, "10.1.2.3:5555", []string{"[2001:db8::7]:4711, 10.4.4.4"}, "2001:db8::7"},
		{"trusted hop with a port: the walk goes on", trusted, "10.1.2.3:5555", []string{"198.51.100.1, 10.4.4.4:443"}, "198.51.100.1"},
		{"hop with a port out of range: the proxy that passed it", trusted, "10.1.2.3:5555", []string{"198.51.100.1:70000"}, "10.1.2.3"},
		{"hop with an empty port: the proxy that passed it", trusted, "10.1.2.3:5555", []string{"198.51.100.1:"}, "10.1.2.3"},
		{"v6 hop with a zone and a port: the proxy that passed it", trusted, "10.1.2.3:5555", []string{"[fe80::1%eth0]:80"}, "10.1.2.3"},
		{"bare v6 hop whose last group looks like a port", trusted, "10.1.2.3:5555", []string{"2001:db8::7:4711"}, "2001:db8::7:4711"},
		{"v6 hop in capitals and zeros: its RFC 5952 form", trusted, "10.1.2.3:5555", []string{"2001:DB8:0:0:0:0:0:7"}, "2001:db8::7"},
		{"v6 hop with leading zeros and a port: its RFC 5952 form", trusted, "10.1.2.3:5555", []string{"[2001:0db8::0007]:4711"}, "2001:db8::7"},
		{"bracketed v6 hop without a port: its IP", trusted, "10.1.2.3:5555", []string{"[2001:DB8::7], 10.4.4.4"}, "2001:db8::7"},
		{"bracketed v4-mapped hop: logged as IPv4", trusted, "10.1.2.3:5555", []string{"[::ffff:198.51.100.1]"}, "198.51.100.1"},
		{"bracketed trusted v6 hop: the walk goes on", trusted, "10.1.2.3:5555", []string{"198.51.100.1, [2001:db8::1]"}, "198.51.100.1"},
		{"bracketed v4 hop is garbage", trusted, "10.1.2.3:5555", []string{"[198.51.100.1]"}, "10.1.2.3"},
		{"bracketed v6 hop with a zone is garbage", trusted, "10.1.2.3:5555", []string{"[fe80::1%eth0]"}, "10.1.2.3"},
		{"one bracket is garbage", trusted, "10.1.2.3:5555", []string{"[2001:db8::7"}, "10.1.2.3"},
		{"a closing bracket alone is garbage", trusted, "10.1.2.3:5555", []string{"2001:db8::7]"}, "10.1.2.3"},
		{"a closing bracket alone behind a trusted hop", trusted, "10.1.2.3:5555", []string{"2001:db8::1], 10.4.4.4"}, "10.4.4.4"},
		{"brackets alone are garbage", trusted, "10.1.2.3:5555", []string{"[], 10.4.4.4"}, "10.4.4.4"},
		// Empty list elements are ignored (RFC 9110 §5.6.1.2), on a line
		// as a whole empty line is: one field value either way.
		{"empty hop ignored", trusted, "10.1.2.3:5555", []string{"198.51.100.1,,10.4.4.4"}, "198.51.100.1"},
		{"blank hop ignored", trusted, "10.1.2.3:5555", []string{"198.51.100.1, , 10.4.4.4"}, "198.51.100.1"},
		{"empty line ignored", trusted, "10.1.2.3:5555", []string{"198.51.100.1", "", "10.4.4.4"}, "198.51.100.1"},
		{"trailing comma ignored", trusted, "10.1.2.3:5555", []string{"198.51.100.1,"}, "198.51.100.1"},
		{"only empty elements: the peer", trusted, "10.1.2.3:5555", []string{" , ,"}, "10.1.2.3"},
		{"tabs around hops", trusted, "10.1.2.3:5555", []string{"\t198.51.100.7\t,\t10.2.2.2"}, "198.51.100.7"},
		// net/http writes RemoteAddr as ip:port; a parent router's
		// middleware (chi's RealIP) may leave a bare IP there instead.
		{"bare v4 peer", nil, "203.0.113.9", nil, "203.0.113.9"},
		{"bare v6 peer", nil, "2001:db8::7", nil, "2001:db8::7"},
		{"bare v6 peer in brackets", nil, "[2001:db8::7]", nil, "2001:db8::7"},
		{"bare v6 trusted peer", trusted, "2001:db8::1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"bare link-local peer with a zone", nil, "fe80::1%eth0", nil, "fe80::1%eth0"},
		// A link-local peer comes with its interface's zone, which no
		// prefix holds (netip's Contains refuses a zoned address).
		{"link-local proxy: trusted whatever its zone", []string{"fe80::1"}, "[fe80::1%eth0]:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"link-local proxy CIDR: trusted whatever its zone", []string{"fe80::/64"}, "[fe80::7%2]:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"link-local proxy with a zone in the setting", []string{"fe80::1%eth0"}, "[fe80::1%eth0]:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"link-local peer not trusted: logged with its zone", trusted, "[fe80::1%eth0]:5555", []string{"198.51.100.1"}, "fe80::1%eth0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{TrustedProxies: tt.proxies}, newVerifier(), zap.New(core))
			req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
			req.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got := logs.All()[0].ContextMap()["remote_addr"]; got != tt.want {
				t.Errorf("got remote_addr %v, want %s", got, tt.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"10.0.0.0/8", false}, {"192.168.1.7", false}, {"fd00::/8", false}, {"::1", false},
		{"10.0.0.0/33", true}, {"10.0.0", true}, {"proxy.internal", true}, {"", true}, {"*", true},
		// Every address trusted: remote_addr would be the client's own pick.
		{"0.0.0.0/0", true}, {"::/0", true}, {"::ffff:0.0.0.0/96", true}, {"10.0.0.0/0", true}, {"0.0.0.0/1", false},
	}
	for _, tt := range tests {
		_, err := httpapi.ParseTrustedProxies([]string{tt.in})
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: got error %v, want error=%v", tt.in, err, tt.wantErr)
		}
	}
}

// TestBadTrustedProxyWarns: built without config validation, NewHandler
// keeps the good entries and says which one it ignored.
func TestBadTrustedProxyWarns(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	h := httpapi.NewHandler(httpapi.HandlerConfig{TrustedProxies: []string{"10.0.0.0/33", "10.0.0.0/8"}}, newVerifier(), zap.New(core))
	warnings := logs.FilterLevelExact(zap.WarnLevel).All()
	if len(warnings) != 1 || !strings.Contains(warnings[0].ContextMap()["error"].(string), "10.0.0.0/33") {
		t.Fatalf("got warnings %v, want one naming 10.0.0.0/33", warnings)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
	req.RemoteAddr = "10.1.2.3:5555"
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := logs.FilterMessage("request").All()[0].ContextMap()["remote_addr"]; got != "198.51.100.1" {
		t.Errorf("got remote_addr %v, want 198.51.100.1 (10.0.0.0/8 still trusted)", got)
	}
}

// TestTrustedProxiesTogether: entries that each trust part of a family but
// together trust all of it are refused like 0.0.0.0/0, naming them; short of
// the whole family, or spread over both families, they are accepted.
func TestTrustedProxiesTogether(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		wantErr string // "" when accepted
	}{
		{"two IPv4 halves", []string{"0.0.0.0/1", "128.0.0.0/1"}, `"0.0.0.0/1", "128.0.0.0/1" together trust every IPv4 address`},
		{"two IPv6 halves", []string{"8000::/1", "::/1"}, `"8000::/1", "::/1" together trust every IPv6 address`},
		{"uneven pieces", []string{"0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/3"}, "every IPv4 address"},
		{"v4-mapped half with an IPv4 half", []string{"::ffff:0.0.0.0/97", "128.0.0.0/1"}, "every IPv4 address"},
		{"nested and repeated entries counted once", []string{"0.0.0.0/1", "10.0.0.0/8", "0.0.0.0/1", "128.0.0.0/1"}, `"0.0.0.0/1", "128.0.0.0/1" together`},
		{"a host address short of the whole", []string{"0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5", "248.0.0.0/6", "252.0.0.0/7", "254.0.0.0/8", "255.0.0.0/9"}, ""},
		{"two halves of different families", []string{"0.0.0.0/1", "8000::/1"}, ""},
		{"the same half twice", []string{"0.0.0.0/1", "0.0.0.0/1"}, ""},
		{"private ranges", []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpapi.ParseTrustedProxies(tt.in)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got error %v, want one containing %s", err, tt.wantErr)
			}
		})
	}
}

// TestTrustedProxiesTogetherIgnored: built without config validation,
// NewHandler trusts no proxy when its entries together trust every address,
// so remote_addr is the peer, not the client's leftmost pick.
func TestTrustedProxiesTogetherIgnored(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	h := httpapi.NewHandler(httpapi.HandlerConfig{TrustedProxies: []string{"0.0.0.0/1", "128.0.0.0/1"}}, newVerifier(), zap.New(core))
	if got := logs.FilterMessage("trusted proxies ignored").Len(); got != 1 {
		t.Fatalf("got %d warnings, want 1", got)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
	req.RemoteAddr = "10.1.2.3:5555"
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := logs.FilterMessage("request").All()[0].ContextMap()["remote_addr"]; got != "10.1.2.3" {
		t.Errorf("got remote_addr %v, want the peer 10.1.2.3", got)
	}
}
