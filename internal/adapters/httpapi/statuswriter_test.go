package httpapi

import (
	"net/http/httptest"
	"testing"
)

// TestStatusWriterRecordsTheFinalStatus: the access line's status is the
// first final one written; a 1xx (103 Early Hints, 100 Continue) is
// interim, so the status that follows it is the one logged.
func TestStatusWriterRecordsTheFinalStatus(t *testing.T) {
	const body = 0 // in calls: a Write of the body instead of a WriteHeader
	tests := []struct {
		name  string
		calls []int
		want  int
	}{
		{"103, then 404", []int{103, 404}, 404},
		{"100, then a body", []int{100, body}, 200},
		{"199, then 500", []int{199, 500}, 500},
		{"200", []int{200}, 200},
		{"a body alone", []int{body}, 200},
		{"201, then 500", []int{201, 500}, 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &statusWriter{ResponseWriter: httptest.NewRecorder()}
			for _, c := range tt.calls {
				if c == body {
					_, _ = w.Write([]byte("x"))
					continue
				}
				w.WriteHeader(c)
			}
			if w.status != tt.want {
				t.Errorf("got status %d, want %d", w.status, tt.want)
			}
		})
	}
}
