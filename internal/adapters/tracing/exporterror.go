package tracing

import (
	"bytes"
	"cmp"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
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

// maxScrubbedBytes bounds what of a failure is searched for secrets: the
// collector's answer may be 4 MiB, and only maxExportErrorBytes of it is
// logged.
const maxScrubbedBytes = 64 << 10

// scrubExportError is msg, an export failure as the SDK words it, with
// every secret replaced by "REDACTED" however the collector spelt it back,
// cut to maxExportErrorBytes. Gate: the SDK quotes the collector's answer
// ("body: ..."), which may echo the request's headers: in another letter
// case, JSON- or HTML-escaped, percent-encoded, or a UTF-8 value read as
// Latin-1 (spellings).
func scrubExportError(msg string, secrets []string) string {
	cut := false
	if len(secrets) > 0 {
		searched := msg
		if len(searched) > maxScrubbedBytes {
			searched = searched[:runeCut(searched, maxScrubbedBytes)]
		}
		var all []string
		for _, s := range secrets {
			all = append(all, spellings(s)...)
		}
		scrubbed, last := replaceFold(searched, all, "REDACTED")
		if len(searched) < len(msg) {
			// A secret may straddle where the search stopped: the bytes
			// it could have left there, past the last replacement (after
			// which scrubbed is searched byte for byte), are not logged.
			longest := 0
			for _, s := range all {
				longest = max(longest, len(s))
			}
			drop := len(searched) - max(last, len(searched)-longest+1)
			scrubbed = scrubbed[:runeCut(scrubbed, len(scrubbed)-drop)]
			cut = true
		}
		msg = scrubbed
	}
	if len(msg) > maxExportErrorBytes {
		msg, cut = msg[:runeCut(msg, maxExportErrorBytes)], true
	}
	if cut {
		msg += "... (cut)"
	}
	return msg
}

// runeCut is n, or less to fall on the start of a UTF-8 sequence in s.
func runeCut(s string, n int) int {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// spellings are the ways a collector may write secret back: as it is,
// JSON-escaped (non-ASCII characters as they are, or as \uXXXX as many
// encoders write them), HTML-escaped (named or numeric references),
// percent-encoded (as a query value or a path), and its UTF-8 bytes read
// as Latin-1 characters (as servers that decode headers as ISO-8859-1
// do), as they are or JSON-escaped.
func spellings(secret string) []string {
	latin1 := make([]rune, 0, len(secret))
	for i := 0; i < len(secret); i++ {
		latin1 = append(latin1, rune(secret[i]))
	}
	misread := string(latin1)
	out := []string{secret, jsonEscape(secret, true), jsonEscape(secret, false), htmlEscape(secret),
		url.QueryEscape(secret), url.PathEscape(secret), misread, jsonEscape(misread, true)}
	slices.Sort(out)
	return slices.Compact(out)
}

// jsonEscape is s as a JSON string's contents: quote and backslash
// escaped, and control characters, <, > and & as \uXXXX, as Go writes
// them; with ascii, every character outside ASCII too.
func jsonEscape(s string, ascii bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == '<' || r == '>' || r == '&' || ascii && r > 0x7f:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, "\\u%04x", u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// htmlEscape is s with HTML's special characters as named references and
// every character outside ASCII as a numeric one.
func htmlEscape(s string) string {
	var b strings.Builder
	for _, r := range html.EscapeString(s) {
		if r > 0x7e {
			fmt.Fprintf(&b, "&#%d;", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// replaceFold is s with every match of any of olds, in any letter case
// (Unicode's lower case), replaced by repl; overlapping matches are
// replaced as one. last is where in s the last replaced match ends, 0
// with none.
func replaceFold(s string, olds []string, repl string) (_ string, last int) {
	// low is s lower-cased; at[i] is where in s the character that gave
	// low[i] starts (at[len(low)] is len(s)). Invalid bytes are kept as
	// they are.
	low := make([]byte, 0, len(s))
	at := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		start := len(low)
		if r == utf8.RuneError && size == 1 {
			low = append(low, s[i])
		} else {
			low = utf8.AppendRune(low, unicode.ToLower(r))
		}
		for range len(low) - start {
			at = append(at, i)
		}
		i += size
	}
	at = append(at, len(s))
	type span struct{ from, to int }
	var found []span
	for _, old := range olds {
		o := strings.ToLower(old)
		if o == "" {
			continue
		}
		for j := 0; ; {
			k := bytes.Index(low[j:], []byte(o))
			if k < 0 {
				break
			}
			found = append(found, span{at[j+k], at[j+k+len(o)]})
			j += k + 1
		}
	}
	if len(found) == 0 {
		return s, 0
	}
	slices.SortFunc(found, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var b strings.Builder
	for _, f := range found {
		if f.from < last { // overlaps the one replaced before
			last = max(last, f.to)
			continue
		}
		b.WriteString(s[last:f.from])
		b.WriteString(repl)
		last = f.to
	}
	b.WriteString(s[last:])
	return b.String(), last
}
