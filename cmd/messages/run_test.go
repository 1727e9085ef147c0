package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/example/messages-api/internal/adapters/devtenant"
)

// TestRenewBefore: how long before its expiry a new token stops being
// reused. Bounds, not exact values: a little time passes between making
// the token and measuring its life.
func TestRenewBefore(t *testing.T) {
	tests := []struct {
		name     string
		life     time.Duration // 0: no expiry
		min, max time.Duration
	}{
		{"a day-long token: earlyExpiry", 24 * time.Hour, earlyExpiry, earlyExpiry},
		{"exactly twice earlyExpiry: half its life", 2 * earlyExpiry, earlyExpiry / 2, earlyExpiry},
		// earlyExpiry alone would leave a 90 s token 30 s of reuse.
		{"a 90 s token: half its life", 90 * time.Second, 30 * time.Second, 45 * time.Second},
		{"a 30 s token: half its life", 30 * time.Second, 0, 15 * time.Second},
		// Never negative: that would reuse a token past its expiry.
		{"already expired: 0", -10 * time.Second, 0, 0},
		{"no expiry: earlyExpiry", 0, earlyExpiry, earlyExpiry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := &oauth2.Token{AccessToken: "a"}
			if tt.life != 0 {
				tok.Expiry = time.Now().Add(tt.life)
			}
			if got := renewBefore(tok); got < tt.min || got > tt.max || (tt.min != tt.max && got == tt.min) {
				t.Errorf("got %s, want %s", got, bounds(tt.min, tt.max))
			}
		})
	}
}

func bounds(min, max time.Duration) string {
	if min == max {
		return min.String()
	}
	return "in (" + min.String() + ", " + max.String() + "]"
}

func TestRepeatedCallsReuseOneToken(t *testing.T) {
	tests := []struct {
		n          string
		ttl        time.Duration // the tenant's token lifetime; 0 = its default
		wantCalls  int
		wantTokens int64
	}{
		{"1", 0, 1, 1},
		{"5", 0, 5, 1},
		// Shorter than twice the early renewal: still reused, for half its life.
		{"5", 30 * time.Second, 5, 1},
		{"5", 2 * earlyExpiry, 5, 1},
	}
	for _, tt := range tests {
		t.Run("n="+tt.n+"/ttl="+tt.ttl.String(), func(t *testing.T) {
			f := newFixtureWith(t, func(c *devtenant.Config) {
				if tt.ttl != 0 {
					c.TokenTTL = tt.ttl
				}
			})
			r := runCmd(t, nil, f.devArgs("-n", tt.n, "/api/private-scoped")...)
			if r.code != 0 {
				t.Fatalf("got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			if got := f.tokenRequests.Load(); got != tt.wantTokens {
				t.Errorf("got %d token requests, want %d", got, tt.wantTokens)
			}
			calls, tokens := f.seen()
			if calls != tt.wantCalls || len(tokens) != 1 {
				t.Errorf("got %d API calls with %d distinct tokens, want %d with 1", calls, len(tokens), tt.wantCalls)
			}
			lines := statusLines(r.stdout)
			if len(lines) != tt.wantCalls {
				t.Errorf("got %d status lines, want %d\nstdout: %s", len(lines), tt.wantCalls, r.stdout)
			}
			for _, l := range lines {
				if l != "HTTP/1.1 200 OK" {
					t.Errorf("got status line %q, want %q", l, "HTTP/1.1 200 OK")
				}
			}
			if want := "have a scope of read:messages"; !strings.Contains(r.stdout, want) {
				t.Errorf("got stdout %q, want it to contain %q", r.stdout, want)
			}
			if got := strings.Count(r.stderr, "got a new access token"); got != 1 {
				t.Errorf("got %d 'new access token' notes, want 1\nstderr: %s", got, r.stderr)
			}
			if want := tt.n + " call(s), 1 new token(s), 0 call(s) not 2xx"; !strings.Contains(r.stderr, want) {
				t.Errorf("got stderr %q, want the summary %q", r.stderr, want)
			}
			out := r.stdout + r.stderr
			for _, secret := range append(tokens, "dev-reader-secret") {
				if strings.Contains(out, secret) {
					t.Errorf("got the token or secret %.20q... in the output, want it never printed", secret)
				}
			}
		})
	}
}

func TestScopes(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		args       []string
		wantStatus string
		wantCode   int
	}{
		{"reader reads the scoped message", []string{"/api/private-scoped"}, "HTTP/1.1 200 OK", 0},
		{"reader asking for the scope", []string{"-scope", "read:messages", "/api/private-scoped"}, "HTTP/1.1 200 OK", 0},
		{"nobody reads the private message", []string{"-client-id", "dev-nobody", "/api/private"}, "HTTP/1.1 200 OK", 0},
		{"nobody lacks the scope", []string{"-client-id", "dev-nobody", "/api/private-scoped"}, "HTTP/1.1 403 Forbidden", 1},
		{"unknown path", []string{"api/nothing"}, "HTTP/1.1 404 Not Found", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, nil, f.devArgs(tt.args...)...)
			if r.code != tt.wantCode {
				t.Errorf("got exit code %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if lines := statusLines(r.stdout); len(lines) != 1 || lines[0] != tt.wantStatus {
				t.Errorf("got status lines %q, want [%q]", lines, tt.wantStatus)
			}
		})
	}
	t.Run("403 shows the challenge", func(t *testing.T) {
		r := runCmd(t, nil, f.devArgs("-client-id", "dev-nobody", "/api/private-scoped")...)
		if want := `error="insufficient_scope"`; !strings.Contains(r.stdout, want) {
			t.Errorf("got stdout %q, want it to contain %q", r.stdout, want)
		}
	})
}

