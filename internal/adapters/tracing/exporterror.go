package tracing

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/example/messages-api/internal/adapters/logtext"
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

// maxScrubbedBytes bounds what of a failure is searched for secrets: the
// collector's answer may be 4 MiB, and only maxExportErrorBytes of it is
// logged.
const maxScrubbedBytes = 64 << 10

// scrubExportError is msg, an export failure as the SDK words it, with
// every secret replaced by "REDACTED" however the collector wrote it back,
// cut to maxExportErrorBytes. Gate: the SDK quotes the collector's answer
// ("body: ..."), which may echo the request's headers: in another letter
// case, escaped once or twice (JSON, HTML, percent-encoding, Python's \x),
// or a UTF-8 value read as Latin-1 (see replaceEchoes).
func scrubExportError(msg string, secrets []string) string {
	cut := false
	if len(secrets) > 0 {
		searched := msg
		if len(searched) > maxScrubbedBytes {
			searched = logtext.Cut(searched, maxScrubbedBytes)
		}
		scrubbed, last, longest := replaceEchoes(searched, secrets, "REDACTED")
		if len(searched) < len(msg) {
			// A secret may straddle where the search stopped: what it could
			// have left there, past the last replacement (after which
			// scrubbed and searched agree byte for byte), is not logged.
			drop := len(searched) - max(last, len(searched)-longest)
			scrubbed = logtext.Cut(scrubbed, len(scrubbed)-drop)
			cut = true
		}
		msg = scrubbed
	}
	msg = logtext.ReplaceControls(msg) // the collector chooses the answer the SDK quotes
	// A U+FFFD put in for a byte that is not UTF-8 can complete a secret
	// that is not UTF-8 either ("000\xb2" makes "000\xef" appear).
	for _, s := range secrets {
		if len(s) >= minSecretBytes && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "REDACTED")
		}
	}
	if len(msg) > maxExportErrorBytes {
		msg, cut = logtext.Cut(msg, maxExportErrorBytes), true
	}
	if cut {
		msg += "... (cut)"
	}
	return msg
}
