//go:build !unix

package main

import "os"

// notPrivate cannot judge access from file mode bits on this system (they
// do not describe who may read the file), so it accepts the file; keep the
// cache in a directory of your own.
func notPrivate(os.FileInfo) string { return "" }

// openCache opens the cache file for reading.
func openCache(path string) (*os.File, error) { return os.Open(path) }

// openLockFile opens the lock file, creating it.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}
