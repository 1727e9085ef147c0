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
