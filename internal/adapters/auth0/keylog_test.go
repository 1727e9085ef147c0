package auth0

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestKeySourceOperatorLines pins the lines an operator alerts on (README,
// "Operating it"): each state of the tenant's keys is said once, at the
// level it deserves, with the fields that say what to do, and a tenant that
// keeps failing is a warning at most once a minute.
func TestKeySourceOperatorLines(t *testing.T) {
	const (
		failed  = "fetching the tenant's signing keys failed"
		again   = "fetching the tenant's signing keys works again"
		loaded  = "loaded the tenant's signing keys"
		changed = "the tenant's signing keys changed"
	)
	type line struct {
		level  zapcore.Level
		msg    string
		fields map[string]string // a subset of the line's fields, as fmt prints them
	}
	// step is what the tenant answers at one fetch, and how long after the
	// previous fetch it comes.
	type step struct {
		after time.Duration
		jwks  http.HandlerFunc
	}
	keysA, keysB := jwksJSON(jwk("kid-a", keyA())), jwksJSON(jwk("kid-b", keyB()))
	shared := jwksJSON(jwk("kid-a", keyA()), jwk("kid-a", keyB()))
	leakA := jwksJSON(with(jwk("kid-a", keyA()), "d", b64u(ksTestKeys()[0].D.Bytes())))
	serve := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }
	}
	const cooldown = time.Second
	tests := []struct {
		name  string
		steps []step
		want  []line
	}{
		{"down at start", []step{{0, status(500)}}, []line{
			{zapcore.WarnLevel, failed, map[string]string{"consecutive_failures": "1", "serving_cached_keys": "false"}},
		}},
		{"still down within the minute: debug", []step{{0, status(500)}, {cooldown, status(500)}}, []line{
			{zapcore.WarnLevel, failed, map[string]string{"consecutive_failures": "1"}},
			{zapcore.DebugLevel, failed, map[string]string{"consecutive_failures": "2"}},
		}},
		{"still down a minute later: a warning again", []step{{0, status(500)}, {failureWarnInterval, status(500)}}, []line{
			{zapcore.WarnLevel, failed, map[string]string{"consecutive_failures": "1"}},
			{zapcore.WarnLevel, failed, map[string]string{"consecutive_failures": "2"}},
		}},
		{"back after an outage at start", []step{{0, status(500)}, {cooldown, serve(keysA)}}, []line{
			{zapcore.WarnLevel, failed, nil},
			{zapcore.InfoLevel, again, map[string]string{"failed_attempts": "1"}},
			{zapcore.InfoLevel, loaded, map[string]string{"kids": `["kid-a"]`}},
		}},
		{"down later: serving the cached keys", []step{{0, serve(keysA)}, {cooldown, status(503)}}, []line{
			{zapcore.InfoLevel, loaded, nil},
			{zapcore.WarnLevel, failed, map[string]string{"serving_cached_keys": "true", "keys": "1"}},
		}},
		{"a refresh with the same keys: debug only", []step{{0, serve(keysA)}, {cooldown, serve(keysA)}}, []line{
			{zapcore.InfoLevel, loaded, nil},
			{zapcore.DebugLevel, "refreshed the tenant's signing keys", nil},
		}},
		// keys counts signing keys, as messages_api_jwks_keys does, not kids.
		{"two keys under one kid", []step{{0, serve(shared)}, {cooldown, status(500)}}, []line{
			{zapcore.InfoLevel, loaded, map[string]string{"keys": "2", "kids": `["kid-a"]`}},
			{zapcore.WarnLevel, failed, map[string]string{"keys": "2"}},
		}},
		// The only held key given away: none is served, and the warning
		// must not say one is.
		{"the only held key given away", []step{{0, serve(keysA)}, {cooldown, serve(leakA)}}, []line{
			{zapcore.InfoLevel, loaded, nil},
			{zapcore.WarnLevel, "ignored entries of the tenant's JWKS", map[string]string{"reasons": "private_key=1"}},
			{zapcore.WarnLevel, "dropped held signing keys: the tenant's JWKS published private key material (reasons say how it reached them)",
				map[string]string{"reasons": "private_key_elsewhere=1", "keys_left": "0"}},
			{zapcore.WarnLevel, failed, map[string]string{"serving_cached_keys": "false"}},
		}},
		// kids come from the fetched JWKS: escaped and cut, so that they
		// cannot forge a line on a terminal or swell it.
		{"a kid with control characters, and a long one", []step{{0, serve(jwksJSON(jwk("k\x1b[31m\n", keyA()), jwk(strings.Repeat("a", 100), keyB())))}}, []line{
			{zapcore.InfoLevel, loaded, map[string]string{"kids": `["` + strings.Repeat("a", maxLoggedKidLen) + `"... "k\x1b[31m\n"]`}},
		}},
		{"a rotation", []step{{0, serve(keysA)}, {cooldown, serve(keysB)}}, []line{
			{zapcore.InfoLevel, loaded, nil},
			{zapcore.InfoLevel, changed, map[string]string{"added": `["kid-b"]`, "removed": `["kid-a"]`}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t)
			ks, logs, clk := newObservedKeySource(t, tn, cooldown)
			for _, s := range tt.steps {
				clk.advance(s.after)
				tn.setJWKS(s.jwks)
				refetch(t, tn, ks)
			}
			var got []line
			for _, e := range logs.All() {
				if e.Message != "discovered the tenant's JWKS" {
					got = append(got, line{e.Level, e.Message, nil})
					for k, want := range fieldsOf(e) {
						if got[len(got)-1].fields == nil {
							got[len(got)-1].fields = map[string]string{}
						}
						got[len(got)-1].fields[k] = want
					}
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines %v, want %d %v", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.level != w.level || g.msg != w.msg {
					t.Errorf("line %d: got %s %q, want %s %q", i, g.level, g.msg, w.level, w.msg)
				}
				for k, v := range w.fields {
					if g.fields[k] != v {
						t.Errorf("line %d %q: got %s=%s, want %s", i, g.msg, k, g.fields[k], v)
					}
				}
			}
		})
	}
}

