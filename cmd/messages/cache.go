package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxCacheBytes bounds what is read from a token cache file.
const maxCacheBytes = 64 << 10

// cacheVersion is written into every cache file; another value is ignored.
const cacheVersion = 1

// cacheEntry is the token cache file's content. It holds the access token
// (and with -login its refresh token) and what it was issued for, never
// the client secret.
type cacheEntry struct {
	Version  int    `json:"version"`
	Grant    string `json:"grant,omitempty"` // grantLogin, or "" for client credentials
	Domain   string `json:"domain"`          // the tenant's issuer, "https://DOMAIN/"
	Audience string `json:"audience"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"` // the requested scopes, sorted, each once; "" = the client's default
	// Covers is the scopes a run may ask for and still reuse a client's
	// token, sorted, each once: those the tenant granted it (its token
	// response's scope) and those asked for when it was bought (RFC 6749
	// section 5.1: a response without scope granted them; a tenant that
	// left one out would leave it out again). Empty for a user's token, and
	// in files of earlier runs, where Scope stands in for it.
	Covers       string    `json:"covers,omitempty"`
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	Expiry       time.Time `json:"expiry"`
	RenewAt      time.Time `json:"renew_at,omitzero"` // when the run that fetched it would stop reusing it
	RefreshToken string    `json:"refresh_token,omitempty"`
	// RefusedFresh is when the API refused this token (401) though it had
	// just been bought to replace a refused one: its refusals are not its
	// age, so later runs do not buy another on a 401 (each is billed).
	RefusedFresh time.Time `json:"refused_fresh,omitzero"`
}

// renewAt is when the cached token stops being reused: the moment saved
// with it, so the next run keeps the rule of the run that fetched it
// (renewBefore), or earlyExpiry before it expires for an entry without one
// or with one past its expiry.
func (e *cacheEntry) renewAt() time.Time {
	if !e.RenewAt.IsZero() && !e.RenewAt.After(e.Expiry) {
		return e.RenewAt
	}
	return e.Expiry.Add(-earlyExpiry)
}

// grantLogin marks a cache entry of -login: a user's token, never mixed
// up with a client's.
const grantLogin = "authorization_code"

// tokenCache keeps one token across runs in a file only its owner can read.
type tokenCache struct {
	path string
	key  cacheEntry // Domain, Audience, ClientID and Scope of this run

	// refusedFresh is the loaded token's RefusedFresh: load's.
	refusedFresh time.Time
}

func newTokenCache(path string, o *options) *tokenCache {
	grant := ""
	if o.login {
		grant = grantLogin
	}
	return &tokenCache{path: path, key: cacheEntry{
		Version:  cacheVersion,
		Grant:    grant,
		Domain:   o.issuer,
		Audience: o.audience,
		ClientID: o.clientID,
		Scope:    scopeKey(o.scopes),
	}}
}

// scopeKey is a scope set as the cache keeps it: sorted and each once, so
// runs asking for the same set however spelt share one token (each is
// billed).
func scopeKey(scopes []string) string {
	return strings.Join(slices.Compact(slices.Sorted(slices.Values(scopes))), " ")
}

// sameClient reports whether e holds a token of this run's grant, tenant,
// audience and client, and for a user's token (-login) of the same
// requested scopes: a user is granted what the login asked for.
func (c *tokenCache) sameClient(e *cacheEntry) bool {
	return e.Grant == c.key.Grant && e.Domain == c.key.Domain && e.Audience == c.key.Audience && e.ClientID == c.key.ClientID &&
		(e.Grant != grantLogin || e.Scope == c.key.Scope)
}

