package app

import (
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
)

// defaultGOGC is the garbage collector's target when GOGC is not set. The
// service keeps a live heap of a few MiB and allocates about 3 KiB per
// request, so at Go's default of 100 it collects about 50 times a second
// under load and the collector's fixed costs are paid per cycle; at 400 it
// collects a quarter as often for about 11 MiB more memory. GOGC, and
// GOMEMLIMIT as the ceiling (set in the k8s manifests), still rule.
const defaultGOGC = 400

// setGOGC applies defaultGOGC unless environ sets GOGC to a value the
// runtime honours ("off" or a base-10 integer of 32 bits, as its readGOGC
// parses it). The runtime treats any other value, empty or 99999999999
// included, as unset, and so does the service.
func setGOGC(environ []string) {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "GOGC="); ok {
			if _, err := strconv.ParseInt(v, 10, 32); err == nil || v == "off" {
				return
			}
		}
	}
	debug.SetGCPercent(defaultGOGC)
}

// gogc is the collector's current target in percent (-1: off), for the
// start-up line.
func gogc() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
