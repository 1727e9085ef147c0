package httpapi

import (
	"fmt"
	"math/big"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ParseTrustedProxies parses proxy addresses as CIDRs (10.0.0.0/8,
// fd00::/8) or single IPs. It returns an error naming the first entry that
// is neither, or that trusts every address of its family (0.0.0.0/0, ::/0,
// ::ffff:0.0.0.0/96), or naming the entries that do so together
// (0.0.0.0/1 and 128.0.0.0/1): then every X-Forwarded-For entry is a
// trusted hop and remote_addr the leftmost, whatever the client wrote there.
func ParseTrustedProxies(entries []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(entries))
	for _, e := range entries {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			a, aerr := netip.ParseAddr(e)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or an IP address", e)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		// Peers and hops are compared unmapped (Go reports an IPv4 peer as
		// IPv4), so a v4-mapped entry is made IPv4 or it would never match.
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("%q trusts every address, so remote_addr would be whatever the client puts first in X-Forwarded-For: name the proxies' own addresses", e)
		}
		out = append(out, p.Masked())
	}
	if err := trustsEveryAddress(out); err != nil {
		return nil, err
	}
	return out, nil
}

// trustsEveryAddress returns an error naming the prefixes that together
// cover every IPv4 or every IPv6 address, or nil. CIDR blocks are nested or
// disjoint, so once those inside another are dropped, the rest cover a
// family exactly when their sizes add up to the family's.
func trustsEveryAddress(prefixes []netip.Prefix) error {
	sorted := slices.SortedFunc(slices.Values(prefixes), func(a, b netip.Prefix) int { return a.Bits() - b.Bits() })
	for _, family := range []struct {
		name string
		bits int
	}{{"IPv4", 32}, {"IPv6", 128}} {
		var outer []string
		sum, all := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(family.bits))
		for i, p := range sorted {
			if p.Addr().BitLen() != family.bits || slices.ContainsFunc(sorted[:i], p.Overlaps) {
				continue
			}
			outer = append(outer, strconv.Quote(p.String()))
			sum.Add(sum, new(big.Int).Lsh(big.NewInt(1), uint(family.bits-p.Bits())))
		}
		if sum.Cmp(all) == 0 {
			return fmt.Errorf("%s together trust every %s address, so remote_addr would be whatever the client puts first in X-Forwarded-For: name the proxies' own addresses",
				strings.Join(outer, ", "), family.name)
		}
	}
	return nil
}

// trustedProxies are the peers whose X-Forwarded-For is believed.
type trustedProxies struct{ prefixes []netip.Prefix }

func (t *trustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address the request came from: the peer's IP, or, when
// the peer is a trusted proxy, the rightmost X-Forwarded-For entry that is
// not itself a trusted proxy (entries left of it could be forged by the
// client), without its port or brackets if it had them, an IPv4-mapped one as IPv4 and
// an IPv6 one in its RFC 5952 form. It allocates only for the IPv6 hop it
// returns.
func (t *trustedProxies) clientAddr(r *http.Request) string {
	addr := peerIP(r.RemoteAddr)
	if t == nil || len(t.prefixes) == 0 {
		return addr
	}
	// A link-local peer has its interface's zone, which no prefix holds:
	// its address alone is matched (hops with a zone are refused below).
	if a, err := netip.ParseAddr(addr); err != nil || !t.trusts(a.WithZone("")) {
		return addr
	}
	// The leftmost trusted hop so far, written out only once the walk ends:
	// a chain of trusted IPv6 hops costs no string each.
	var last netip.Addr
	lastHop := ""
	values := r.Header["X-Forwarded-For"]
walk:
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			var hop string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				hop, v = strings.TrimSpace(v[j+1:]), v[:j]
			} else {
				hop, v = strings.TrimSpace(v), ""
			}
			if hop == "" {
				continue // an empty list element is no hop (RFC 9110 §5.6.1.2), as an empty line is not
			}
			a, err := netip.ParseAddr(hop)
			if err != nil { // some proxies (Azure Application Gateway, IIS ARR) add the client's port
				if ap, perr := netip.ParseAddrPort(hop); perr == nil {
					a, err, hop = ap.Addr(), nil, peerIP(hop)
				} else if v6, ok := bracketed(hop); ok { // others bracket an IPv6 one as a URL does, without a port
					a, err = v6, nil
				}
			}
			// A zone is free text naming a link on the sender's host: no
			// proxy forwards one, and it would put any text in remote_addr.
			if err != nil || a.Zone() != "" {
				break walk // garbage: the trusted hop that passed it on is the best we know
			}
			if !t.trusts(a) {
				return loggedHop(a, hop)
			}
			last, lastHop = a, hop
		}
	}
	if last.IsValid() {
		return loggedHop(last, lastHop)
	}
	return addr
}

// loggedHop is hop, the text of address a, as Go reports a peer
// (IPv4-mapped as IPv4, IPv6 in its RFC 5952 form), so a client has one
// address in the logs whichever proxy wrote it how. Only an IPv6 one
// allocates.
func loggedHop(a netip.Addr, hop string) string {
	if a.Is6() {
		return a.Unmap().String()
	}
	return hop
}

// bracketed is the IPv6 address of "[v6]", as a URL writes it.
func bracketed(hop string) (netip.Addr, bool) {
	if len(hop) < 2 || hop[0] != '[' || hop[len(hop)-1] != ']' {
		return netip.Addr{}, false
	}
	inner := hop[1 : len(hop)-1]
	a, err := netip.ParseAddr(inner)
	return a, err == nil && a.Is6()
}

// peerIP is the IP of a RemoteAddr: "ip:port" or "[v6]:port" as net/http
// writes it, or a bare IP, as a parent router's middleware (chi's RealIP)
// may leave it. A bare IPv6 address has several colons: only the one colon
// of "v4:port" or a port after "]" is cut.
func peerIP(remote string) string {
	if strings.HasPrefix(remote, "[") {
		if i := strings.IndexByte(remote, ']'); i > 0 {
			return remote[1:i]
		}
	}
	if i := strings.IndexByte(remote, ':'); i >= 0 && i == strings.LastIndexByte(remote, ':') {
		return remote[:i]
	}
	return remote
}
