package tracing

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestScrubExportErrorCut: a failure message is kept whole up to
// maxExportErrorBytes and cut past it, never inside a UTF-8 sequence (a
// collector's answer may be in any language, and a line of invalid UTF-8
// is garbled by the JSON encoder), and what a terminal or a log viewer
// acts on in it is replaced.
func TestScrubExportErrorCut(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{"at the bound: whole", strings.Repeat("a", 512), strings.Repeat("a", 512)},
		{"one byte past: cut", strings.Repeat("a", 513), strings.Repeat("a", 512) + "... (cut)"},
		{"a 3-byte rune across the bound: cut before it", strings.Repeat("a", 511) + "€b", strings.Repeat("a", 511) + "... (cut)"},
		{"a 3-byte rune ending at the bound: kept", strings.Repeat("a", 509) + "€b", strings.Repeat("a", 509) + "€... (cut)"},
		// What a terminal or log viewer acts on, from the collector's answer.
		{"a C1 control (CSI)", "body: quota\u009b31mexceeded", "body: quota\ufffd31mexceeded"},
		{"a bidi override", "body: quota\u202eexceeded", "body: quota\ufffdexceeded"},
		{"a bidi isolate and mark", "body: \u2066a\u200fb", "body: \ufffda\ufffdb"},
		{"line and paragraph separators", "body: line1\u2028line2\u2029", "body: line1\ufffdline2\ufffd"},
		{"NEL", "body: a\u0085b", "body: a\ufffdb"},
		{"other scripts kept", "body: quota dépassée, 配额", "body: quota dépassée, 配额"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scrubExportError(tt.msg, nil)
			if got != tt.want {
				t.Errorf("got %d bytes ending %q, want %d bytes ending %q", len(got), got[max(0, len(got)-16):], len(tt.want), tt.want[max(0, len(tt.want)-16):])
			}
			if !utf8.ValidString(got) {
				t.Errorf("got invalid UTF-8 ending %q", got[max(0, len(got)-16):])
			}
		})
	}
}

