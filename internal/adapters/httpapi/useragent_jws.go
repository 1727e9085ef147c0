package httpapi

// Finding a JWS (RFC 7515 §7.1, compact serialization) in a user agent's free text.

// minJWSHeader is the length of the shortest JWS header in base64url:
// alg is required (RFC 7515 §4.1.1), so {"alg":""} at least. Gate: a
// shorter word before a dot ("HeyJoe.app") is part of an ordinary agent.
const minJWSHeader = 14

// jwsEnd is the end of the JWS at s[i:]: a header of minJWSHeader or more
// base64url characters, then a run of them and dots holding a dot followed
// by more (a header alone is no token, and "eyJust" is a word). Else end is
// -1 and next is where the next JWS may start: past a dot that ended too
// short a header, or past the run.
func jwsEnd(s string, i int) (end, next int) {
	seenDot, dotted := false, false
	j := i
	for j < len(s) {
		dot := dotAt(s, j)
		if dot == 0 {
			if !isBase64URL(s[j]) {
				break
			}
			j++
			continue
		}
		if !seenDot && j-i < minJWSHeader {
			return -1, j + dot
		}
		seenDot = true
		if j+dot < len(s) && isBase64URL(s[j+dot]) {
			dotted = true
		}
		j += dot
	}
	if !dotted {
		return -1, j
	}
	return j, j
}

// opensJSONObject reports whether the base64url characters s starts with
// decode to JSON white space, "{", white space and a quote: a JWS header,
// an object whose members include alg (RFC 7515 §4.1.1).
func opensJSONObject(s string) bool {
	var acc, bits uint
	opened := false
	for i := 0; i < len(s) && isBase64URL(s[i]); i++ {
		acc, bits = acc<<6|base64URLValue(s[i]), bits+6
		if bits < 8 {
			continue
		}
		bits -= 8
		switch c := byte(acc >> bits); {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r': // RFC 8259 §2
		case c == '{' && !opened:
			opened = true
		default:
			return opened && c == '"'
		}
		acc &= 1<<bits - 1
	}
	return false
}

// base64URLValue is the 6 bits a base64url character stands for (RFC 4648 §5).
func base64URLValue(c byte) uint {
	switch {
	case 'A' <= c && c <= 'Z':
		return uint(c - 'A')
	case 'a' <= c && c <= 'z':
		return uint(c-'a') + 26
	case '0' <= c && c <= '9':
		return uint(c-'0') + 52
	case c == '-':
		return 62
	}
	return 63 // '_'
}

// dotAt is the length of the dot at s[i:], "." or percent-encoded "%2E",
// or 0.
func dotAt(s string, i int) int {
	switch {
	case s[i] == '.':
		return 1
	case len(s)-i >= 3 && s[i] == '%' && s[i+1] == '2' && s[i+2]|0x20 == 'e':
		return 3
	}
	return 0
}

func isBase64URL(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '-' || c == '_'
}
