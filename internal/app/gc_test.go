package app

import (
	"runtime/debug"
	"testing"
)

func TestSetGOGC(t *testing.T) {
	const serviceDefault = 400 // the README's; defaultGOGC must not drift from it
	for _, tt := range []struct {
		name    string
		environ []string
		start   int
		want    int64
	}{
		{"unset: the service's default", []string{"PORT=3010"}, 100, serviceDefault},
		{"set: the operator's value stands", []string{"GOGC=150"}, 150, 150},
		{"set to off: stays off", []string{"GOGC=off"}, -1, -1},
		{"a longer name is not GOGC", []string{"GOGC_EXTRA=1"}, 100, serviceDefault},
		// Values the runtime ignores (it runs at 100): the service's default instead.
		{"set but empty", []string{"GOGC="}, 100, serviceDefault},
		{"not a number", []string{"GOGC=abc"}, 100, serviceDefault},
		{"OFF in capitals", []string{"GOGC=OFF"}, 100, serviceDefault},
		{"beyond 32 bits", []string{"GOGC=99999999999"}, 100, serviceDefault},
		{"hexadecimal: the runtime reads base 10 only", []string{"GOGC=0x10"}, 100, serviceDefault},
		{"with a space", []string{"GOGC= 150"}, 100, serviceDefault},
		{"the largest the runtime reads", []string{"GOGC=2147483647"}, 2147483647, 2147483647},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The runtime read GOGC at start-up; the test plays that part.
			prev := debug.SetGCPercent(tt.start)
			t.Cleanup(func() { debug.SetGCPercent(prev) })
			setGOGC(tt.environ)
			if got := gogc(); got != tt.want {
				t.Errorf("got GOGC %d, want %d", got, tt.want)
			}
		})
	}
}
