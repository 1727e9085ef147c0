// Package logtext makes text that a client, the tenant or a collector
// chooses fit for a log line: bounded, valid UTF-8, and without the
// characters a terminal or a log viewer acts on. The access line's user agent and
// subject and the trace exporter's failures go through it.
package logtext

import "unicode/utf8"

// ReplaceControls replaces each C1 control (U+0080 to U+009F), line or
// paragraph separator (U+2028, U+2029) and bidirectional control (Unicode's
// Bidi_Control: U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
// U+2069) in s by U+FFFD, and each byte that is not UTF-8 too. Gate: they
// arrive as obs-text (RFC 9110 §5.5), which net/http lets through, and a
// JSON encoder writes them raw (RFC 8259 §7 escapes only U+0000 to U+001F):
// a terminal showing the log acts on a C1 control (U+009B is CSI), a log
// viewer may break a line at a separator, and a bidi override reorders how
// the rest of the line reads. A byte that is not UTF-8 the encoder would
// write as the six characters \ufffd: replaced here, it is the same
// character in three bytes, so text cut to n bytes stays about n bytes on
// the line. A string without one is returned as it is, with no allocation.
func ReplaceControls(s string) string {
	var b []byte
	last := 0 // s[last:] is still to copy
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && size == 1) && !displayControl(r) {
			i += size
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, "\uFFFD"...)
		i += size
		last = i
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// displayControl reports whether ReplaceControls replaces r.
func displayControl(r rune) bool {
	switch {
	case 0x80 <= r && r <= 0x9f, // C1 controls
		r == 0x061c, r == 0x200e, r == 0x200f, // bidi marks
		0x2028 <= r && r <= 0x202e, // line and paragraph separators, bidi embeddings and overrides
		0x2066 <= r && r <= 0x2069: // bidi isolates
		return true
	}
	return false
}

// Cut cuts s to max bytes, dropping the last character if the cut splits
// it. Bytes that are no character (invalid UTF-8) count one each, so at
// most UTFMax-1 bytes are looked back at and a run of them is cut at max,
// not to nothing.
func Cut(s string, max int) string {
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
