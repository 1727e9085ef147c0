package auth0

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/ports"
)

func TestKeySourceIgnoresUnusableKeys(t *testing.T) {
	t.Parallel()
	longKid := strings.Repeat("x", 200) + "\"\n"
	tn := newKSTenant(t,
		jwk("good", keyA()),
		jwk("weak", &ksWeakKey().PublicKey),
		with(jwk("e3", keyB()), "e", b64u([]byte{3})),
		with(jwk("enc", keyB()), "use", "enc"),
		with(jwk("rs512", keyB()), "alg", "RS512"),
		map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
		jwk("dup", keyB()),
		jwk("dup", keyB()), // identical: counted once
		jwk(longKid, &ksWeakKey().PublicKey),
	)
	core, logs := observer.New(zapcore.DebugLevel)
	// The unknown kids below must not refetch (which would log the ignored
	// entries again), however slowly they run: a cooldown far above hang.
	ks, err := NewKeySource(MustTenant(t, tn.issuer, false, 0), KeySourceConfig{UnknownKeyCooldown: time.Hour}, tn.srv.Client(), zap.New(core))
	if err != nil {
		t.Fatalf("NewKeySource: got error %v, want nil", err)
	}
	t.Cleanup(ks.Stop)

	mustKey(t, ks, "good", keyA())
	mustKey(t, ks, "dup", keyB())
	for _, kid := range []string{"weak", "e3", "enc", "rs512", "ec", longKid} {
		_, err := ks.Key(context.Background(), kid)
		wantReason(t, err, ports.ReasonUnknownKey, kid)
	}
	if got := ks.Stats().Keys; got != 2 {
		t.Errorf("Stats().Keys: got %d, want 2", got)
	}

	entries := logs.FilterMessage("ignored entries of the tenant's JWKS").All()
	if len(entries) != 1 {
		t.Fatalf("log lines about ignored entries: got %d, want 1", len(entries))
	}
	fields := entries[0].ContextMap()
	wantReasons := "alg_not_rs256=1 exponent_not_65537=1 identical_duplicate=1 kty_not_rsa=1 modulus_too_short=2 use_not_sig=1"
	if got := fields["reasons"]; got != wantReasons {
		t.Errorf("logged reasons: got %v, want %q", got, wantReasons)
	}
	kids, _ := fields["ignored_kids"].([]any)
	var sawLong bool
	for _, k := range kids {
		s, _ := k.(string)
		if len(s) > maxLoggedKidLen+8 || strings.ContainsAny(s, "\n") {
			t.Errorf("logged kid %q: got it unbounded or with a raw newline, want it quoted and truncated", s)
		}
		if strings.HasPrefix(s, `"xxxx`) {
			sawLong = true
		}
	}
	if !sawLong {
		t.Errorf("logged kids %v: got no truncated long kid, want one", kids)
	}
}

