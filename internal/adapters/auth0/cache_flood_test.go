package auth0

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/messages-api/internal/domain"
)

// BenchmarkCacheFlood inserts 1,000,000 distinct verified tokens (800-byte
// strings, as long as real ones) into a default-sized cache and reports the
// entries kept, the live heap and the peak RSS: memory stays bounded by the
// cache size, not by the number of tokens. Signing a million real tokens
// would take half an hour, so the flood enters where a verified token does.
// Run: go test -run '^$' -bench CacheFlood -benchtime 1x ./internal/adapters/auth0/
func BenchmarkCacheFlood(b *testing.B) {
	const tokens = 1_000_000
	exp := float64(time.Now().Add(24 * time.Hour).Unix())
	pad := strings.Repeat("x", 780)
	for b.Loop() {
		c := newTokenCache(DefaultCacheSize, DefaultRejectCacheSize, DefaultLeeway)
		for i := range tokens {
			tok := pad + strconv.Itoa(i)
			c.ok.Set(hashToken(tok), &verified{
				token:  tok,
				claims: domain.Claims{Subject: "client-" + strconv.Itoa(i) + "@clients", Scopes: []string{"read:messages"}},
				exp:    exp,
			})
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(c.size()), "entries")
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
		b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
	}
}

// peakRSSMiB reads VmHWM, the process's peak resident set, on Linux.
func peakRSSMiB() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// TestTokenCacheBoundAfterEachWrite: the caches evict on the goroutine
// that writes (inline), so a flood of distinct tokens finds the verified
// cache within its byte budget right after each write, not once a
// background drain has caught up.
func TestTokenCacheBoundAfterEachWrite(t *testing.T) {
	const size, tokens = 64, 5_000
	c := newTokenCache(size, DefaultRejectCacheSize, DefaultLeeway)
	exp := float64(time.Now().Add(time.Hour).Unix())
	pad := strings.Repeat("x", 780)
	peak := 0
	for i := range tokens {
		tok := pad + strconv.Itoa(i)
		c.ok.Set(hashToken(tok), &verified{token: tok, claims: domain.Claims{Subject: "client@clients"}, exp: exp})
		peak = max(peak, c.size())
	}
	// Each entry weighs a little over entryBudget (780 + entryOverhead + the subject).
	if peak > size {
		t.Errorf("got up to %d entries while %d distinct tokens went in, want at most %d", peak, tokens, size)
	}
	if got := c.size(); got < size/2 {
		t.Errorf("got %d entries kept, want at least %d: the bound should keep the recent ones, not empty the cache", got, size/2)
	}
}
