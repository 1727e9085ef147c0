package httpapi

// The separators a client writes between a scheme word and its credentials
// outside a header, and the escapes it writes them in.

import "strings"

// assigns reports whether separators (skipSeparators') hold an
// assignment: ":", "=" or a quote, written as such, percent-encoded,
// JSON-escaped or as an HTML reference (the only use of & among them).
func assigns(sep string) bool {
	if assignsValue(sep) {
		return true
	}
	for i := 0; i < len(sep); i++ {
		switch {
		case sep[i] == '"' || sep[i] == '\'' || sep[i] == '&',
			sep[i] == '%' && i+2 < len(sep) && sep[i+1] == '2' && (sep[i+2] == '2' || sep[i+2] == '7'),
			escapedQuote(sep, i):
			return true
		}
	}
	return false
}

// assignsValue reports whether separators hold ":" or "=", written as
// such or percent-encoded: what a secret's name needs before its value, a
// quote alone being how a name is quoted in prose ("Top Secret" edition).
func assignsValue(sep string) bool {
	for i := 0; i < len(sep); i++ {
		if sep[i] == ':' || sep[i] == '=' || sep[i] == '%' && i+2 < len(sep) && sep[i+1] == '3' && (sep[i+2]|0x20 == 'a' || sep[i+2]|0x20 == 'd') {
			return true
		}
	}
	return false
}

// escapedQuote reports whether s[i:] starts with a quote as JSON may
// escape it: \u0022 or \u0027.
func escapedQuote(s string, i int) bool {
	return len(s)-i >= 6 && s[i] == '\\' && s[i+1] == 'u' && (strings.EqualFold(s[i+2:i+6], "0022") || strings.EqualFold(s[i+2:i+6], "0027"))
}

// skipSeparators is the index past the separators at s[i:] between a
// scheme word and its credentials: white space as in a header (a no-break
// space too), or how a client writes it elsewhere ("Bearer:", "token=", a
// form's "Basic+", JSON's "token":", Python's or YAML's 'token': '), any
// of those percent-encoded ("Bearer%20", "Bearer%3A"), and quotes escaped
// (\", \u0022, &quot;, &#x27;).
func skipSeparators(s string, i int) int {
	for i < len(s) {
		switch {
		case escapedQuote(s, i):
			i += 6 // \u0022
		case s[i] == ' ' || s[i] == '\t' || s[i] == ':' || s[i] == '=' || s[i] == '+' || s[i] == '"' || s[i] == '\'' || s[i] == '\\':
			i++ // a backslash: JSON's escaped quotes, {\"token\":\"x\"}
		case strings.HasPrefix(s[i:], "\u00a0"): // a no-break space, which ends a Bearer scheme too
			i += len("\u00a0")
		case s[i] == 0xa0: // the same in Latin-1
			i++
		case len(s)-i >= 6 && strings.EqualFold(s[i:i+6], "%c2%a0"):
			i += 6
		case len(s)-i >= 3 && s[i] == '%' && encodedSeparator(s[i+1], s[i+2]|0x20):
			i += 3
		case htmlQuote(s[i:]) > 0:
			i += htmlQuote(s[i:])
		default:
			return i
		}
	}
	return i
}

// htmlQuote is the length of the HTML reference to a quote that s starts
// with (&quot;, &apos;, or a numeric one: &#34;, &#039;, &#x27;), or 0.
func htmlQuote(s string) int {
	for _, ref := range [...]string{"&quot;", "&apos;"} {
		if len(s) >= len(ref) && strings.EqualFold(s[:len(ref)], ref) {
			return len(ref)
		}
	}
	if len(s) < 4 || s[0] != '&' || s[1] != '#' {
		return 0
	}
	digits, base := s[2:], 10
	if digits[0]|0x20 == 'x' {
		digits, base = digits[1:], 16
	}
	end := strings.IndexByte(digits, ';')
	if end < 1 || end > 8 { // leading zeros allowed, not without bound
		return 0
	}
	v := 0 // parsed here: strconv's error for a bad digit would allocate per agent
	for _, c := range []byte(digits[:end]) {
		d := base
		switch {
		case '0' <= c && c <= '9':
			d = int(c - '0')
		case base == 16 && 'a' <= c|0x20 && c|0x20 <= 'f':
			d = int(c|0x20-'a') + 10
		}
		if d >= base {
			return 0
		}
		v = v*base + d
	}
	if v != '"' && v != '\'' {
		return 0
	}
	return len(s) - len(digits) + end + 1
}

// encodedSeparator reports whether %hi lo (lo lower-cased) is one of
// skipSeparators' characters percent-encoded: %20, %09, %3A, %3D, %2B, %22,
// %27.
func encodedSeparator(hi, lo byte) bool {
	switch hi {
	case '2':
		return lo == '0' || lo == 'b' || lo == '2' || lo == '7'
	case '0':
		return lo == '9'
	case '3':
		return lo == 'a' || lo == 'd'
	}
	return false
}

// isEscape reports whether s[i:] starts with a percent-encoded byte, %XX.
func isEscape(s string, i int) bool {
	return len(s)-i >= 3 && s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2])
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f' }
