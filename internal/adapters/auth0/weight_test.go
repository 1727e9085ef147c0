package auth0

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/example/messages-api/internal/domain"
)

// TestCacheEntryWeightCoversItsMemory holds many entries of each shape and
// checks that the weight the cache bounds is at least the heap an entry
// takes: otherwise AUTH0_TOKEN_CACHE_SIZE would not bound memory.
func TestCacheEntryWeightCoversItsMemory(t *testing.T) {
	const entries = 2000
	pad := strings.Repeat("x", 780) // a token as long as a real one
	tests := []struct {
		name   string
		scopes func() []string
	}{
		{"client credentials, one scope", func() []string { return []string{strings.Clone("read:messages")} }},
		{"user, a few scopes", func() []string {
			return strings.Fields(strings.Clone("openid profile email offline_access read:messages"))
		}},
		// Each permission is its own JSON string: a few token bytes, a
		// string header and an allocation in memory.
		{"RBAC, 300 one-letter permissions", func() []string {
			perms := make([]string, 300)
			for i := range perms {
				perms[i] = strings.Clone(string(rune('a' + i%26)))
			}
			return perms
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			held := make([]*verified, entries)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var weights uint64
			for i := range held {
				held[i] = &verified{
					token:  strings.Clone(pad + strconv.Itoa(1000+i)),
					claims: domain.Claims{Subject: strings.Clone("auth0|user-" + strconv.Itoa(1000+i)), Scopes: tt.scopes()},
				}
				weights += uint64(held[i].weight())
			}
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(held)
			heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			perEntry, weight := heap/entries, int64(weights/entries)
			if float64(weight)*raceHeapSlack < float64(perEntry) {
				t.Errorf("got a weight of %d bytes per entry, want at least the %d bytes of heap each takes", weight, perEntry)
			}
		})
	}
}
