package httpapi

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxUserAgent bounds the user agent on the access line: a client chooses it.
const maxUserAgent = 256

// tokenMark stands on the access line for a token found in the User-Agent.
const tokenMark = "REDACTED"

// userAgent is the request's User-Agent as the access line shows it: cut to
// maxUserAgent bytes at a character boundary, with any token in it replaced
// by tokenMark and any C1 control, line separator or bidi control by U+FFFD. Cut before the search, so a
// hostile agent of the header cap costs no more than one of 256 bytes, and
// again after, since the mark (or U+FFFD) can be longer than what it
// replaces.
func userAgent(r *http.Request) string {
	v := r.Header["User-Agent"]
	if len(v) == 0 {
		return ""
	}
	return cut(replaceControls(redactTokens(cut(v[0], maxUserAgent))), maxUserAgent)
}

// replaceControls replaces each C1 control (U+0080 to U+009F), line or
// paragraph separator (U+2028, U+2029) and bidirectional control (Unicode's
// Bidi_Control: U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
// U+2069) in s by U+FFFD. Gate: they
// arrive as obs-text (RFC 9110 §5.5), which net/http lets through, and a
// JSON encoder writes them raw (RFC 8259 §7 escapes only U+0000 to U+001F):
// a terminal showing the log acts on a C1 control (U+009B is CSI), a log
// viewer may break a line at a separator, and a bidi override reorders how
// the rest of the line reads. An agent without one is returned as it is,
// with no allocation.
func replaceControls(s string) string {
	var b []byte
	last := 0 // s[last:] is still to copy
	for i := 0; i < len(s); i++ {
		n := displayControl(s[i:])
		if n == 0 {
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, "\uFFFD"...)
		last = i + n
		i += n - 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// displayControl is the length in bytes of the character replaceControls
// replaces at the start of s, in UTF-8, or 0.
func displayControl(s string) int {
	switch {
	case len(s) >= 2 && s[0] == 0xc2 && 0x80 <= s[1] && s[1] <= 0x9f: // U+0080 to U+009F
		return 2
	case len(s) >= 2 && s[0] == 0xd8 && s[1] == 0x9c: // U+061C
		return 2
	case len(s) >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f): // U+200E, U+200F
		return 3
	case len(s) >= 3 && s[0] == 0xe2 && s[1] == 0x80 && 0xa8 <= s[2] && s[2] <= 0xae: // U+2028 to U+202E
		return 3
	case len(s) >= 3 && s[0] == 0xe2 && s[1] == 0x81 && 0xa6 <= s[2] && s[2] <= 0xa9: // U+2066 to U+2069
		return 3
	}
	return 0
}

// cut cuts s to max bytes, dropping the last character if the cut splits
// it. Bytes that are no character (invalid UTF-8) count one each, so at
// most UTFMax-1 bytes are looked back at and a run of them is cut at max,
// not to nothing.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for i := n - 1; i >= 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if _, size := utf8.DecodeRuneInString(s[i:]); i+size > n {
				n = i
			}
			break
		}
	}
	return s[:n]
}

// maxSubject bounds the subject on the access line (Auth0's are well under
// 100 bytes: "auth0|" and an id, or a client id and "@clients").
const maxSubject = 256

// subject is a token's sub as the access line shows it: cut to maxSubject
// bytes at a character boundary, display controls replaced as in the user
// agent, and cut again, since U+FFFD can be longer than what it replaces.
// Gate: sub is the tenant's string (a custom database connection
// chooses its users' ids), and the line is written per request; a clean
// one is returned as it is, with no allocation.
func subject(sub string) string {
	return cut(replaceControls(cut(sub, maxSubject)), maxSubject)
}

// redactTokens replaces each token in s by tokenMark. Gate: the access line
// logs the User-Agent, which is the client's to fill, and a client that
// puts its bearer token there (a misconfigured agent string, a debugging
// header) must not have it logged (RFC 6750 §5.3: bearer tokens must not
// leak). A token is a JWS in compact form (RFC 7515 §7.1: base64url parts
// joined by dots, the header's starting "eyJ", `{"` encoded) anywhere, or
// the b64token (RFC 6750 §2.1) after the word Bearer, or the credentials
// after the word Basic (the client's password). An agent without one
// is returned as it is, with no allocation.
func redactTokens(s string) string {
	var b []byte
	last := 0 // s[last:] is still to copy
	for {
		start, end := nextToken(s, last)
		if start < 0 {
			break
		}
		if b == nil {
			b = make([]byte, 0, len(s)+len(tokenMark))
		}
		b = append(b, s[last:start]...)
		b = append(b, tokenMark...)
		last = end
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// nextToken returns the bounds of the first token in s at or after from,
// or -1, -1.
func nextToken(s string, from int) (start, end int) {
	jwsFrom := from // no JWS starts before this: each byte is scanned for one once
	for i := from; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'e' && i >= jwsFrom && strings.HasPrefix(s[i:], "eyJ"):
			end, next := jwsEnd(s, i)
			if end > 0 {
				return i, end
			}
			jwsFrom = next
		case c|0x20 == 'b' && (i == 0 || !isLetter(s[i-1])):
			n := credentialScheme(s[i:])
			if n == 0 {
				continue
			}
			j := i + n
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if j == i+n {
				continue // "Bearers", "basic-x": another word
			}
			k := j
			for k < len(s) && isB64Token(s[k]) {
				k++
			}
			if k > j {
				return j, k
			}
		}
	}
	return -1, -1
}

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
	for ; j < len(s) && (isBase64URL(s[j]) || s[j] == '.'); j++ {
		if s[j] != '.' {
			continue
		}
		if !seenDot && j-i < minJWSHeader {
			return -1, j
		}
		seenDot = true
		if j+1 < len(s) && isBase64URL(s[j+1]) {
			dotted = true
		}
	}
	if !dotted {
		return -1, j
	}
	return j, j
}

// credentialScheme is the length of the authentication scheme that s
// starts with, matched without regard to case (RFC 9110 §11.1), or 0: the
// schemes whose credentials are a secret in the header itself, Bearer
// (RFC 6750 §2.1) and Basic (RFC 7617 §2: base64 of user-id:password).
func credentialScheme(s string) int {
	for _, scheme := range [...]string{"bearer", "basic"} {
		if len(s) > len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return len(scheme)
		}
	}
	return 0
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isBase64URL(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// isB64Token reports a character of RFC 6750's b64token, padding included.
func isB64Token(c byte) bool {
	return isBase64URL(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}
