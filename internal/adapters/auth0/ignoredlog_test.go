package auth0

import (
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

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
