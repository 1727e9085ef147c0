//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often lockFile tries again for a lock another run holds.
const lockPoll = 20 * time.Millisecond

// lockBusy, when set (tests), is called once when lockFile finds the lock
// held by another run.
var lockBusy func()

// lockFile takes an exclusive flock on f, trying for at most wait, or
// until ctx ends (a signal: err is then ctx's); locked is false when
// another process still holds it then. unlockFile (or the process's end)
// releases it.
func lockFile(ctx context.Context, f *os.File, wait time.Duration) (locked bool, err error) {
	deadline := time.Now().Add(wait)
	for first := true; ; first = false {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return false, err
		}
		if first && lockBusy != nil {
			lockBusy()
		}
		if !time.Now().Before(deadline) {
			return false, nil
		}
		select {
		case <-time.After(lockPoll):
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// unlockFile releases lockFile's lock.
func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
