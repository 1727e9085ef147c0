package main

import (
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestRunsStartedTogetherBuyOneToken: a run that needs a token while
// another is buying one for the same cache waits for the other's lock,
// then takes the token it saved: one token billed, not one per run (cron
// jobs or CI steps starting at once, or all renewing at the same expiry).
func TestRunsStartedTogetherBuyOneToken(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir() + "/token.json"
	arrived := make(chan struct{}, 4)
	release := make(chan struct{})
	open := sync.OnceFunc(func() { close(release) })
	defer open()
	hook := func() { arrived <- struct{}{}; <-release }
	f.onToken.Store(&hook)
	busy := make(chan struct{}, 1)
	lockBusy = func() { busy <- struct{}{} }
	defer func() { lockBusy = nil }()

	results := make(chan result, 2)
	start := func() {
		go func() { results <- runCmd(t, nil, f.devArgs("-token-cache", cache, "/api/private")...) }()
	}
	start()
	<-arrived // the first run is buying its token, holding the lock
	start()   // the second finds no token in the cache
	select {
	case <-busy:
	case <-arrived:
		t.Fatal("got a second token request while the first was in flight, want the second run to wait for the first's lock")
	}
	open()
	for range 2 {
		if r := <-results; r.code != 0 || !slices.Equal(statusLines(r.stdout), []string{"HTTP/1.1 200 OK"}) {
			t.Errorf("got exit code %d and %q, want 0 and one 200\nstderr: %s", r.code, statusLines(r.stdout), r.stderr)
		}
	}
	if n := f.tokenRequests.Load(); n != 1 {
		t.Errorf("got %d token requests, want 1", n)
	}
	if _, tokens := f.seen(); len(tokens) != 1 {
		t.Errorf("got %d distinct tokens at the API, want 1", len(tokens))
	}
}

// TestReplacement: under the lock, a run takes the cached token only when
// it is another run's (not the one it is replacing), for its configuration
// and not due for renewal.
func TestReplacement(t *testing.T) {
	o := options{issuer: "https://tenant.example/", audience: "https://api.example", clientID: "client"}
	hour := time.Now().Add(time.Hour)
	tests := []struct {
		name   string
		saved  *oauth2.Token
		other  bool   // saved for another audience
		have   string // the token the run replaces
		wantOK bool
	}{
		{name: "another run's token", saved: &oauth2.Token{AccessToken: "theirs", TokenType: "Bearer", Expiry: hour}, have: "mine", wantOK: true},
		{name: "the token being replaced", saved: &oauth2.Token{AccessToken: "mine", TokenType: "Bearer", Expiry: hour}, have: "mine"},
		{name: "expired", saved: &oauth2.Token{AccessToken: "theirs", TokenType: "Bearer", Expiry: time.Now().Add(-time.Minute)}, have: "mine"},
		{name: "for another audience", saved: &oauth2.Token{AccessToken: "theirs", TokenType: "Bearer", Expiry: hour}, other: true, have: "mine"},
		{name: "no cache file", have: "mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/token.json"
			if tt.saved != nil {
				so := o
				if tt.other {
					so.audience = "https://other.example"
				}
				if err := newTokenCache(path, &so).save(tt.saved); err != nil {
					t.Fatal(err)
				}
			}
			got := newTokenCache(path, &o).replacement(tt.have)
			if (got != nil) != tt.wantOK {
				t.Errorf("got %v, want a token: %v", got, tt.wantOK)
			}
		})
	}
}
