package tracing

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxExportErrorBytes bounds a logged export failure: the exporter quotes
// the collector's error body, up to 4 MiB of it.
const maxExportErrorBytes = 512

// minSecretBytes is the shortest header value scrubbed from export
// failures: a shorter one is no credential, and scrubbing it would garble
// every number in the message.
const minSecretBytes = 4

// exportSecrets lists what an export failure must never repeat: the values
// of the OTLP headers (an API key, a Basic credential), as set and decoded,
// longest first, so that a short one inside a longer one (an org id in a
// token) is not replaced first and the rest of the longer one logged.
// (An endpoint carries no credential: checkExportEnv refuses one.)
func exportSecrets(getenv func(string) string) []string {
	var secrets []string
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		for _, p := range strings.Split(getenv(name), ",") {
			_, v, _ := strings.Cut(p, "=")
			secrets = append(secrets, strings.TrimSpace(v))
			if d, err := url.PathUnescape(v); err == nil {
				secrets = append(secrets, strings.TrimSpace(d))
				// "Basic abc": the credential alone may be quoted back too.
				if _, cred, ok := strings.Cut(strings.TrimSpace(d), " "); ok {
					secrets = append(secrets, strings.TrimSpace(cred))
				}
			}
		}
	}
	kept := secrets[:0]
	for _, s := range secrets {
		if len(s) >= minSecretBytes {
			kept = append(kept, s)
		}
	}
	slices.SortFunc(kept, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return kept
}

// scrubExportError is msg, an export failure as the SDK words it, with
// every secret replaced by "REDACTED" in any letter case, cut to
// maxExportErrorBytes. Gate: the SDK quotes the collector's answer ("body:
// ..."), which may echo the request's headers in a form a search for the
// value misses (JSON's \u escapes, percent-encoding, a UTF-8 value read as
// Latin-1); with secrets to hide, an answer holding escapes or bytes
// outside printable ASCII is withheld, only its length said.
func scrubExportError(msg string, secrets []string) string {
	if len(secrets) > 0 {
		head, body, found := strings.Cut(msg, "body: ")
		if !found {
			head, body = "", msg // a partial success's message is the collector's too
		}
		if !plainText(body) {
			end := "" // the SDK's closing parenthesis, if the answer ends with it
			if found && strings.HasSuffix(body, ")") {
				end = ")"
			}
			msg = head + "body withheld: " + strconv.Itoa(len(body)-len(end)) +
				" bytes holding escapes or text outside printable ASCII, which could spell an OTLP header's value" + end
		}
		for _, s := range secrets {
			msg = replaceFold(msg, s, "REDACTED")
		}
	}
	if len(msg) <= maxExportErrorBytes {
		return msg
	}
	cut := maxExportErrorBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "... (cut)"
}

// plainText reports whether s is printable ASCII with no escape sequence
// in it (a backslash, %XX, &#): text in which a secret can only appear as
// itself, in some letter case.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '\\':
			return false
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			return false
		case c == '&' && i+1 < len(s) && s[i+1] == '#':
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f' }

// replaceFold is s with every match of old, ASCII letters in any case,
// replaced by repl.
func replaceFold(s, old, repl string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+len(old) <= len(s); {
		if strings.EqualFold(s[i:i+len(old)], old) {
			b.WriteString(s[last:i])
			b.WriteString(repl)
			i += len(old)
			last = i
			continue
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
