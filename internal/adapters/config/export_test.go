package config

import (
	"testing"
	"time"
)

// SetPipeWait shortens how long a -config pipe is waited for, until t ends.
// Not for parallel tests: Load reads it.
func SetPipeWait(t testing.TB, d time.Duration) {
	old := pipeWait
	pipeWait = d
	t.Cleanup(func() { pipeWait = old })
}
