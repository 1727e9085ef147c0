package httpapi

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/example/messages-api/internal/adapters/logtext"
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
	return logtext.Cut(logtext.ReplaceControls(redactTokens(logtext.Cut(v[0], maxUserAgent))), maxUserAgent)
}

// redactTokens replaces each token in s by tokenMark. Gate: the access line
// logs the User-Agent, which is the client's to fill, and a client that
// puts its bearer token there (a misconfigured agent string, a debugging
// header) must not have it logged (RFC 6750 §5.3: bearer tokens must not
// leak). A token is a JWS in compact form (RFC 7515 §7.1: base64url parts
// joined by dots, or by %2E, the header a JSON object: "eyJ", `{"`
// encoded, or white space before the "{")
// anywhere, or the b64token (RFC 6750 §2.1), percent-encoded characters
// in it included, after the word Bearer, Token or Basic (whose credentials
// hold the client's password, user-id:password if written out) and a
// separator (white space, a no-break space, ":", "=", "+", a double or
// single quote, a backslash escaping one, or one of them percent-encoded
// or an HTML reference). The word may end a longer name only when a value
// is assigned to it ("accessToken=", "refreshToken":), and when the value
// is another scheme's credentials ("token": "Bearer x"), those are the
// token, and a scheme word and separator inside a token ("abcToken=")
// make what follows them a token too. So is a value assigned to a secret's
// name (secretName: "client_secret=x"), read as a written-out password is.
// An agent without one is returned as it is, with no allocation.
func redactTokens(s string) string {
	var b []byte
	runs := credentialRuns{b64: credentialRun{to: -1}, userPass: credentialRun{to: -1}}
	last := 0 // s[last:] is still to copy
	for {
		start, end := nextToken(s, last, &runs)
		if start < 0 {
			break
		}
		if b == nil {
			b = make([]byte, 0, len(s)+len(tokenMark))
		}
		b = append(b, s[last:start]...)
		b = append(b, tokenMark...)
		last = throughInnerCredentials(s, start, end, &runs)
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// throughInnerCredentials is the end of the token at s[start:end] once it
// takes in the credentials of each scheme word and separator inside it:
// a token's characters can hold them ("abcToken=", "pw][Token:",
// "….sig.refreshToken="), and the scan after the token would not see the
// word that makes the rest a secret.
func throughInnerCredentials(s string, start, end int, runs *credentialRuns) int {
	for p := start; p < end && end < len(s); p++ { // a token to the end of s takes in everything already
		if _, k := secretAt(s, p, end, runs); k > 0 {
			end = max(end, k)
		}
		n := credentialScheme(s[p:])
		if n == 0 || p+n > end {
			continue
		}
		q := skipSeparators(s, p+n)
		if q == p+n {
			continue
		}
		end = max(end, runs.b64.end(s, q, false))
		if mayBeUserPass(s, p, q) {
			if wide := runs.userPass.end(s, q, true); runs.userPass.colon >= q {
				end = max(end, wide)
			}
		}
	}
	return end
}

// credentialRun is the last run of credentials credentialEnd read, and
// its last colon: a run starting inside it ends where it does, so an agent
// full of scheme words is read once, not once per word.
type credentialRun struct{ from, to, colon int }

// credentialRuns are an agent's last runs of each kind.
type credentialRuns struct{ b64, userPass credentialRun }

func (r *credentialRun) end(s string, q int, userPass bool) int {
	if q < r.from || q > r.to {
		r.from, r.to = q, credentialEnd(s, q, userPass)
		r.colon = q + strings.LastIndexByte(s[q:r.to], ':') // q-1 without one
	}
	return r.to
}

// mayBeUserPass reports whether the credentials at s[j:], after the scheme
// word at s[i:], may be Basic's user-id:password written out unencoded:
// one secret, whatever it holds ("alice@example.com:p@ss", "@ops:pw"),
// when it holds a colon. A bracket first opens a comment ("Visual Basic
// (build:12)"), not a user-id.
func mayBeUserPass(s string, i, j int) bool {
	return s[i]|0x20 == 'b' && s[i+1]|0x20 == 'a' && j < len(s) && strings.IndexByte("([{<", s[j]) < 0
}

// nextToken returns the bounds of the first token in s at or after from,
// or -1, -1.
func nextToken(s string, from int, runs *credentialRuns) (start, end int) {
	jwsFrom := from // no "eyJ" JWS starts before this: each byte is scanned for one once
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 'e' && i >= jwsFrom && strings.HasPrefix(s[i:], "eyJ"): // {", how a JWS header almost always starts
			end, next := jwsEnd(s, i)
			if end > 0 {
				return i, end
			}
			jwsFrom = next
			continue
		case isBase64URL(c) && (i == 0 || !isBase64URL(s[i-1]) || afterEscape(s, i)):
			// A header with white space before its "{" (" {" is "IHs"),
			// which the verifier accepts as JSON does.
			// opensJSONObject first: it reads a few bytes, jwsEnd the run.
			if opensJSONObject(s[i:]) {
				if end, _ := jwsEnd(s, i); end > 0 {
					return i, end
				}
			}
		}
		switch {
		case c|0x20 == 'p' || c|0x20 == 's' || c|0x20 == 'a':
			// "password=x", "client_secret: x", "X-Api-Key=x": a value
			// assigned to a secret's name, whatever the name starts with.
			if j, k := secretAt(s, i, len(s), runs); k > 0 {
				return j, k
			}
		case c|0x20 == 'b' || c|0x20 == 't':
			n := credentialScheme(s[i:])
			if n == 0 {
				continue
			}
			j := skipSeparators(s, i+n)
			if j == i+n {
				continue // "Bearers", "basic-x": another word
			}
			// Inside a longer name ("accessToken", "authtoken", "Web3Token"),
			// only when a value is assigned to it: "PureBasic 6.04" is a
			// version.
			if inName(s, i) && !assigns(s[i+n:j]) {
				continue
			}
			// The value is another scheme's credentials ("token": "Bearer
			// x"): those are the secret, and the next pass finds them.
			if m := credentialScheme(s[j:]); m > 0 && skipSeparators(s, j+m) > j+m {
				i = j - 1
				continue
			}
			k := credentialEnd(s, j, false)
			// The credentials are punctuation, then a scheme word and a
			// separator ("/Bearer: x"): the secret is after that word. With
			// a letter or digit before the word ("abc123token: x"), all of
			// it is, and throughInnerCredentials takes in what follows.
			if w := endingScheme(s[j:k]); w > 0 && skipSeparators(s, k) > k &&
				!strings.ContainsFunc(s[j:k-w], func(r rune) bool { return r < 0x80 && (isLetter(byte(r)) || '0' <= r && r <= '9') }) {
				i = k - w - 1
				continue
			}
			if mayBeUserPass(s, i, j) {
				if wide := runs.userPass.end(s, j, true); runs.userPass.colon >= j {
					k = max(k, wide)
				}
			}
			if k > j {
				return j, k
			}
		}
	}
	return -1, -1
}

