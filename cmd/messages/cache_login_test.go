package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// A client-credentials cache is never taken for a login's, nor the reverse.
func TestLoginCacheKeptApart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token.json")
	o := options{issuer: "https://tenant.example/", audience: "a", clientID: "c"}
	if err := newTokenCache(file, &o).save(&oauth2.Token{AccessToken: "m2m", Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	o.login = true
	var log strings.Builder
	if got, _, err := newTokenCache(file, &o).load(&log); got != nil || err != nil {
		t.Errorf("got token %v and error %v for -login from a client-credentials cache, want none", got, err)
	}
	if !strings.Contains(log.String(), "another tenant, audience, client or scope") {
		t.Errorf("got note %q, want one saying the cache is for another client", log.String())
	}
}
