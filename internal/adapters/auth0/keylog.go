package auth0

// The key source's log lines: fetch failures and recoveries, the key set
// loaded or changed, and the JWKS entries ignored, with tenant-supplied kids
// quoted and bounded.

import (
	"crypto/rsa"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

const (
	// failureWarnInterval rate-limits warnings while fetches keep failing.
	failureWarnInterval = time.Minute

	maxLoggedKids   = 16
	maxLoggedKidLen = 64
)

// logAttempt writes an attempt's outcome: a failure (a warning when warn
// says so, else debug), the first success after failures, and what a good
// fetch changed since prev. failures counts those before this attempt.
func (k *KeySource) logAttempt(prev *keySet, err error, failures int, warn bool) {
	switch {
	case err != nil:
		fields := []zap.Field{zap.Error(err), zap.Int("consecutive_failures", failures+1)}
		if held := k.current(); held != nil && held.size() > 0 {
			fields = append(fields, zap.Bool("serving_cached_keys", true),
				zap.Int("keys", held.size()), zap.Time("last_good_fetch", held.fetchedAt))
		} else {
			fields = append(fields, zap.Bool("serving_cached_keys", false))
		}
		if warn {
			k.log.Warn("fetching the tenant's signing keys failed", fields...)
		} else {
			k.log.Debug("fetching the tenant's signing keys failed", fields...)
		}
	case failures > 0:
		k.log.Info("fetching the tenant's signing keys works again", zap.Int("failed_attempts", failures))
	}
	if err == nil {
		k.logChange(prev, k.set.Load())
	}
}

// logIgnored reports the JWKS entries the last fetch dropped: a warning when
// they first appear or change, debug while they stay the same, since an
// unknown-kid flood refetches once per cooldown and the same odd entry would
// otherwise warn every few seconds.
func (k *KeySource) logIgnored(rep jwksReport, kept int) {
	var summary string
	if len(rep.reasons) > 0 {
		summary = rep.reasonSummary() + " " + strings.Join(rep.kids, ",")
	}
	changed := summary != k.ignored
	k.ignored = summary
	if summary == "" {
		return
	}
	level := zap.DebugLevel
	if changed {
		level = zap.WarnLevel
	}
	k.log.Log(level, "ignored entries of the tenant's JWKS",
		zap.Int("entries", rep.entries), zap.Int("kept", kept),
		zap.String("reasons", rep.reasonSummary()), zap.Strings("ignored_kids", rep.kids))
}

func (k *KeySource) logChange(prev, next *keySet) {
	if next == nil {
		return
	}
	if prev == nil {
		k.log.Info("loaded the tenant's signing keys",
			zap.Int("keys", next.size()), zap.Strings("kids", quoteKidsForLog(next.keys, nil)), zap.Duration("ttl", next.ttl))
		return
	}
	added, removed := quoteKidsForLog(next.keys, prev.keys), quoteKidsForLog(prev.keys, next.keys)
	// A kid bound to another key changes the version but neither list: the
	// change that matters most must not hide at debug.
	if len(added) > 0 || len(removed) > 0 || next.version != prev.version {
		k.log.Info("the tenant's signing keys changed",
			zap.Int("keys", next.size()), zap.Strings("added", added), zap.Strings("removed", removed), zap.Duration("ttl", next.ttl))
		return
	}
	k.log.Debug("refreshed the tenant's signing keys", zap.Int("keys", next.size()), zap.Duration("ttl", next.ttl))
}

// quoteKidsForLog lists, sorted and made safe to log, the kids of a that are not in b.
func quoteKidsForLog(a, b map[string][]*rsa.PublicKey) []string {
	var out []string
	for kid := range a {
		if _, ok := b[kid]; !ok {
			out = append(out, kid)
		}
	}
	slices.Sort(out)
	if len(out) > maxLoggedKids {
		out = out[:maxLoggedKids]
	}
	for i, kid := range out {
		out[i] = quoteForLog(kid)
	}
	return out
}

// quoteForLog quotes a tenant-supplied kid for a log line, bounding its length.
func quoteForLog(kid string) string {
	if len(kid) > maxLoggedKidLen {
		return strconv.QuoteToASCII(kid[:maxLoggedKidLen]) + "..."
	}
	return strconv.QuoteToASCII(kid)
}