// inName reports whether the word at s[i] ends a longer name: a letter
// before it, or digits after a letter ("Web3Token"; "1.0Bearer" is a
// version, then the word), but not the end of an escape ("auth%3DBearer",
// "\u0022Bearer", "\x22Bearer").
func inName(s string, i int) bool {
	if afterEscape(s, i) {
		return false
	}
	j := i
	for j > 0 && '0' <= s[j-1] && s[j-1] <= '9' {
		j--
	}
	return j > 0 && isLetter(s[j-1]) && !afterEscape(s, j)
}

// afterEscape reports whether s[:i] ends with an escape: %XX, \xXX or
// \uXXXX.
func afterEscape(s string, i int) bool {
	return i >= 3 && isEscape(s, i-3) ||
		i >= 4 && s[i-4] == '\\' && s[i-3] == 'x' && isHex(s[i-2]) && isHex(s[i-1]) ||
		i >= 6 && s[i-6] == '\\' && s[i-5] == 'u' && isHex(s[i-4]) && isHex(s[i-3]) && isHex(s[i-2]) && isHex(s[i-1])
}

// endingScheme is the length of the scheme word s ends with, or 0.
func endingScheme(s string) int {
	for _, scheme := range [...]string{"bearer", "basic", "token"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[len(s)-len(scheme):], scheme) {
			return len(scheme)
		}
	}
	return 0
}

