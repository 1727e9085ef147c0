package main

import (
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/adapters/devtenant"
)

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
		})
	}
}
