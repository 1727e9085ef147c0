package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"
)

// lockedSource is where a run that keeps a token cache gets each new token:
// under an exclusive lock on the cache's lock file, it first reads the
// cache again and takes a token another run saved since this one looked
// (runs started together buy one token, not one each: each is billed);
// else it gets one from next and saves it before unlocking.
type lockedSource struct {
	ctx   context.Context // the run's: a signal ends the wait for the lock
	next  source
	cache *tokenCache
	lock  *os.File // the cache's lock file, openLock's
	log   io.Writer
	wait  time.Duration // how long to wait for another run's lock before going without it
	have  string        // the access token this run holds, which a new one replaces
}

func (s *lockedSource) fetched() int { return s.next.fetched() }

func (s *lockedSource) Token() (*oauth2.Token, error) {
	release, _ := s.take() // interrupted: the token request below fails at once and says so
	defer release()
	if t := s.cache.replacement(s.have); t != nil {
		fmt.Fprintf(s.log, "messages: using the token another run has just saved in %s (expires in %s)\n",
			s.cache.path, time.Until(t.Expiry).Round(time.Second))
		s.have = t.AccessToken
		if l, ok := s.next.(*loginSource); ok && t.RefreshToken != "" {
			l.refresh = t.RefreshToken // the other run's renewal spent the one in hand
		}
		return t, nil
	}
	t, err := s.next.Token()
	if err != nil {
		return nil, err
	}
	s.have = t.AccessToken
	err = s.cache.save(t)
	_, tooLarge := errors.AsType[*tooLargeError](err)
	switch {
	case errors.Is(err, errNoExpiry) || tooLarge:
		fmt.Fprintf(s.log, "messages: warning: %v\n", err)
	case err != nil:
		fmt.Fprintf(s.log, "messages: warning: could not write the token cache: %v\n", err)
	}
	return t, nil
}

// markRefused sets (refused) or clears the cached token's RefusedFresh,
// under the lock, if the cache still holds t.
func (s *lockedSource) markRefused(t *oauth2.Token, refused bool) {
	release, interrupted := s.take()
	defer release()
	if interrupted {
		return // unlocked, the write could undo a token (a rotated refresh token) another run saves
	}
	if err := s.cache.markRefused(t, refused); err != nil {
		fmt.Fprintf(s.log, "messages: warning: could not write the token cache: %v\n", err)
	}
}

// take takes the lock, waiting for another run's at most s.wait (then
// going on without it, saying so), and returns its release; interrupted
// (the run's context ended while it waited), it goes on without it,
// silently.
func (s *lockedSource) take() (release func(), interrupted bool) {
	switch locked, err := lockFile(s.ctx, s.lock, s.wait); {
	case locked:
		return func() { unlockFile(s.lock) }, false
	case s.ctx.Err() != nil:
		return func() {}, true
	case err != nil:
		fmt.Fprintf(s.log, "messages: warning: going on without the token cache's lock %s: %v\n", s.lock.Name(), err)
	default:
		fmt.Fprintf(s.log, "messages: warning: going on without the token cache's lock %s: another run has held it for %s\n", s.lock.Name(), s.wait)
	}
	return func() {}, false
}

// openLock opens (creating it, 0600, with its directory) the cache's lock
// file, PATH.lock. It fails where the cache could not be kept either (a
// directory that cannot be written): before any token is bought, since
// every run would buy one and none could keep it. A lock file that is no
// regular file (a symbolic link, a named pipe) is refused, as the cache
// file is.
func (c *tokenCache) openLock() (*os.File, error) {
	path := c.path + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot keep the token cache: %w (give -token-cache a path in a directory you can write)", err)
	}
	notRegular := fmt.Errorf("the token cache's lock file %s is not a regular file: refusing to use it (delete it)", path)
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular
	}
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot keep the token cache: %w (give -token-cache a path in a directory you can write)", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() { // swapped in since Lstat
		_ = f.Close()
		return nil, notRegular
	}
	return f, nil
}

// replacement is the token the cache holds for this run's configuration
// when it is not have and not due for renewal: one another run has saved.
func (c *tokenCache) replacement(have string) *oauth2.Token {
	e, err := c.read()
	if err != nil || e.Version != cacheVersion || e.AccessToken == have || unusable(e.AccessToken, e.TokenType) != "" ||
		!c.sameClient(e) || len(c.lacks(e)) > 0 ||
		e.Expiry.IsZero() || !time.Now().Before(e.renewAt()) {
		return nil
	}
	return &oauth2.Token{AccessToken: e.AccessToken, TokenType: e.TokenType, Expiry: e.Expiry, RefreshToken: e.RefreshToken}
}
