//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestCacheNotOurs: a cache file of another user, a named pipe (whose open
// would block until a writer came) and a directory are each refused with
// exit 2 before any token request, and left as they were.
func TestCacheNotOurs(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	tok := cacheEntry{Version: cacheVersion, Domain: f.tenantURL + "/", Audience: f.audience, ClientID: "dev-reader",
		AccessToken: "eyJ.planted.z", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour).UTC()}
	data, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, file string)
		want  string
	}{
		{"owned by another user", func(t *testing.T, file string) {
			if os.Getuid() != 0 {
				t.Skip("needs root to give a file to another user")
			}
			writeMode(t, file, data, 0o600)
			if err := os.Chown(file, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, "belongs to uid 65534, not to you (uid 0)"},
		{"a named pipe", func(t *testing.T, file string) {
			if err := syscall.Mkfifo(file, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
		{"a directory", func(t *testing.T, file string) {
			if err := os.Mkdir(file, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "is a directory: give the path of a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			tt.setup(t, file)
			before, err := os.Lstat(file)
			if err != nil {
				t.Fatal(err)
			}
			r := runCmd(t, nil, f.devArgs("-token-cache", file, "-print-token", "/api/private")...)
			if r.code != 2 || r.stdout != "" {
				t.Errorf("got exit code %d and stdout %q, want 2 and nothing", r.code, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "refusing to use it") {
				t.Errorf("got stderr %q, want it to contain %q and %q", r.stderr, tt.want, "refusing to use it")
			}
			if n := f.tokenRequests.Load(); n != 0 {
				t.Errorf("got %d token requests, want 0", n)
			}
			if after, err := os.Lstat(file); err != nil || !os.SameFile(before, after) || after.ModTime() != before.ModTime() {
				t.Errorf("got the refused file changed (%v), want it left as it was", err)
			}
		})
	}
}

// TestLockFileNotOurs: a lock file (PATH.lock) that is a symbolic link, a
// named pipe or a directory is refused with exit 2 before any token
// request, and a link's target is neither created nor locked.
func TestLockFileNotOurs(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	tests := []struct {
		name  string
		setup func(t *testing.T, lock string)
	}{
		{"a link to a file that does not exist", func(t *testing.T, lock string) {
			if err := os.Symlink(filepath.Join(dir, "created-by-lock"), lock); err != nil {
				t.Fatal(err)
			}
		}},
		{"a link to a file", func(t *testing.T, lock string) {
			writeMode(t, lock+".target", nil, 0o600)
			if err := os.Symlink(lock+".target", lock); err != nil {
				t.Fatal(err)
			}
		}},
		{"a named pipe", func(t *testing.T, lock string) {
			if err := syscall.Mkfifo(lock, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"a directory", func(t *testing.T, lock string) {
			if err := os.Mkdir(lock, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			tt.setup(t, file+".lock")
			before := f.tokenRequests.Load()
			r := runCmd(t, nil, f.devArgs("-token-cache", file, "/api/private")...)
			if want := "lock file " + file + ".lock is not a regular file: refusing to use it"; r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("got exit code %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
			}
			if got := f.tokenRequests.Load() - before; got != 0 {
				t.Errorf("got %d token requests, want 0", got)
			}
		})
	}
	if _, err := os.Lstat(filepath.Join(dir, "created-by-lock")); err == nil {
		t.Errorf("got the link's target created, want nothing made through the link")
	}
}

// TestLockWaitEndsOnSignal: a run waiting for another run's cache lock
// stops waiting when interrupted (Ctrl-C, a CI job's SIGTERM), rather than
// after -timeout, and says it was interrupted, not that it went on without
// the lock.
func TestLockWaitEndsOnSignal(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir() + "/token.json"
	holdLock(t, cache+".lock")
	busy := make(chan struct{}, 1)
	lockBusy = func() { busy <- struct{}{} }
	defer func() { lockBusy = nil }()

	ctx, interrupt := context.WithCancel(t.Context())
	done := make(chan result, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		code := run(ctx, f.devArgs("-timeout", "1h", "-token-cache", cache, "/api/private"), func(string) string { return "" }, &stdout, &stderr, nil)
		done <- result{code, stdout.String(), stderr.String()}
	}()
	<-busy
	interrupt()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.stderr, "interrupted") || strings.Contains(r.stderr, "without the token cache's lock") {
			t.Errorf("got exit code %d and stderr %q, want 1 and it saying it was interrupted", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second): // a hang detector: -timeout is an hour
		t.Fatal("got a run still waiting for the lock after the interrupt, want it to stop")
	}
	if n := f.tokenRequests.Load(); n != 0 {
		t.Errorf("got %d token requests, want none", n)
	}
}

// TestInterruptedMarkWritesNothing: a run interrupted while it waits for
// the lock to mark its token refused leaves the cache alone: written
// without the lock, it could undo what the lock's holder saves (a rotated
// refresh token, whose loss revokes the login).
func TestInterruptedMarkWritesNothing(t *testing.T) {
	tok := &oauth2.Token{AccessToken: "mine", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour), RefreshToken: "refresh-1"}
	_, c, lock := savedLoginCache(t, tok)
	holdLock(t, c.path+".lock")
	ctx, interrupt := context.WithCancel(t.Context())
	interrupt()
	var log bytes.Buffer
	s := &lockedSource{ctx: ctx, cache: c, lock: lock, log: &log, wait: time.Hour, have: "mine"}
	s.markRefused(tok, true)
	if e := readEntry(t, c.path); !e.RefusedFresh.IsZero() {
		t.Errorf("got the cache marked refused at %v, want it unwritten", e.RefusedFresh)
	}
	if log.Len() != 0 {
		t.Errorf("got %q, want nothing said: the run says it was interrupted", log.String())
	}
}

// holdLock takes the lock file at path as another run would, until the
// test ends.
func holdLock(t *testing.T, path string) {
	t.Helper()
	other, err := openLockFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	if locked, err := lockFile(t.Context(), other, 0); !locked || err != nil {
		t.Fatalf("another run's lock: got %v, %v, want it taken", locked, err)
	}
}
