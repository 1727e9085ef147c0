package httpapi

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// Why an allowed CORS origin is refused (CheckOrigin).
var (
	// ErrOriginUserinfo: the entry has user information, a credential that
	// is never to be echoed, and no Origin header ever carries one.
	ErrOriginUserinfo = errors.New("has user information; an origin is scheme://host[:port], such as https://app.example.com")
	// ErrOriginNotExact: not scheme://host[:port], or a pattern.
	ErrOriginNotExact = errors.New("is not an exact origin such as https://app.example.com")
	// ErrOriginNotAsSent: an origin written otherwise than browsers write
	// it in Origin, which the library's string comparison never matches.
	ErrOriginNotAsSent = errors.New("is not written as browsers send it in Origin")
)

// CheckOrigin returns nil when o is an exact origin, http or https
// scheme://host[:port] (RFC 6454 §6.1) as browsers send it in Origin, and
// otherwise ErrOriginUserinfo, ErrOriginNotExact or an error wrapping
// ErrOriginNotAsSent that says what to write. It is a gate in front of
// go-chi/cors, which reads a "*" anywhere as a wildcard ("https://*"
// allows every https origin) and would keep an entry no Origin can match.
func CheckOrigin(o string) error {
	if strings.Contains(o, "@") {
		return ErrOriginUserinfo
	}
	u, err := url.Parse(o)
	if strings.Contains(o, "*") || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Path != "" || // Hostname: "https://:8080" has a Host, no host
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(o, "#") {
		return ErrOriginNotExact
	}
	switch sent, err := originAsSent(u); {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrOriginNotAsSent, err)
	case !strings.EqualFold(sent, o): // the library compares in lower case
		return fmt.Errorf("%w: write %s", ErrOriginNotAsSent, sent)
	}
	return nil
}

// originAsSent is u's origin as browsers write it in Origin (the URL
// Standard's serialization of an origin): the scheme's default port left
// out, a port in plain decimal, an IPv6 address in its shortest form. It
// fails for what no browser sends: a port past 65535, an IPv6 zone, a
// numeric host that is no dotted IPv4 address, a host not in ASCII
// (browsers send an IDN in its xn-- form), a host with <, > or % (the URL
// Standard's forbidden domain code points that url.Parse lets through).
func originAsSent(u *url.URL) (string, error) {
	host, port := u.Hostname(), u.Port()
	if strings.IndexFunc(host, func(r rune) bool { return r >= 0x80 }) >= 0 {
		return "", errors.New("write the host in ASCII, an IDN in its xn-- form")
	}
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		if err != nil || a.Zone() != "" {
			return "", errors.New("write a valid IPv6 address, without a zone")
		}
		host = "[" + ipv6AsSent(a) + "]"
	} else if strings.ContainsAny(host, "<>%") { // url.Parse takes them; the URL Standard's host parser does not
		return "", errors.New("write a host without <, > or %, which no browser accepts in a host")
	} else if endsInNumber(host) { // browsers read it as an IPv4 address ("127.1", "0x7f.0.0.1") and send it dotted
		if a, err := netip.ParseAddr(host); err != nil || !a.Is4() {
			return "", errors.New("write an IPv4 address in dotted decimal, such as 127.0.0.1")
		}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n > 65535 {
			return "", errors.New("write a port from 0 to 65535")
		}
		port = ":" + strconv.Itoa(n)
		if u.Scheme == "https" && n == 443 || u.Scheme == "http" && n == 80 {
			port = ""
		}
	}
	return u.Scheme + "://" + host + port, nil
}

// OriginNamedByPosition reports whether a refused allowed origin is to be
// named by its position, never quoted: it has user information, a query or
// a fragment, where a credential (a password, an API key) may be.
func OriginNamedByPosition(o string) bool { return strings.ContainsAny(o, "@?#") }

// exactOrigins drops, with a warning, the allowed origins CheckOrigin
// refuses (config validation refuses them before the handler sees them).
// One that may hold a credential is named by its position only.
func exactOrigins(origins []string, log *zap.Logger) []string {
	var exact []string
	for i, o := range origins {
		switch err := CheckOrigin(o); {
		case err != nil && OriginNamedByPosition(o):
			log.Warn("CORS origin ignored", zap.Int("entry", i+1), zap.String("why", err.Error()))
		case err != nil:
			log.Warn("CORS origin ignored", zap.String("origin", o), zap.String("why", err.Error()))
		default:
			exact = append(exact, o)
		}
	}
	return exact
}

// ipv6AsSent is a in the URL Standard's form: RFC 5952's, as netip writes
// it, but in hex to the end, where netip writes an IPv4-mapped address's
// last 32 bits dotted.
func ipv6AsSent(a netip.Addr) string {
	if !a.Is4In6() {
		return a.String()
	}
	b := a.As16()
	return "::ffff:" + strconv.FormatUint(uint64(b[12])<<8|uint64(b[13]), 16) + ":" + strconv.FormatUint(uint64(b[14])<<8|uint64(b[15]), 16)
}

// endsInNumber reports whether browsers parse host as an IPv4 address (the
// URL Standard's "ends in a number"): its last label, after a final dot,
// is decimal digits or 0x and hex digits.
func endsInNumber(host string) bool {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := labels[len(labels)-1]
	if hex, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}
