//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// notPrivate says why the cache file fi is not private to the current
// user, or returns "" when it is: no permission bit for group or others,
// and owned by the user running the command.
func notPrivate(fi os.FileInfo) string {
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Sprintf("has mode %04o, but must be readable and writable by you alone (0600): "+
			"its token may have been read by others; delete the file (or chmod 600 it)", perm)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Sprintf("belongs to uid %d, not to you (uid %d)", st.Uid, os.Getuid())
	}
	return ""
}

// openCache opens the file Lstat has checked without following a symbolic
// link or blocking: swapped in the meantime for a link or a named pipe
// (whose open waits for a writer), it fails or is caught by the SameFile
// check after it, rather than hanging the command.
func openCache(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

// openLockFile opens the lock file, creating it (0600), without following a
// symbolic link or blocking on a named pipe: the lock is taken on whatever
// it opens, and a link would have it create or lock any file it names.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
}