// TestScrubExportErrorEchoes: a collector may echo the request's header
// values in its answer, and not always as sent: in another letter case,
// escaped (JSON, HTML, percent-encoding), or a UTF-8 value read as
// Latin-1. Each spelling is replaced; the rest of the answer is kept.
func TestScrubExportErrorEchoes(t *testing.T) {
	const head = "failed to send to http://127.0.0.1:4318/v1/traces: 400 Bad Request (body: "
	secrets := []string{"KeyéABCdef", "s3cr3tT0ken", "abc&def<SECRET>", "AKIA+S3CRET/abcd=", "S3CRETµx", "S3CRET\xffx",
		`pa\"S3CRET`, `ab%41S3CRET`, "KeyÉABCdef", "my secret key"}
	tests := []struct{ name, body, want string }{
		{"verbatim", "key s3cr3tT0ken refused)", "key REDACTED refused)"},
		{"upper case", "KEY S3CR3TT0KEN REFUSED)", "KEY REDACTED REFUSED)"},
		{"lower case", "header x-auth=s3cr3tt0ken)", "header x-auth=REDACTED)"},
		{"a plain answer", `{"code":16,"message":"unauthenticated"})`, `{"code":16,"message":"unauthenticated"})`},
		{"protobuf framing", "\b\a\x12@Permission denied: the API key is not valid)", "\b\a\x12@Permission denied: the API key is not valid)"},
		{"an HTML page over lines", "<html>\r\n<h1>502 Bad Gateway</h1>\r\n</html>)", "<html>\r\n<h1>502 Bad Gateway</h1>\r\n</html>)"},
		{"a non-ASCII value", "key=KeyéABCdef)", "key=REDACTED)"},
		{"a non-ASCII value upper-cased", "key=KEYÉABCDEF)", "key=REDACTED)"},
		{"JSON escapes of a UTF-8 value", `{"x-api-key":"Key\u00e9ABCdef"})`, `{"x-api-key":"REDACTED"})`},
		{"JSON escapes in upper-case hex", `{"x-api-key":"Key\u00E9ABCdef"})`, `{"x-api-key":"REDACTED"})`},
		{"a UTF-8 value read as Latin-1, escaped", `{"x-api-key":"Key\u00c3\u00a9ABCdef"})`, `{"x-api-key":"REDACTED"})`},
		{"a UTF-8 value read as Latin-1, lower-cased", "lower=keyã©abcdef)", "lower=REDACTED)"},
		{"percent-encoded", "key=Key%C3%A9ABCdef)", "key=REDACTED)"},
		{"an HTML character reference", "key=Key&#233;ABCdef)", "key=REDACTED)"},
		{"HTML-escaped", "key=abc&amp;def&lt;SECRET&gt;)", "key=REDACTED)"},
		{"JSON-escaped as Go writes it", `"abc\u0026def\u003cSECRET\u003e")`, `"REDACTED")`},
		{"two echoes overlapping", "s3cr3tT0kens3cr3tT0ken)", "REDACTEDREDACTED)"},
		// As JSON encoders of other languages write them.
		{"Gson's escaped =", `"AKIA+S3CRET/abcd\u003d")`, `"REDACTED")`},
		{".NET's escaped +", `"AKIA\u002BS3CRET/abcd=")`, `"REDACTED")`},
		{"PHP's escaped slash", `"AKIA+S3CRET\/abcd=")`, `"REDACTED")`},
		{"every character escaped", `"\u0041\u004b\u0049\u0041\u002b\u0053\u0033\u0043\u0052\u0045\u0054\u002f\u0061\u0062\u0063\u0064\u003d")`, `"REDACTED")`},
		{"a surrogate pair and a lone surrogate around it", `x\ud800 "s3cr3tT0ken\ud83d\ude00")`, `x\ud800 "REDACTED\ud83d\ude00")`},
		{"percent-encoded as Python's quote", "?key=AKIA%2BS3CRET/abcd%3D)", "?key=REDACTED)"},
		{"Python's bytes repr", `b'Key\xc3\xa9ABCdef')`, `b'REDACTED')`},
		{"an HTML hex reference", "key=Key&#xE9;ABCdef)", "key=REDACTED)"},
		{"HTML's &quot; and &apos; around it", "key=&quot;s3cr3tT0ken&apos;)", "key=&quot;REDACTED&apos;)"},
		{"a micro sign upper-cased", "KEY=S3CRETΜX)", "KEY=REDACTED)"},
		{"an invalid byte echoed raw", "key=S3CRET\xffx)", "key=REDACTED)"},
		{"a reference with too many digits is text", "&#0000000065;s3cr3tT0ken)", "&#0000000065;REDACTED)"},
		// A non-ASCII character written as its UTF-8 bytes' escapes is
		// folded as the character.
		{"a micro sign percent-encoded", "key=S3CRET%C2%B5x)", "key=REDACTED)"},
		{"a micro sign in a bytes repr", `b'S3CRET\xc2\xb5x')`, `b'REDACTED')`},
		{"a capital percent-encoded, lower-cased", "key=keyÉabcdef KEY=Key%C3%89ABCdef)", "key=REDACTED KEY=REDACTED)"},
		// A value whose own text looks escaped, escaped once more.
		{"a value with an escaped quote, JSON-escaped", `{"key":"pa\\\"S3CRET"})`, `{"key":"REDACTED"})`},
		{"a value with a percent sign, percent-encoded", "?key=ab%2541S3CRET)", "?key=REDACTED)"},
		// An answer quoting another answer: two layers of escapes.
		{"Gson's JSON in a JSON string", `{"message":"upstream: {\"error\":\"bad key AKIA+S3CRET/abcd\\u003d\"}"})`, `{"message":"upstream: {\"error\":\"bad key REDACTED\"}"})`},
		{"percent-encoded twice", "key=AKIA%252BS3CRET%252Fabcd%253D)", "key=REDACTED)"},
		{"HTML-escaped twice", "key=AKIA&amp;#43;S3CRET/abcd=)", "key=REDACTED)"},
		// A backslash before any punctuation, as properties files and query syntaxes write it.
		{"backslash-escaped + and =", `key=AKIA\+S3CRET/abcd\=)`, "key=REDACTED)"},
		// A form's + for a space; a literal + is still found as written.
		{"spaces form-encoded", `{"error":"key my+secret+key refused"})`, `{"error":"key REDACTED refused"})`},
		{"a literal plus", "key=AKIA+S3CRET/abcd=)", "key=REDACTED)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := scrubExportError(head+tt.body, secrets), head+tt.want; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	// Without secrets to hide, the answer is kept as it is.
	if msg := head + `"Key\u00e9")`; scrubExportError(msg, nil) != msg {
		t.Errorf("got %q, want the message unchanged with no secrets", scrubExportError(msg, nil))
	}
}

// TestScrubExportErrorLongAnswer: only the start of a long answer is
// searched, and what a secret cut where the search stopped leaves of it is
// never logged, even when replacing shortens what comes before.
func TestScrubExportErrorLongAnswer(t *testing.T) {
	secret := "<" + strings.Repeat("Z", 1998) + ">"
	msg := "body: " + strings.Repeat(secret+" ", 40) // 80 KB: the search stops inside the 33rd copy
	got := scrubExportError(msg, []string{secret})
	if strings.Contains(got, "ZZZZ") {
		t.Errorf("got %q, want no part of the secret", got)
	}
	if !strings.HasPrefix(got, "body: REDACTED REDACTED") || !strings.HasSuffix(got, "... (cut)") || len(got) < 32*len("REDACTED ") {
		t.Errorf("got %.40q, want the answer's start with the secret replaced", got)
	}
}

// TestScrubExportErrorLongEscapedAnswer: an echo spelt in escapes takes
// up to maxEscapeBytes bytes per byte of the secret; where the search
// stops inside one, none of it is logged.
func TestScrubExportErrorLongEscapedAnswer(t *testing.T) {
	secret := "<" + strings.Repeat("Z", 1998) + ">"
	var escaped strings.Builder
	for _, r := range secret {
		fmt.Fprintf(&escaped, "\\u%04x", r)
	}
	msg := "body: " + strings.Repeat(escaped.String()+" ", 8) // 96 KB: the search stops inside the 6th echo
	got := scrubExportError(msg, []string{secret})
	if strings.Contains(got, "\\u00") {
		t.Errorf("got %q, want nothing of the escaped echoes", got)
	}
	if !strings.HasPrefix(got, "body: REDACTED REDACTED") || !strings.HasSuffix(got, "... (cut)") {
		t.Errorf("got %q, want the echoes replaced and the message marked cut", got)
	}
}

// FuzzScrubExportError: whatever the answer and the header value, the
// scrub neither panics nor logs more than its bound, and the value
// written as set is never in what it logs.
func FuzzScrubExportError(f *testing.F) {
	f.Add("body: key s3cr3tT0ken refused", "s3cr3tT0ken", 0)
	f.Add(`body: "\u0041\ud83d\ude00&#x10FFFF;&amp;%zz\x4"`, "A\U0001F600", 70000)
	f.Add("body: İİİ KKK µΜ \xff\xfe", "iii", 65530)
	f.Add(`body: \\u0041xyz`, `\u0041xyz`, 0) // a value that looks escaped, after a backslash
	f.Add("000\xb2", "000\xef", 224)          // U+FFFD for the byte \xb2 completes a value that is not UTF-8
	f.Fuzz(func(t *testing.T, body, secret string, pad int) {
		if len(secret) < minSecretBytes || pad < 0 || pad > 1<<17 {
			return
		}
		msg := strings.Repeat("-", pad) + body
		got := scrubExportError(msg, []string{secret})
		if len(got) > maxExportErrorBytes+len("... (cut)") {
			t.Fatalf("got %d bytes, want at most %d", len(got), maxExportErrorBytes+len("... (cut)"))
		}
		if strings.Contains(got, secret) {
			t.Fatalf("got %q, want no %q in it", got, secret)
		}
	})
}
