package tracing

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxExportErrorBytes bounds a logged export failure: the exporter quotes
// the collector's error body, up to 4 MiB of it.
const maxExportErrorBytes = 512

// minSecretBytes is the shortest header value scrubbed from export
// failures: a shorter one is no credential, and scrubbing it would garble
// every number in the message.
const minSecretBytes = 4

// exportSecrets lists what an export failure must never repeat: the values
// of the OTLP headers (an API key, a Basic credential), as set and decoded,
// longest first, so that a short one inside a longer one (an org id in a
// token) is not replaced first and the rest of the longer one logged.
// (An endpoint carries no credential: checkExportEnv refuses one.)
func exportSecrets(getenv func(string) string) []string {
	var secrets []string
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		for _, p := range strings.Split(getenv(name), ",") {
			_, v, _ := strings.Cut(p, "=")
			secrets = append(secrets, strings.TrimSpace(v))
			if d, err := url.PathUnescape(v); err == nil {
				secrets = append(secrets, strings.TrimSpace(d))
				// "Basic abc": the credential alone may be quoted back too.
				if _, cred, ok := strings.Cut(strings.TrimSpace(d), " "); ok {
					secrets = append(secrets, strings.TrimSpace(cred))
				}
			}
		}
	}
	kept := secrets[:0]
	for _, s := range secrets {
		if len(s) >= minSecretBytes {
			kept = append(kept, s)
		}
	}
	slices.SortFunc(kept, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return kept
}

// scrubExportError is msg, an export failure as the SDK words it, with
// every secret replaced by "REDACTED", cut to maxExportErrorBytes.
func scrubExportError(msg string, secrets []string) string {
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "REDACTED")
	}
	if len(msg) <= maxExportErrorBytes {
		return msg
	}
	cut := maxExportErrorBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "... (cut)"
}
