package auth0

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"slices"
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

// certDER is a self-signed certificate for key (RFC 7517 §4.7's x5c holds
// it in standard base64). With negativeSerial, its serial number is patched
// negative: RFC 5280 §4.1.2.2 forbids it, some issuers' certificates have one
// all the same, and Go's parser refuses them since Go 1.23.
func certDER(t *testing.T, key crypto.Signer, negativeSerial bool) []byte {
	t.Helper()
	serial := []byte{0x02, 0x04, 0x7e, 0x5e, 0x71, 0xa1} // DER INTEGER 0x7e5e71a1
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial[2:]),
		Subject:      pkix.Name{CommonName: "tenant.eu.auth0.com"},
		NotBefore:    time.Unix(1_600_000_000, 0),
		NotAfter:     time.Unix(2_600_000_000, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("CreateCertificate: got error %v, want nil", err)
	}
	if negativeSerial {
		i := bytes.Index(der, serial)
		if i < 0 {
			t.Fatalf("certificate: got no serial %x in its DER, want one", serial)
		}
		der[i+2] |= 0x80
		if _, err := x509.ParseCertificate(der); err == nil {
			t.Fatalf("ParseCertificate with a negative serial: got no error, want one (Go 1.23+)")
		}
	}
	return der
}

func TestParseJWKSEntries(t *testing.T) {
	t.Parallel()
	good := jwk("good", keyA())
	certB := certDER(t, ksTestKeys()[1], false)
	x5cB := []string{base64.StdEncoding.EncodeToString(certB)}
	x5tB := sha1.Sum(certB)
	negB := []string{base64.StdEncoding.EncodeToString(certDER(t, ksTestKeys()[1], true))}
	x5cC := []string{base64.StdEncoding.EncodeToString(certDER(t, ksTestKeys()[2], false))}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x5cEC := []string{base64.StdEncoding.EncodeToString(certDER(t, ecKey, false))}
	// The key's algorithm patched from rsaEncryption to RSASSA-PSS, which
	// Go's parser reads as an unknown one: a certificate without a key.
	pss := certDER(t, ksTestKeys()[1], false)
	rsaOID := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}
	if bytes.Count(pss, rsaOID) != 1 {
		t.Fatalf("certificate: got %d rsaEncryption OIDs, want 1", bytes.Count(pss, rsaOID))
	}
	pss[bytes.Index(pss, rsaOID)+len(rsaOID)-1] = 0x0a
	x5cPSS := []string{base64.StdEncoding.EncodeToString(pss)}
	auth0B := with(jwk("auth0", keyB()), "x5c", x5cB, "x5t", b64u(x5tB[:]))
	odd4096 := new(big.Int).SetBit(big.NewInt(1), 4095, 1) // bits, not primes: parseJWKS checks the size
	oddBits := func(n int) []byte { return new(big.Int).SetBit(big.NewInt(1), n-1, 1).Bytes() }
	evenN := new(big.Int).Sub(keyB().N, big.NewInt(1))
	huge := bytes.Repeat([]byte{0xff}, 16384/8)
	std := base64.RawStdEncoding.EncodeToString(keyB().N.Bytes())
	// A 256-byte n ends in a character with four unused bits (A, Q, g or
	// w): the next character sets one and decodes to the same bytes.
	nonCanonical := b64u(keyB().N.Bytes())
	nonCanonical = nonCanonical[:len(nonCanonical)-1] + string(nonCanonical[len(nonCanonical)-1]+1)
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
		// two signing keys under one kid are both kept (see kid_faults_test.go).
		{"another signing key under the good kid", jwk("good", keyB()), []string{"good"}, ""},
		{"EC entry under the good kid", map[string]any{"kty": "EC", "kid": "good"}, []string{"good"}, "kty_not_rsa=1"},
		{"n padded", with(jwk("pad", keyB()), "n", base64.URLEncoding.EncodeToString(keyB().N.Bytes())), []string{"good"}, "bad_modulus=1"},
		{"n standard alphabet", with(jwk("std", keyB()), "n", std), []string{"good"}, "bad_modulus=1"},
		{"n a number", with(jwk("num", keyB()), "n", 12345), []string{"good"}, "bad_modulus=1"},
		{"n with unused bits set", with(jwk("nc", keyB()), "n", nonCanonical), []string{"good"}, "bad_modulus=1"},
		{"entry a string", "hello", []string{"good"}, "not_an_object=1"},
		// Some issuers prefix the modulus with a zero byte (RFC 7518 §6.3.1.1
		// says not to); the key is the same.
		{"n with a leading zero byte", with(jwk("n0", keyB()), "n", b64u(append([]byte{0}, keyB().N.Bytes()...))), []string{"good", "n0"}, ""},
		{"4096-bit modulus", with(jwk("big", keyB()), "n", b64u(odd4096.Bytes())), []string{"good", "big"}, ""},
		// The size limits at their edges.
		{"2047-bit modulus", with(jwk("short", keyB()), "n", b64u(oddBits(2047))), []string{"good"}, "modulus_too_short=1"},
		{"2048-bit modulus", with(jwk("min", keyB()), "n", b64u(oddBits(2048))), []string{"good", "min"}, ""},
		{"8192-bit modulus", with(jwk("max", keyB()), "n", b64u(oddBits(8192))), []string{"good", "max"}, ""},
		{"8193-bit modulus", with(jwk("long", keyB()), "n", b64u(oddBits(8193))), []string{"good"}, "modulus_too_long=1"},
		{"exponent of 8 bytes", with(jwk("e8", keyB()), "e", b64u([]byte{0, 0, 0, 0, 0, 1, 0, 1})), []string{"good", "e8"}, ""},
		{"exponent of 9 bytes", with(jwk("e9", keyB()), "e", b64u([]byte{0, 0, 0, 0, 0, 0, 1, 0, 1})), []string{"good"}, "bad_exponent=1"},
		// Certificate members (RFC 7517 §4.6-4.9): the key is n and e; an
		// x5c is checked against them when Go can read it, and nothing
		// else about them can cost a key.
		{"x5c and x5t of the key, as Auth0 publishes them", auth0B, []string{"good", "auth0"}, ""},
		{"x5t in hex, as Auth0 once published it", with(auth0B, "x5t", b64u([]byte(hex.EncodeToString(x5tB[:])))), []string{"good", "auth0"}, ""},
		{"x5c whose certificate has a negative serial number", with(auth0B, "x5c", negB, "x5t", nil), []string{"good", "auth0"}, ""},
		{"x5c with a certificate after the leaf Go cannot read", with(auth0B, "x5c", append(slices.Clone(x5cB), negB[0])), []string{"good", "auth0"}, ""},
		{"x5c whose certificate names its key by an algorithm Go does not read", with(auth0B, "x5c", x5cPSS, "x5t", nil), []string{"good", "auth0"}, ""},
		{"x5c not a certificate", with(auth0B, "x5c", []string{"AAAA"}, "x5t", nil), []string{"good", "auth0"}, ""},
		{"x5c not base64", with(auth0B, "x5c", []string{"%%%"}, "x5t", nil), []string{"good", "auth0"}, ""},
		{"x5c a string", with(auth0B, "x5c", x5cB[0]), []string{"good", "auth0"}, ""},
		{"x5t of another certificate", with(auth0B, "x5t", b64u(make([]byte, 20))), []string{"good", "auth0"}, ""},
		{"x5t of the wrong size", with(auth0B, "x5t", b64u(make([]byte, 7))), []string{"good", "auth0"}, ""},
		{"x5t#S256 of another certificate", with(auth0B, "x5t#S256", b64u(make([]byte, 32))), []string{"good", "auth0"}, ""},
		{"x5u", with(auth0B, "x5u", "https://tenant.eu.auth0.com/cert.pem"), []string{"good", "auth0"}, ""},
		{"x5c of another key", with(auth0B, "x5c", x5cC, "x5t", nil), []string{"good"}, "x5c_other_key=1"},
		{"x5c of an EC key", with(auth0B, "x5c", x5cEC, "x5t", nil), []string{"good"}, "x5c_other_key=1"},
		// RFC 7518 §6.3.1: n and e are required; the certificate is no
		// substitute (Auth0 always sends both).
		{"x5c only, without n and e", with(auth0B, "n", nil, "e", nil), []string{"good"}, "bad_modulus=1"},
		{"private key", with(jwk("priv", keyB()), "d", b64u(ksTestKeys()[1].D.Bytes())), []string{"good"}, "private_key=1"},
		// Any private member gives the key away (dp alone factors n): a
		// key anyone can sign with is no key to trust.
		{"p and q without d", with(jwk("pq", keyB()), "p", b64u(ksTestKeys()[1].Primes[0].Bytes()), "q", b64u(ksTestKeys()[1].Primes[1].Bytes())), []string{"good"}, "private_key=1"},
		{"dp alone", with(jwk("dp", keyB()), "dp", b64u(ksTestKeys()[1].Precomputed.Dp.Bytes())), []string{"good"}, "private_key=1"},
		{"d null is no private key", with(jwk("dnull", keyB()), "d", json.RawMessage("null")), []string{"good", "dnull"}, ""},
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

