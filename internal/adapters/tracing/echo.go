package tracing

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// replaceEchoes is s with every echo of a secret replaced by repl, merging
// echoes that overlap. An echo is the secret as a reader of s finds it, in
// any letter case (canonical), with s read as written, with its escapes
// undone, and with them undone twice (an answer quoting another answer:
// JSON in a JSON string): JSON's \uXXXX (surrogate pairs joined), a
// backslash before punctuation, Python's \xHH, percent-encoding and a
// form's + for a space, HTML's character references. The secret is looked for as written, with its own
// escape-like text undone, and as its UTF-8 bytes read as Latin-1
// characters (servers that decode headers as ISO-8859-1 write it back so).
// last is where in s the last replaced echo ends (0 with none); longest
// bounds how many bytes of s an echo can take.
func replaceEchoes(s string, secrets []string, repl string) (_ string, last, longest int) {
	type view struct {
		text []byte
		at   []int // where in s the character that gave text[i] starts
	}
	text0, at0 := canonical(s, false)
	text1, at1 := canonical(s, true)
	text2, at12 := canonical(string(text1), true)
	at2 := make([]int, len(at12))
	for i, j := range at12 {
		at2[i] = at1[j]
	}
	views := [...]view{{text0, at0}, {text1, at1}, {text2, at2}}
	type span struct{ from, to int }
	var found []span
	for _, secret := range secrets {
		latin1 := make([]rune, 0, len(secret))
		for i := 0; i < len(secret); i++ {
			latin1 = append(latin1, rune(secret[i]))
		}
		literal, _ := canonical(secret, false)
		unescaped, _ := canonical(secret, true)
		misread, _ := canonical(string(latin1), true)
		for _, want := range [...][]byte{literal, unescaped, misread} {
			if len(want) == 0 {
				continue
			}
			// Twice escaped, each byte of the secret may take
			// maxEscapeBytes of maxEscapeBytes each.
			longest = max(longest, len(want)*maxEscapeBytes*maxEscapeBytes)
			for _, v := range views {
				for j := 0; ; {
					k := bytes.Index(v.text[j:], want)
					if k < 0 {
						break
					}
					found = append(found, span{v.at[j+k], v.at[j+k+len(want)]})
					j += k + 1
				}
			}
		}
	}
	if len(found) == 0 {
		return s, 0, longest
	}
	slices.SortFunc(found, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var b []byte
	for _, f := range found {
		if f.from < last { // overlaps the echo replaced before
			last = max(last, f.to)
			continue
		}
		b = append(b, s[last:f.from]...)
		b = append(b, repl...)
		last = f.to
	}
	return string(append(b, s[last:]...)), last, longest
}

// maxEscapeBytes is the most bytes of text one byte of its canonical form
// comes from: a named reference (&quot;) or a numeric one of at most
// maxReferenceDigits digits (&#x0000022;).
const maxEscapeBytes = 12

// maxReferenceDigits bounds the digits of an HTML numeric reference read:
// leading zeros could make one as long as the text.
const maxReferenceDigits = 8

// canonical is s with every character in one case (the lower case of its
// upper case, so that µ, ς, ſ and the Kelvin sign meet their kin) and,
// with unescape, its escapes undone; at[i] is where in s the character or
// escape that gave text[i] starts, and at[len(text)] is len(s). Bytes that
// are no UTF-8 are kept as they are.
func canonical(s string, unescape bool) (text []byte, at []int) {
	text = make([]byte, 0, len(s))
	at = make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		start := len(text)
		var size int
		text, size = appendNext(text, s[i:], unescape)
		for range len(text) - start {
			at = append(at, i)
		}
		i += size
	}
	return text, append(at, len(s))
}

