package tracing

import (
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
