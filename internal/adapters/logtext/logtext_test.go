package logtext_test

import (
	"testing"

	"github.com/example/messages-api/internal/adapters/logtext"
)

func TestReplaceControls(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "curl/8.4.0", "curl/8.4.0"},
		{"other scripts kept", "quota dépassée, 配额", "quota dépassée, 配额"},
		{"C1 controls (NEL, CSI)", "a\u0085b\u009b31m", "a\ufffdb\ufffd31m"},
		{"line and paragraph separators", "a\u2028b\u2029", "a\ufffdb\ufffd"},
		{"bidi controls", "\u061c\u200e\u200f\u202a\u202e\u2066\u2069x", "\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffdx"},
		{"neighbours kept", "\u00a0\u200d\u2027\u202f\u2065\u206a", "\u00a0\u200d\u2027\u202f\u2065\u206a"},
		// Each byte that is not UTF-8 is U+FFFD, as a JSON encoder shows it,
		// in three bytes rather than the six of its escape.
		{"invalid UTF-8", "a\xc2", "a\ufffd"},
		{"each invalid byte", "\xff\xfe", "\ufffd\ufffd"},
		{"a character cut short, then ASCII", "\xe2\x80x", "\ufffd\ufffdx"},
		{"an encoded surrogate", "\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
		{"a valid character after an invalid byte", "\x80é", "\ufffdé"},
		{"U+FFFD itself kept", "\ufffd", "\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logtext.ReplaceControls(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "abc", 5, "abc"},
		{"at the bound", "abcde", 5, "abcde"},
		{"past it", "abcdef", 5, "abcde"},
		{"a rune across the bound dropped", "abcd€", 5, "abcd"},
		{"a rune ending at the bound kept", "ab€x", 5, "ab€"},
		{"invalid bytes count one each", "\xff\xff\xff\xff\xff\xff", 5, "\xff\xff\xff\xff\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logtext.Cut(tt.in, tt.max); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
