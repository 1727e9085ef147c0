package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientAddrAllocations: the X-Forwarded-For walk writes out only the
// address it returns, so a client behind (or forging) a long chain of
// trusted IPv6 hops costs at most one string, not one per hop. Not
// parallel: testing.AllocsPerRun refuses parallel tests.
func TestClientAddrAllocations(t *testing.T) {
	prefixes, err := ParseTrustedProxies([]string{"10.0.0.0/8", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	proxies := &trustedProxies{prefixes}
	v6Chain := strings.TrimSuffix(strings.Repeat("fd00::7, ", 100), ", ")
	tests := []struct {
		name, xff, want string
		wantAllocs      float64
	}{
		{"v4 client behind 100 trusted v6 hops", "198.51.100.1, " + v6Chain, "198.51.100.1", 0},
		{"v6 client behind 100 trusted v6 hops", "2001:db8::7, " + v6Chain, "2001:db8::7", 1},
		{"only trusted v6 hops", v6Chain, "fd00::7", 1},
		{"garbage left of 100 trusted v6 hops", "junk, " + v6Chain, "fd00::7", 3}, // and netip's two parse errors for the garbage
		{"v4 client behind trusted v4 hops", "198.51.100.1, 10.0.0.1, 10.0.0.2", "198.51.100.1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/public", nil)
			req.RemoteAddr = "10.1.2.3:5555"
			req.Header.Set("X-Forwarded-For", tt.xff)
			var got string
			allocs := testing.AllocsPerRun(20, func() { got = proxies.clientAddr(req) })
			if got != tt.want || allocs != tt.wantAllocs {
				t.Errorf("got %s with %v allocations, want %s with %v", got, allocs, tt.want, tt.wantAllocs)
			}
		})
	}
}

// TestUserAgentWithoutTokensAllocatesNothing: an agent with nothing to hide
// comes back as it is, whatever its separators, escapes and names of
// secrets without a value cost to read. Not parallel, as above.
func TestUserAgentWithoutTokensAllocatesNothing(t *testing.T) {
	tests := []struct{ name, in string }{
		{"a browser", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"},
		{"a name of a secret, then a Latin-1 no-break space", "Secret\xa0Agent/1.0"},
		{"a name of a secret, then an encoded +", "Secret%2BAgent/1.0"},
		{"a name of a secret assigned nothing", "Password%3A"},
		{"a bad HTML reference after a name of a secret", "app/1 password&#zz;x"},
		{"a bad HTML reference after token", "Token&#zz;x"},
		{"names of secrets, upper case", strings.Repeat("APIKEY\xa0", 37)[:256]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			allocs := testing.AllocsPerRun(20, func() { got = redactTokens(tt.in) })
			if got != tt.in || allocs != 0 {
				t.Errorf("got %q with %v allocations, want it unchanged with none", got, allocs)
			}
		})
	}
}