// TestParseJWKSEntryFlood: the body is capped in bytes, but every entry was
// decoded on its own, so a megabyte of "{}," (350,000 entries) cost 136 MiB
// and over a second per fetch. Entries past maxJWKSEntries are counted, not
// decoded: twice as many of them cost next to no more allocations. Not
// parallel: testing.AllocsPerRun refuses parallel tests.
func TestParseJWKSEntryFlood(t *testing.T) {
	good, err := json.Marshal(jwk("good", keyA()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filler string
		n      int
	}{
		{"empty objects", `{}`, 50_000},
		{"numbers", `1`, 50_000},
		{"RSA-looking entries", `{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"}`, 10_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var allocs [2]float64
			for i, n := range []int{tt.n, 2 * tt.n} {
				body := []byte(`{"keys":[` + string(good) + strings.Repeat(","+tt.filler, n) + `]}`)
				var (
					keys map[string][]*rsa.PublicKey
					rep  jwksReport
					err  error
				)
				allocs[i] = testing.AllocsPerRun(1, func() { keys, rep, err = parseJWKS(body) })
				if err != nil || keys["good"] == nil {
					t.Fatalf("parseJWKS: got keys %v, error %v; want the good key", keys, err)
				}
				if rep.entries != n+1 {
					t.Errorf("entries: got %d, want %d", rep.entries, n+1)
				}
				if got, want := rep.reasons[jwkDropTooManyEntries], n+1-maxJWKSEntries; got != want {
					t.Errorf("entries past the cap: got %d, want %d", got, want)
				}
			}
			// Decoded, each entry cost 4 to 60 allocations; skipped, none,
			// but for the decoder's buffer growing with the body and the
			// pools it draws from (which the race detector empties at random).
			if extra, most := allocs[1]-allocs[0], float64(tt.n/100); extra > most {
				t.Errorf("got %.0f allocations for %d entries and %.0f for %d, want at most %.0f more: entries past the cap must not be decoded",
					allocs[0], tt.n+1, allocs[1], 2*tt.n+1, most)
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
		// Read entry by entry, as leniently as the document: an entry's
		// own oddities are decodeJWK's to judge.
		{`{"keys":[{"a":1,"a":2}]}`, false},
		{"{\"keys\":[{\"a\":\"\xff\"}]}", false},
		{`{"keys":[{"a":"\ud800"}]}`, false},
		{`{"keys":[1,"x",null,[],{}]}`, false},
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
		// Named twice, "keys" is whichever a parser picks (RFC 8259 §4).
		{`{"keys":[],"keys":[]}`, true},
		{`{"keys":[],"\u006beys":[]}`, true},
		{`{"keys":[],"other":{"keys":[]}}`, false},
		{`<html>`, true},
	}
	for _, tt := range tests {
		_, _, err := parseJWKS([]byte(tt.body))
		if gotErr := err != nil; gotErr != tt.wantErr {
			t.Errorf("parseJWKS(%q): got error %v, want error: %v", tt.body, err, tt.wantErr)
		}
	}
}