// fieldsOf is a line's fields as fmt prints them, kid lists unquoted.
func fieldsOf(e observer.LoggedEntry) map[string]string {
	out := map[string]string{}
	for k, v := range e.ContextMap() {
		if list, ok := v.([]any); ok {
			s := "["
			for i, x := range list {
				if i > 0 {
					s += " "
				}
				s += fmt.Sprint(x)
			}
			v = s + "]"
		}
		out[k] = fmt.Sprint(v)
	}
	return out
}

// newObservedKeySource is a key source for tn whose every log line, at any
// level, is in logs, on a clock that moves only by clk.advance.
func newObservedKeySource(t *testing.T, tn *ksTenant, cooldown time.Duration) (*KeySource, *observer.ObservedLogs, *fakeClock) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	ks, err := NewKeySource(MustTenant(t, tn.issuer, false, 0), KeySourceConfig{UnknownKeyCooldown: cooldown}, tn.srv.Client(), zap.New(core))
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	t.Cleanup(ks.Stop)
	clk := newFakeClock()
	ks.now = clk.now
	return ks, logs, clk
}

// refetch makes ks fetch the JWKS once, with an unknown kid after the
// cooldown, and returns once the fetch is over.
func refetch(t *testing.T, tn *ksTenant, ks *KeySource) {
	t.Helper()
	before := tn.jwksHits.Load()
	_, _ = ks.Key(context.Background(), "kid-unknown")
	if tn.jwksHits.Load() == before {
		t.Fatalf("got no fetch for an unknown kid after the cooldown, want one")
	}
}

// TestKeySourceIgnoredEntriesWarnOnce: a JWKS entry the service cannot use
// is a warning when it appears or the ignored entries change, not on every
// refetch: a flood of unknown kids refetches once per cooldown, and an
// unchanged odd entry would otherwise be a warning every few seconds.
func TestKeySourceIgnoredEntriesWarnOnce(t *testing.T) {
	t.Parallel()
	const msg = "ignored entries of the tenant's JWKS"
	good, enc, rs512 := jwk("good", keyA()), with(jwk("enc", keyB()), "use", "enc"), with(jwk("rs512", keyB()), "alg", "RS512")
	tests := []struct {
		name      string
		sets      [][]map[string]any // the JWKS of each fetch in turn
		wantWarns int
		wantDebug int
	}{
		{"the same ignored entry on each fetch", [][]map[string]any{{good, enc}, {good, enc}, {good, enc}}, 1, 2},
		{"another ignored entry appears", [][]map[string]any{{good, enc}, {good, enc, rs512}}, 2, 0},
		{"the ignored entry goes, then comes back", [][]map[string]any{{good, enc}, {good}, {good, enc}}, 2, 0},
		{"no ignored entry", [][]map[string]any{{good}, {good}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := newKSTenant(t, tt.sets[0]...)
			ks, logs, clk := newObservedKeySource(t, tn, time.Second)
			mustKey(t, ks, "good", keyA())
			for _, set := range tt.sets[1:] {
				tn.serveKeys(set...)
				clk.advance(time.Second)
				refetch(t, tn, ks)
			}
			var warns, debugs int
			for _, e := range logs.FilterMessage(msg).All() {
				switch e.Level {
				case zapcore.WarnLevel:
					warns++
				case zapcore.DebugLevel:
					debugs++
				}
			}
			if warns != tt.wantWarns || debugs != tt.wantDebug {
				t.Errorf("got %d warnings and %d debug lines %q, want %d and %d", warns, debugs, msg, tt.wantWarns, tt.wantDebug)
			}
		})
	}
}
