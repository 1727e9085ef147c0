// Package leaktest fails a test that leaves goroutines running after it,
// as goleak does: by goroutine id, so those that ran before the test
// (another test's lingering client, the runtime's) do not count.
package leaktest

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// settle bounds the wait for the goroutines to end: a hang detector, far
// above the milliseconds a clean stop leaves them. A variable for this
// package's own test.
var settle = 5 * time.Second

// Check fails t if, when t ends (after the cleanups registered after this
// call, which run first), goroutines started since the call are still
// running. Goroutines end with no signal to wait on, so they are polled.
// Call it first, in a test that does not run in parallel with others.
func Check(t testing.TB) {
	t.Helper()
	before := running()
	t.Cleanup(func() {
		deadline := time.Now().Add(settle)
		for {
			left := startedSince(before)
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("got %d goroutines still running %s after the test, want none:\n\n%s",
					len(left), settle, strings.Join(left, "\n\n"))
				return
			}
			// A goroutine that holds its owner by a weak pointer (the
			// token cache's cleanup) ends once the owner is collected.
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// running is the set of ids of the goroutines running now.
func running() map[string]bool {
	ids := map[string]bool{}
	for _, g := range stacks() {
		ids[id(g)] = true
	}
	return ids
}

// startedSince is the stacks of the goroutines running now whose ids are
// not in before.
func startedSince(before map[string]bool) []string {
	var left []string
	for _, g := range stacks() {
		if !before[id(g)] {
			left = append(left, g)
		}
	}
	return left
}

// stacks is the stack of every goroutine, one an element.
func stacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(bytes.TrimSpace(buf[:n])), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// id is the "goroutine N" that opens a stack.
func id(stack string) string {
	head, _, _ := strings.Cut(stack, " [")
	return head
}