// credentialEnd is the end of the credentials at s[i:]: b64token
// characters, and percent-encoded ones (a form-encoded credential's own
// +, / and =), and "/" escaped as JSON may (\/, \u002F); with userPass (Basic's user-id:password written out, RFC
// 7617 §2: any character but controls), any character up to white space,
// a control, a quote, ")", ";" or ",", and bytes that are not UTF-8 (a
// Latin-1 password) but its no-break space.
func credentialEnd(s string, i int, userPass bool) int {
	for i < len(s) {
		switch c := s[i]; {
		case isB64Token(c) || userPass && c > ' ' && c < 0x7f && !strings.ContainsRune("\"');,", rune(c)):
			i++
		case isEscape(s, i):
			i += 3
		case c == '\\' && len(s)-i >= 2 && s[i+1] == '/': // JSON's escaped solidus, as PHP writes every "/"
			i += 2
		case c == '\\' && len(s)-i >= 6 && s[i+1] == 'u' && strings.EqualFold(s[i+2:i+6], "002f"):
			i += 6
		case userPass && c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if n == 1 && c == 0xa0 || n > 1 && (unicode.IsSpace(r) || unicode.IsControl(r)) {
				return i
			}
			i += n
		default:
			return i
		}
	}
	return i
}

// credentialScheme is the length of the authentication scheme that s
// starts with, matched without regard to case (RFC 9110 §11.1), or 0: the
// schemes whose credentials are a secret in the header itself, Bearer
// (RFC 6750 §2.1) and Basic (RFC 7617 §2: base64 of user-id:password),
// and Token, which clients send a bearer token under by mistake.
func credentialScheme(s string) int {
	for _, scheme := range [...]string{"bearer", "basic", "token"} {
		if len(s) > len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return len(scheme)
		}
	}
	return 0
}

// secretName is the length of the name of a secret that s starts with,
// matched without regard to case, or 0: a password, a secret (OAuth 2.0's
// client_secret, RFC 6749 §2.3.1) or an API key. Its value is a secret
// only when assigned to it with ":" or "=" (assignsValue), whatever the
// name starts with ("dbPassword=", "X-Api-Key:").
func secretName(s string) int {
	var names []string
	switch s[0] | 0x20 { // most bytes start no name: no comparison for them
	case 'p':
		names = []string{"password", "passwd"}
	case 's':
		names = []string{"secret"}
	case 'a':
		names = []string{"apikey", "api_key", "api-key"}
	}
	for _, name := range names {
		if len(s) > len(name) && strings.EqualFold(s[:len(name)], name) {
			return len(name)
		}
	}
	return 0
}

// secretAt is the value assigned to the name of a secret at s[i], when
// the name ends by limit: s[j:k], or -1, -1 for no name, no assignment or
// an empty value ("Secret Agent/1.0", "passwords/2", "Top Secret" edition,
// "password="). The value is read as a written-out password is, and when
// it opens a bracket, through its closing one too (bracketedEnd) and on
// from there as a password.
func secretAt(s string, i, limit int, runs *credentialRuns) (j, k int) {
	if n := secretName(s[i:]); n > 0 && i+n <= limit {
		if j = secretValue(s, i+n); j >= 0 {
			k = runs.userPass.end(s, j, true)
			if j < len(s) && (s[j] == '[' || s[j] == '{') {
				b := bracketedEnd(s, j)
				if b < len(s) && s[b] != ']' && s[b] != '}' { // "{}S3CRET": the value goes on
					b = runs.userPass.end(s, b, true)
				}
				k = max(k, b)
			}
			if k > j {
				return j, k
			}
		}
	}
	return -1, -1
}

// bracketedEnd is the end of the JSON array or object (or YAML flow
// collection, or Python list or dict) at s[i]: past the bracket that
// closes it, brackets in a quoted string (double or single quotes, a
// backslash escaping what follows) aside, or the end of s when none does.
// Gate: read as a password is, {"password":["x"]} hid only its "[", and
// the secret inside was logged.
func bracketedEnd(s string, i int) int {
	depth, quote := 0, byte(0)
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == '\\' {
				i++ // an escaped quote or backslash
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// secretValue is where the value assigned to the name of a secret ending
// at s[i] starts, or -1 when none is: past ":" or "=" and the separators
// around them (assignsValue), a form's "]" before them ("user[password]=")
// and Ruby's or PHP's "=>".
func secretValue(s string, i int) int {
	if i < len(s) && s[i] == ']' {
		i++
	}
	j := skipSeparators(s, i)
	if j == i || !assignsValue(s[i:j]) {
		return -1
	}
	if j < len(s) && s[j] == '>' && s[j-1] == '=' {
		j = skipSeparators(s, j+1)
	}
	return j
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isB64Token reports a character of RFC 6750's b64token, padding included.
func isB64Token(c byte) bool {
	return isBase64URL(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}