func TestParseJWKSEntries(t *testing.T) {
	t.Parallel()
	good := jwk("good", keyA())
	evenN := new(big.Int).Sub(keyB().N, big.NewInt(1))
	huge := bytes.Repeat([]byte{0xff}, 16384/8)
	std := base64.RawStdEncoding.EncodeToString(keyB().N.Bytes())
	tests := []struct {
		name        string
		entry       any
		wantKept    []string
		wantReasons string
	}{
		{"good key alone", nil, []string{"good"}, ""},
		{"use and alg absent", with(jwk("bare", keyB()), "use", nil, "alg", nil), []string{"good", "bare"}, ""},
		{"exponent with a leading zero byte", with(jwk("e0", keyB()), "e", b64u([]byte{0, 1, 0, 1})), []string{"good", "e0"}, ""},
		{"1024-bit modulus", jwk("weak", &ksWeakKey().PublicKey), []string{"good"}, "modulus_too_short=1"},
		{"16384-bit modulus", with(jwk("huge", keyB()), "n", b64u(huge)), []string{"good"}, "modulus_too_long=1"},
		{"even modulus", with(jwk("even", keyB()), "n", b64u(evenN.Bytes())), []string{"good"}, "bad_modulus=1"},
		{"e=3", with(jwk("e3", keyB()), "e", b64u([]byte{3})), []string{"good"}, "exponent_not_65537=1"},
		{"e missing", with(jwk("noe", keyB()), "e", nil), []string{"good"}, "bad_exponent=1"},
		{"use enc", with(jwk("enc", keyB()), "use", "enc"), []string{"good"}, "use_not_sig=1"},
		{"use not a string", with(jwk("use", keyB()), "use", true), []string{"good"}, "use_not_sig=1"},
		{"key_ops verify", with(jwk("ops", keyB()), "use", nil, "key_ops", []string{"verify"}), []string{"good", "ops"}, ""},
		{"key_ops sign and verify", with(jwk("ops", keyB()), "key_ops", []string{"sign", "verify"}), []string{"good", "ops"}, ""},
		{"key_ops encrypt", with(jwk("ops", keyB()), "use", nil, "key_ops", []string{"encrypt", "wrapKey"}), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops empty", with(jwk("ops", keyB()), "key_ops", []string{}), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops a string", with(jwk("ops", keyB()), "key_ops", "verify"), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops with a number", with(jwk("ops", keyB()), "key_ops", []any{"verify", 1}), []string{"good"}, "key_ops_not_verify=1"},
		{"key_ops null", with(jwk("ops", keyB()), "key_ops", json.RawMessage("null")), []string{"good"}, "key_ops_not_verify=1"},
		{"alg RS512", with(jwk("rs512", keyB()), "alg", "RS512"), []string{"good"}, "alg_not_rs256=1"},
		{"alg none", with(jwk("none", keyB()), "alg", "none"), []string{"good"}, "alg_not_rs256=1"},
		{"kty EC", map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}, []string{"good"}, "kty_not_rsa=1"},
		{"kty lower case", with(jwk("lc", keyB()), "kty", "rsa"), []string{"good"}, "kty_not_rsa=1"},
		{"kid missing", with(jwk("", keyB()), "kid", nil), []string{"good"}, "missing_kid=1"},
		{"kid empty", jwk("", keyB()), []string{"good"}, "missing_kid=1"},
		{"kid a number", with(jwk("", keyB()), "kid", 7), []string{"good"}, "missing_kid=1"},
		// RFC 7517 §4.5: entries of another kty or use may share a kid;
		// two signing keys under one kid are both kept (see jwks_kid_test.go).
		{"another signing key under the good kid", jwk("good", keyB()), []string{"good"}, ""},
		{"EC entry under the good kid", map[string]any{"kty": "EC", "kid": "good"}, []string{"good"}, "kty_not_rsa=1"},
		{"n padded", with(jwk("pad", keyB()), "n", base64.URLEncoding.EncodeToString(keyB().N.Bytes())), []string{"good"}, "bad_modulus=1"},
		{"n standard alphabet", with(jwk("std", keyB()), "n", std), []string{"good"}, "bad_modulus=1"},
		{"n a number", with(jwk("num", keyB()), "n", 12345), []string{"good"}, "bad_modulus=1"},
		{"entry a string", "hello", []string{"good"}, "not_an_object=1"},
		{"entry null", json.RawMessage("null"), []string{"good"}, "not_an_object=1"},
	}
	if std == b64u(keyB().N.Bytes()) {
		t.Fatalf("test key: its modulus encodes without + or /, pick another")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries := []any{good}
			if tt.entry != nil {
				entries = append(entries, tt.entry)
			}
			keys, rep, err := parseJWKS(jwksJSON(entries...))
			if err != nil {
				t.Fatalf("parseJWKS: got error %v, want nil", err)
			}
			if len(keys) != len(tt.wantKept) {
				t.Errorf("kept: got %d keys, want %v", len(keys), tt.wantKept)
			}
			for _, kid := range tt.wantKept {
				if keys[kid] == nil {
					t.Errorf("kept: got no key %q, want it", kid)
				}
			}
			if got := rep.reasonSummary(); got != tt.wantReasons {
				t.Errorf("reasons: got %q, want %q", got, tt.wantReasons)
			}
		})
	}
}

func TestParseJWKSDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		wantErr bool
	}{
		{`{"keys":[]}`, false},
		{`{"keys":[],"other":1}`, false},
		{``, true},
		{`null`, true},
		{`[]`, true},
		{`"keys"`, true},
		{`{}`, true},
		{`{"keys":null}`, true},
		{`{"keys":{}}`, true},
		{`{"keys":"[]"}`, true},
		{`{"Keys":[]}`, true},
		{`{"keys":[]} trailing`, true},
		{`<html>`, true},
	}
	for _, tt := range tests {
		_, _, err := parseJWKS([]byte(tt.body))
		if gotErr := err != nil; gotErr != tt.wantErr {
			t.Errorf("parseJWKS(%q): got error %v, want error: %v", tt.body, err, tt.wantErr)
		}
	}
}