// appendNext appends the first character of s, or with unescape the
// character its first escape spells, folded, and says how many bytes of s
// that took.
func appendNext(text []byte, s string, unescape bool) (_ []byte, size int) {
	if unescape {
		if s[0] == '+' { // a space in a form or query (a literal + is %2B there)
			return append(text, ' '), 1
		}
		if r, n := unescapeRune(s); n > 0 {
			return appendFolded(text, r), n
		}
		if r, n := escapedUTF8(s); n > 0 {
			return appendFolded(text, r), n
		}
		if b, n := unescapeByte(s); n > 0 {
			return append(text, foldByte(b)), n
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && n == 1 {
		return append(text, s[0]), 1
	}
	return appendFolded(text, r), n
}

func appendFolded(b []byte, r rune) []byte {
	return utf8.AppendRune(b, unicode.ToLower(unicode.ToUpper(r)))
}

func foldByte(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// escapedUTF8 reads a character written as the byte escapes of its UTF-8
// sequence at the start of s (%C3%89, \xc3\x89), so that it is folded as
// a character; n is their length, 0 for none.
func escapedUTF8(s string) (r rune, n int) {
	var seq [utf8.UTFMax]byte
	b, m := unescapeByte(s)
	if m == 0 || b < 0xc0 {
		return 0, 0
	}
	seq[0], n = b, m
	for k := 1; k < utf8.UTFMax && !utf8.FullRune(seq[:k]); k++ {
		b, m := unescapeByte(s[n:])
		if m == 0 {
			return 0, 0
		}
		seq[k], n = b, n+m
	}
	if r, _ := utf8.DecodeRune(seq[:]); r != utf8.RuneError {
		return r, n // n covers the escapes of exactly the sequence's bytes
	}
	return 0, 0
}

// isPunct reports ASCII punctuation: printable, neither a letter nor a
// digit nor a space.
func isPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !isDigit(c, 10) && !('a' <= c|0x20 && c|0x20 <= 'z')
}

// unescapeRune reads a character written as an escape at the start of s:
// JSON's \uXXXX (a surrogate pair as one), a backslash before ASCII
// punctuation (JSON's \/ and \", a properties file's \=, a query's \+),
// or an HTML character reference. n is the escape's length, 0 for none.
func unescapeRune(s string) (r rune, n int) {
	switch {
	case len(s) >= 6 && s[0] == '\\' && s[1] == 'u':
		u, ok := hex(s[2:6])
		if !ok {
			return 0, 0
		}
		if utf16.IsSurrogate(rune(u)) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if u2, ok := hex(s[8:12]); ok {
				if r := utf16.DecodeRune(rune(u), rune(u2)); r != utf8.RuneError {
					return r, 12
				}
			}
		}
		return rune(u), 6
	case len(s) >= 2 && s[0] == '\\' && isPunct(s[1]):
		return rune(s[1]), 2
	case len(s) >= 3 && s[0] == '&':
		return reference(s)
	}
	return 0, 0
}

// reference reads an HTML character reference at the start of s: &#NN;,
// &#xHH; or one of the names of XML's five.
func reference(s string) (r rune, n int) {
	for _, named := range [...]struct {
		name string
		r    rune
	}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}} {
		if len(s) >= len(named.name) && strings.EqualFold(s[:len(named.name)], named.name) {
			return named.r, len(named.name)
		}
	}
	if s[1] != '#' {
		return 0, 0
	}
	digits, base := s[2:], 10
	if len(digits) > 0 && digits[0]|0x20 == 'x' {
		digits, base = digits[1:], 16
	}
	end := 0
	for end < len(digits) && end <= maxReferenceDigits && isDigit(digits[end], base) {
		end++
	}
	if end == 0 || end > maxReferenceDigits || end == len(digits) || digits[end] != ';' {
		return 0, 0
	}
	v, err := strconv.ParseUint(digits[:end], base, 32)
	if err != nil || v > unicode.MaxRune {
		return 0, 0
	}
	return rune(v), len(s) - len(digits) + end + 1
}

// unescapeByte reads a byte written as an escape at the start of s:
// percent-encoding (%HH) or Python's \xHH. n is 3 or 4, 0 for none.
func unescapeByte(s string) (b byte, n int) {
	switch {
	case len(s) >= 3 && s[0] == '%':
		n = 3
	case len(s) >= 4 && s[0] == '\\' && s[1] == 'x':
		n = 4
	default:
		return 0, 0
	}
	v, ok := hex(s[n-2 : n])
	if !ok {
		return 0, 0
	}
	return byte(v), n
}

// hex reads s, hexadecimal digits only (no sign, no underscores).
func hex(s string) (uint64, bool) {
	v, err := strconv.ParseUint(s, 16, 32)
	return v, err == nil
}

func isDigit(c byte, base int) bool {
	return '0' <= c && c <= '9' || base == 16 && 'a' <= c|0x20 && c|0x20 <= 'f'
}
