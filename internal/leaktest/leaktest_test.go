package leaktest

import (
	"testing"
	"time"
)

// recorder is a testing.TB that keeps its cleanups and failures, so a
// test can see what Check would report.
type recorder struct {
	testing.TB
	cleanups []func()
	failed   bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Cleanup(f func())      { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestCheck: a goroutine started after Check and still running when the
// test ends fails it; one that has ended by then, or one that ran before
// Check, does not.
func TestCheck(t *testing.T) {
	settle = 100 * time.Millisecond // the failing case waits it out
	older := make(chan struct{})
	go func() { <-older }()
	defer close(older)
	tests := []struct {
		name     string
		leave    bool
		wantFail bool
	}{
		{"a goroutine that has ended", false, false},
		{"a goroutine still running", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Check(r)
			stop, ended := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(ended)
				<-stop
			}()
			if !tt.leave {
				close(stop)
				<-ended
			}
			r.end()
			if tt.leave {
				close(stop)
			}
			if r.failed != tt.wantFail {
				t.Errorf("got failed %v, want %v", r.failed, tt.wantFail)
			}
		})
	}
}
