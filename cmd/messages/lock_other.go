//go:build !unix

package main

import (
	"context"
	"os"
	"time"
)

// lockBusy is lock_unix.go's test hook; nothing calls it here.
var lockBusy func()

// lockFile takes no lock on this system: runs started together may each
// buy a token.
func lockFile(context.Context, *os.File, time.Duration) (bool, error) { return true, nil }

// unlockFile releases nothing: lockFile took nothing.
func unlockFile(*os.File) {}