func TestPrintToken(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		args      []string
		wantCalls int
	}{
		{"token only", []string{"-print-token"}, 0},
		{"token and call", []string{"-print-token", "/api/private"}, 1},
		// Printed once: a script reads one token from the first line.
		{"token and 3 calls", []string{"-print-token", "-n", "3", "/api/private"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			callsBefore, _ := f.seen()
			r := runCmd(t, nil, f.devArgs(tt.args...)...)
			if r.code != 0 {
				t.Fatalf("got exit code %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			first, _, _ := strings.Cut(r.stdout, "\n")
			if parts := strings.Split(first, "."); len(parts) != 3 || len(first) < 100 {
				t.Errorf("got first stdout line %q, want a compact JWS", first)
			}
			calls, tokens := f.seen()
			if got := calls - callsBefore; got != tt.wantCalls {
				t.Errorf("got %d API calls, want %d", got, tt.wantCalls)
			}
			if tt.wantCalls > 0 && tokens[len(tokens)-1] != first {
				t.Errorf("got a printed token that differs from the one sent, want the same")
			}
			if got := strings.Count(r.stdout, first); got != 1 {
				t.Errorf("got the token printed %d times, want once", got)
			}
		})
	}
}

// fullWriter is a stdout that takes nothing, as a file on a full disk.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestPrintTokenUnwritable: a token that -print-token could not write ends
// the run with exit 1, saying so: a script must not take the empty output
// of exit 0 for a token.
func TestPrintTokenUnwritable(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"token only", []string{"-print-token"}},
		{"token and call", []string{"-print-token", "/api/private"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			callsBefore, _ := f.seen()
			var stderr strings.Builder
			code := run(t.Context(), f.devArgs(tt.args...), func(string) string { return "" }, fullWriter{}, &stderr, nil)
			if want := "messages: cannot print the token: " + syscall.ENOSPC.Error(); code != 1 || !strings.Contains(stderr.String(), want) {
				t.Errorf("got exit code %d and stderr %q, want 1 and %q", code, stderr.String(), want)
			}
			if calls, _ := f.seen(); calls != callsBefore {
				t.Errorf("got %d API calls, want none once the token could not be printed", calls-callsBefore)
			}
		})
	}
}

// TestResponseUnwritable: an answer that could not be written ends the run
// with exit 1, saying so, and no further call is made: a script must not
// take an empty output of exit 0 for an answer.
func TestResponseUnwritable(t *testing.T) {
	f := newFixture(t)
	callsBefore, _ := f.seen()
	var stderr strings.Builder
	code := run(t.Context(), f.devArgs("-n", "3", "/api/private"), func(string) string { return "" }, fullWriter{}, &stderr, nil)
	if want := "messages: cannot print the response: " + syscall.ENOSPC.Error(); code != 1 || !strings.Contains(stderr.String(), want) {
		t.Errorf("got exit code %d and stderr %q, want 1 and %q", code, stderr.String(), want)
	}
	if calls, _ := f.seen(); calls-callsBefore != 1 {
		t.Errorf("got %d API calls, want 1: none after the answer could not be printed", calls-callsBefore)
	}
}
