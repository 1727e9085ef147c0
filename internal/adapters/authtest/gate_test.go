package authtest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fatalTB records a Fatalf and ends the goroutine, as testing does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestArrivedFailsInsteadOfHanging: Arrived counts the calls that reached
// the gate, and fails the test when fewer arrive than it waits for (a
// request that never reaches the verifier), instead of blocking until go
// test's -timeout.
func TestArrivedFailsInsteadOfHanging(t *testing.T) {
	for _, tt := range []struct {
		name     string
		verifies int // Verify calls, held at the gate
		arrivals int // arrivals counted on the gate itself, with no call
		wait     int // Arrived's n
		wantMsg  string
	}{
		{name: "every call arrived", verifies: 2, wait: 2},
		{name: "none arrived", wait: 1, wantMsg: "0 of 1 calls reached the gate"},
		{name: "fewer than awaited", arrivals: 1, wait: 3, wantMsg: "1 of 3 calls reached the gate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := New(nil)
			g := v.Hold()
			defer g.Release()
			if tt.wantMsg != "" {
				g.patience = time.Millisecond // nothing more will arrive
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for range tt.verifies {
				go func() { _, _ = v.Verify(ctx, "token") }()
			}
			for range tt.arrivals {
				g.arrived <- struct{}{}
			}
			f := &fatalTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				g.Arrived(f, tt.wait)
			}()
			<-done
			if tt.wantMsg == "" && f.msg != "" || !strings.Contains(f.msg, tt.wantMsg) {
				t.Errorf("got failure %q, want %q", f.msg, tt.wantMsg)
			}
		})
	}
}