// lacks is the scopes this run asks for that e's client token does not
// cover, or nil. Auth0 gives a client every scope it was granted, whatever
// the request's scope says, and refuses one not granted, so a token serves
// every run asking for some of its scopes: runs differing only in -scope
// share it (each new token is billed).
func (c *tokenCache) lacks(e *cacheEntry) []string {
	if e.Grant == grantLogin {
		return nil // sameClient compared the scopes
	}
	covers := e.Covers
	if covers == "" {
		covers = e.Scope
	}
	var missing []string
	have := strings.Fields(covers)
	for _, s := range strings.Fields(c.key.Scope) {
		if !slices.Contains(have, s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// unsafeCacheError means the cache file is readable or writable by others
// (or is not a plain file of ours): its token may have leaked, so it is not
// used, and not silently replaced either. So too a file that holds
// something else than a token cache: a mistyped path must not cost the
// file it names.
type unsafeCacheError struct {
	path, why string
}

func (e *unsafeCacheError) Error() string {
	return fmt.Sprintf("token cache %s %s; refusing to use it", e.path, e.why)
}

// load returns the cached token when the file holds one for this run's
// grant, tenant, audience, client and scopes that is not past its renewal
// moment, or only the refresh token of one that is (the caller renews it),
// with how long before its expiry it stops being reused. A missing or
// empty file, or one for another configuration, gives nil and a note on
// log (the next save replaces it). An unsafe file, or one that is not a
// token cache, gives an *unsafeCacheError.
func (c *tokenCache) load(log io.Writer) (*oauth2.Token, time.Duration, error) {
	e, err := c.read()
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, earlyExpiry, nil
	case err != nil:
		if _, unsafe := errors.AsType[*unsafeCacheError](err); unsafe {
			return nil, earlyExpiry, err
		}
		fmt.Fprintf(log, "messages: ignoring the token cache: %v\n", err)
		return nil, earlyExpiry, nil
	}
	renew := e.Expiry.Sub(e.renewAt())
	due := e.Expiry.IsZero() || !time.Now().Before(e.renewAt())
	missing := c.lacks(e)
	switch {
	case e.Version != cacheVersion || e.AccessToken == "":
		fmt.Fprintf(log, "messages: ignoring the token cache %s: not a token cache of this version\n", c.path)
		return nil, earlyExpiry, nil
	case unusable(e.AccessToken, e.TokenType) != "":
		// Hand-edited or corrupted: sent as it is, it would fail every
		// call, and -print-token would write it to the terminal.
		fmt.Fprintf(log, "messages: ignoring the token cache %s: %s\n", c.path, unusable(e.AccessToken, e.TokenType))
		return nil, earlyExpiry, nil
	case !c.sameClient(e):
		fmt.Fprintf(log, "messages: ignoring the token cache %s: it holds a token for another tenant, audience, client or scope\n", c.path)
		return nil, earlyExpiry, nil
	case len(missing) > 0:
		fmt.Fprintf(log, "messages: ignoring the token cache %s: it does not record %s among its token's scopes; asking the tenant (the client may have been granted it since)\n",
			c.path, clean(strings.Join(missing, " ")))
		return nil, earlyExpiry, nil
	case e.RefreshToken != "" && due:
		fmt.Fprintf(log, "messages: the cached token in %s has expired or is about to; renewing it with its refresh token\n", c.path)
		// The refresh token alone: oauth2 would reuse an access token
		// without an expiry (a hand-edited file) as valid for ever.
		return &oauth2.Token{RefreshToken: e.RefreshToken}, renew, nil
	case due:
		fmt.Fprintf(log, "messages: the cached token in %s has expired or is about to; getting a new one\n", c.path)
		return nil, earlyExpiry, nil
	}
	fmt.Fprintf(log, "messages: using the cached token from %s (expires in %s)\n", c.path, time.Until(e.Expiry).Round(time.Second))
	c.refusedFresh = e.RefusedFresh
	return &oauth2.Token{AccessToken: e.AccessToken, TokenType: e.TokenType, Expiry: e.Expiry, RefreshToken: e.RefreshToken}, renew, nil
}

func (c *tokenCache) read() (*cacheEntry, error) {
	fi, err := os.Lstat(c.path)
	if err != nil {
		return nil, err
	}
	switch {
	case fi.IsDir():
		return nil, &unsafeCacheError{c.path, "is a directory: give the path of a file"}
	case !fi.Mode().IsRegular():
		return nil, &unsafeCacheError{c.path, "is not a regular file (symbolic links are not followed)"}
	}
	if why := notPrivate(fi); why != "" {
		return nil, &unsafeCacheError{c.path, why}
	}
	f, err := openCache(c.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file opened must be the one checked.
	if fi2, err := f.Stat(); err != nil || !os.SameFile(fi, fi2) {
		return nil, &unsafeCacheError{c.path, "changed while it was being opened"}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxCacheBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.path, err)
	}
	if len(data) > maxCacheBytes {
		return nil, &unsafeCacheError{c.path, fmt.Sprintf("is larger than %d bytes, so not a token cache; it is left as it is: give another path, or remove the file", maxCacheBytes)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s is empty", c.path)
	}
	// Ours is a JSON object with a version (any: a later one's is ours to
	// replace too) and the members every version has written; anything
	// else is someone's file under a mistyped path (a version alone is
	// common: a Terraform state has one).
	var members map[string]json.RawMessage
	var e cacheEntry
	if json.Unmarshal(data, &members) != nil || json.Unmarshal(data, &e) != nil || e.Version < 1 ||
		!hasAll(members, "domain", "audience", "client_id", "access_token", "expiry") {
		return nil, &unsafeCacheError{c.path, "is not a token cache (a JSON object with version, domain, audience, client_id, access_token and expiry); it is left as it is: give another path, or remove the file"}
	}
	return &e, nil
}

// hasAll reports whether m has every one of names.
func hasAll(m map[string]json.RawMessage, names ...string) bool {
	for _, n := range names {
		if _, ok := m[n]; !ok {
			return false
		}
	}
	return true
}

// errNoExpiry is save's refusal of a token without an expiry.
var errNoExpiry = errors.New("the tenant sent no expires_in (or 0), so there is no knowing when the token goes stale: it is used for this run only, not cached")

// save writes t for this run's configuration atomically: a new 0600 file
// in the same directory, synced, then renamed over the old one. A token
// without an expiry is not cached (errNoExpiry).
func (c *tokenCache) save(t *oauth2.Token) error {
	if t.Expiry.IsZero() {
		return errNoExpiry
	}
	e := c.key
	e.AccessToken, e.TokenType, e.Expiry = t.AccessToken, t.TokenType, t.Expiry.UTC().Round(0)
	e.RenewAt = e.Expiry.Add(-renewBefore(t))
	e.RefreshToken = t.RefreshToken
	if e.Grant != grantLogin {
		granted, _ := t.Extra("scope").(string)
		e.Covers = scopeKey(append(strings.Fields(granted), strings.Fields(e.Scope)...))
	}
	return c.write(&e)
}

// markRefused sets (refused) or clears the RefusedFresh of the cached
// token when it is still t; the file is left alone otherwise.
func (c *tokenCache) markRefused(t *oauth2.Token, refused bool) error {
	e, err := c.read()
	if err != nil || e.AccessToken != t.AccessToken {
		return err
	}
	e.RefusedFresh = time.Time{}
	if refused {
		e.RefusedFresh = time.Now().UTC().Round(time.Second)
	}
	return c.write(e)
}

// tooLargeError is write's refusal of an entry larger than read accepts
// (a tenant's huge token or scope): written, the file would be refused by
// every later run as not a token cache.
type tooLargeError struct{ size int }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the token and what it was issued for take %d bytes, more than a token cache's %d: it is used for this run only, not cached", e.size, maxCacheBytes)
}

// write replaces the cache file with e atomically: a new 0600 file in the
// same directory, synced, then renamed over the old one. An entry larger
// than maxCacheBytes is not written (*tooLargeError).
func (c *tokenCache) write(e *cacheEntry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if len(data) > maxCacheBytes {
		return &tooLargeError{len(data)}
	}

	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// CreateTemp opens with mode 0600, so the token is never readable by
	// others, not even for a moment.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(c.path)+".tmp-*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return err
	}
	ok = true
	return nil
}
