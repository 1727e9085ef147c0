package tracing

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestScrubExportErrorCut: a failure message is kept whole up to
// maxExportErrorBytes and cut past it, never inside a UTF-8 sequence (a
// collector's answer may be in any language, and a line of invalid UTF-8
// is garbled by the JSON encoder).
func TestScrubExportErrorCut(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{"at the bound: whole", strings.Repeat("a", 512), strings.Repeat("a", 512)},
		{"one byte past: cut", strings.Repeat("a", 513), strings.Repeat("a", 512) + "... (cut)"},
		{"a 3-byte rune across the bound: cut before it", strings.Repeat("a", 511) + "€b", strings.Repeat("a", 511) + "... (cut)"},
		{"a 3-byte rune ending at the bound: kept", strings.Repeat("a", 509) + "€b", strings.Repeat("a", 509) + "€... (cut)"},
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
// values in its answer, and not always as sent: in another letter case, or
// escaped (JSON, percent-encoding, HTML), or a UTF-8 value read as Latin-1.
// A value is replaced in any case; an answer with escapes or non-ASCII text
// is withheld whole; a plain one is kept.
func TestScrubExportErrorEchoes(t *testing.T) {
	const head = "failed to send to http://127.0.0.1:4318/v1/traces: 400 Bad Request ("
	secrets := []string{"KeyéABCdef", "s3cr3tT0ken"}
	tests := []struct {
		name, body string
		withheld   bool
		want       string // the body as logged, when not withheld
	}{
		{"verbatim", "key s3cr3tT0ken refused)", false, "key REDACTED refused)"},
		{"upper case", "KEY S3CR3TT0KEN REFUSED)", false, "KEY REDACTED REFUSED)"},
		{"lower case", "header x-auth=s3cr3tt0ken)", false, "header x-auth=REDACTED)"},
		{"a plain answer", `{"code":16,"message":"unauthenticated"})`, false, `{"code":16,"message":"unauthenticated"})`},
		{"JSON escapes of a UTF-8 value", `{"x-api-key":"Key\u00e9ABCdef"})`, true, ""},
		{"a UTF-8 value read as Latin-1, escaped", `{"x-api-key":"Key\u00c3\u00a9ABCdef"})`, true, ""},
		{"a UTF-8 value read as Latin-1, lower-cased", "lower=keyã©abcdef)", true, ""},
		{"percent-encoded", "key=Key%C3%A9ABCdef)", true, ""},
		{"an HTML character reference", "key=Key&#233;ABCdef)", true, ""},
		{"control characters", "key\x01s3cr3t)", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scrubExportError(head+"body: "+tt.body, secrets)
			want := head + "body: " + tt.want
			if tt.withheld { // the SDK's closing parenthesis is kept
				want = head + "body withheld: " + strconv.Itoa(len(tt.body)-1) + " bytes holding escapes or text outside printable ASCII, which could spell an OTLP header's value)"
			}
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	// Without secrets to hide, the answer is kept as it is.
	if msg := head + `body: "Key\u00e9")`; scrubExportError(msg, nil) != msg {
		t.Errorf("got %q, want the message unchanged with no secrets", scrubExportError(msg, nil))
	}
}
