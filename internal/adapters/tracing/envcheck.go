package tracing

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// maxQueueSize bounds OTEL_BSP_MAX_QUEUE_SIZE and _MAX_EXPORT_BATCH_SIZE:
// spans held in memory while the collector is slow (the default is 2048).
const maxQueueSize = 1 << 20

// checkExportEnv refuses the OTEL_* values the SDK would reject on its own,
// or silently read otherwise than the spec (an _INSECURE overriding an
// https endpoint, GZIP as no compression). It is a gate in front of the
// SDK, which logs a rejected value in plain text outside our JSON logs (a
// header's secret included) and carries on with a default: a malformed
// endpoint sends spans to https://localhost:4318, a malformed sampler
// argument samples everything. Messages name the variable and never repeat
// a header's or an endpoint's value.
func checkExportEnv(getenv func(string) string) error {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var errs []error
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v := get(name); v != "" {
			// The exporter keeps the scheme, host and path only: credentials
			// or an API key put anywhere else would silently not be sent.
			switch u, err := url.Parse(v); {
			case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "": // "http://:4318" dials this host
				errs = append(errs, fmt.Errorf("%s is not an http or https URL with a host, such as http://collector:4318", name))
			case u.User != nil:
				errs = append(errs, fmt.Errorf("%s has user information, which the exporter does not send: use OTEL_EXPORTER_OTLP_HEADERS=authorization=Basic%%20<base64 of user:password>", name))
			case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(v, "#"):
				errs = append(errs, fmt.Errorf("%s has a query or fragment, which the exporter drops: put an API key in OTEL_EXPORTER_OTLP_HEADERS", name))
			case strings.HasSuffix(u.Host, ":") || !validPort(u.Port()):
				// net/http dials an empty port as the scheme's (80, 443), not 4318.
				errs = append(errs, fmt.Errorf("%s has a port that is not 1 to 65535", name))
			case name == "OTEL_EXPORTER_OTLP_ENDPOINT" && get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" &&
				strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/v1/traces"):
				// The spec has the exporter append /v1/traces to this base URL;
				// no collector serves …/v1/traces/v1/traces.
				errs = append(errs, fmt.Errorf("%s ends in /v1/traces, which the exporter appends again: give the base URL (http://collector:4318), or the full one in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", name))
			}
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		errs = append(errs, checkPairs(name, get(name), true)...)
	}
	// The SDK multiplies milliseconds into a time.Duration, which wraps
	// past about 292 years into a negative timeout; it makes the queue, and
	// a batch, at the size asked for, which past memory is a fatal out-of-memory at start.
	// The exporter trims its timeouts; the batch processor and the span
	// limits read the value as it is, so " 5000" would be its default.
	// A timeout of 0 is no limit (the spec's "Timeout" type), as the
	// exporter's HTTP client and the batch processor read it; a schedule
	// delay of 0 would re-arm the processor's timer at once, for ever.
	const maxMillis = math.MaxInt64 / int(time.Millisecond)
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"} {
		errs = append(errs, checkInt(name, get(name), 0, maxMillis, "of milliseconds "))
	}
	errs = append(errs, checkInt("OTEL_BSP_EXPORT_TIMEOUT", untrimmed(getenv, "OTEL_BSP_EXPORT_TIMEOUT"), 0, maxMillis, "of milliseconds "))
	errs = append(errs, checkInt("OTEL_BSP_SCHEDULE_DELAY", untrimmed(getenv, "OTEL_BSP_SCHEDULE_DELAY"), 1, maxMillis, "of milliseconds "))
	for _, name := range []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"} {
		errs = append(errs, checkInt(name, untrimmed(getenv, name), 1, maxQueueSize, ""))
	}
	// The spec has a batch at most the queue; the SDK silently makes a
	// larger one the default 512 (or the queue, if smaller).
	queue, batch, queueFrom := 2048, 0, "its default" // the SDK's default queue
	if n, err := strconv.Atoi(untrimmed(getenv, "OTEL_BSP_MAX_QUEUE_SIZE")); err == nil {
		queue, queueFrom = n, "OTEL_BSP_MAX_QUEUE_SIZE"
	}
	if n, err := strconv.Atoi(untrimmed(getenv, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE")); err == nil {
		batch = n
	}
	if batch > queue {
		errs = append(errs, fmt.Errorf("OTEL_BSP_MAX_EXPORT_BATCH_SIZE %d is larger than the queue, %d (%s): the SDK would silently export batches of 512, or of the queue's size if smaller", batch, queue, queueFrom))
	}
	// Span limits: non-negative integers (OpenTelemetry SDK environment
	// variables, "Attribute Limits", "Span Limits"); the SDK reads a
	// negative one as no limit.
	for _, name := range []string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT",
		"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT",
		"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"} {
		errs = append(errs, checkInt(name, untrimmed(getenv, name), 0, math.MaxInt32, ""))
	}
	// The exporter compresses on "gzip" alone and reads any other value as
	// none: "GZIP", which the spec's case-insensitive enums allow, would
	// silently not compress.
	for _, name := range []string{"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"} {
		switch v := get(name); {
		case v == "" || v == "gzip" || strings.EqualFold(v, "none"):
		case strings.EqualFold(v, "gzip"):
			errs = append(errs, fmt.Errorf("%s %q: write gzip in lower case (the exporter reads any other spelling as none)", name, v))
		default:
			errs = append(errs, fmt.Errorf("%s %q is not gzip or none", name, v))
		}
	}
	insecureVar, insecure := "", false
	for _, name := range []string{"OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_TRACES_INSECURE"} {
		if b, err := otelBool(name, get(name)); err != nil {
			errs = append(errs, err)
		} else if get(name) != "" { // the exporter applies the _TRACES_ one last
			insecureVar, insecure = name, b
		}
	}
	// For OTLP/HTTP the spec has the endpoint's scheme decide and _INSECURE
	// apply to gRPC only; this exporter lets _INSECURE override the scheme,
	// so true beside an https URL would send spans and headers in clear text.
	endpointVar := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	if get(endpointVar) == "" {
		endpointVar = "OTEL_EXPORTER_OTLP_ENDPOINT"
	}
	u, err := url.Parse(get(endpointVar))
	if insecureVar != "" && err == nil && (u.Scheme == "https" && insecure || u.Scheme == "http" && !insecure) {
		sends := "over TLS"
		if insecure {
			sends = "in clear text, headers included"
		}
		errs = append(errs, fmt.Errorf("%s %t contradicts the %s URL in %s: the exporter would send %s; drop %s (for OTLP/HTTP the URL's scheme decides)",
			insecureVar, insecure, u.Scheme, endpointVar, sends, insecureVar))
	}
	// The exporter refuses TLS files beside a clear-text endpoint, in an
	// error that names no variable, after the rest of the start has run.
	clearText := "" // why spans go in clear text, if they do
	switch {
	case insecureVar != "" && insecure:
		clearText = insecureVar + " is true"
	case insecureVar == "" && err == nil && u.Scheme == "http":
		clearText = "the http URL in " + endpointVar
	}
	for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_"} {
		for _, name := range []string{prefix + "CERTIFICATE", prefix + "CLIENT_CERTIFICATE", prefix + "CLIENT_KEY"} {
			if clearText != "" && get(name) != "" {
				errs = append(errs, fmt.Errorf("%s is set, but spans go in clear text (%s): use an https URL, or drop %s", name, clearText, name))
			}
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"} {
		if path := get(name); path != "" {
			if b, err := readPEMFile(name, path); err != nil {
				errs = append(errs, err)
			} else if !x509.NewCertPool().AppendCertsFromPEM(b) {
				errs = append(errs, fmt.Errorf("%s %s holds no PEM certificate", name, path))
			}
		}
	}
	for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_"} {
		errs = append(errs, checkClientCert(prefix+"CLIENT_CERTIFICATE", get(prefix+"CLIENT_CERTIFICATE"), prefix+"CLIENT_KEY", get(prefix+"CLIENT_KEY")))
	}
	return errors.Join(errs...)
}

// otelBool reads an OpenTelemetry boolean variable: true or false in any
// case, blank for false. Gate: the SDK reads anything but "true" as false
// ("Boolean value" in the SDK environment variables spec), so 1, yes or on
// would silently mean false.
func otelBool(name, v string) (bool, error) {
	switch {
	case v == "" || strings.EqualFold(v, "false"):
		return false, nil
	case strings.EqualFold(v, "true"):
		return true, nil
	}
	return false, fmt.Errorf("%s %q is not true or false (the SDK reads anything but true as false)", name, v)
}

// untrimmed is name's value as the SDK's batch processor and span limits
// read it, spaces included; blank is unset.
func untrimmed(getenv func(string) string, name string) string {
	if v := getenv(name); strings.TrimSpace(v) != "" {
		return v
	}
	return ""
}

// checkInt checks that v, when set, is a whole number from lo to hi; unit
// ("of milliseconds ") names what it counts.
func checkInt(name, v string, lo, hi int, unit string) error {
	if v == "" {
		return nil
	}
	if n, err := strconv.Atoi(v); err != nil || n < lo || n > hi {
		return fmt.Errorf("%s %q is not a whole number %sfrom %d to %d", name, v, unit, lo, hi)
	}
	return nil
}

// validPort reports an empty port (the scheme's) or one from 1 to 65535.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// checkPairs checks a list of name=value entries with URL-encoded values,
// the format of OTLP headers and resource attributes; a header's decoded
// value must also be one net/http sends (no control character but tab, RFC
// 9110 §5.5), else every export fails. The entry is named by its position
// only: a header's value is often a credential.
func checkPairs(name, v string, header bool) []error {
	if v == "" {
		return nil
	}
	// Gate: ' is a header name's character, so 'authorization=... would
	// send a header no collector reads (docker run --env-file keeps quotes).
	if quoted(v) {
		return []error{fmt.Errorf("%s is wrapped in quotes, which would be part of the value: remove them", name)}
	}
	var errs []error
	for i, p := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if quoted(strings.TrimSpace(p)) || quoted(strings.TrimSpace(val)) || strings.HasPrefix(k, "'") || strings.HasPrefix(k, `"`) {
			errs = append(errs, fmt.Errorf("%s entry %d is wrapped in quotes, or its name or value is, which would be part of it: remove them", name, i+1))
			continue
		}
		dec, uerr := url.PathUnescape(val)
		if !ok || k == "" || strings.IndexFunc(k, notToken) >= 0 || uerr != nil || header && strings.IndexFunc(dec, control) >= 0 {
			errs = append(errs, fmt.Errorf("%s entry %d is not name=value (a name of letters, digits and -._~!#$&'*+^`|, a URL-encoded value, a header's without control characters)", name, i+1))
		}
	}
	return errs
}

// quoted reports whether s is wrapped in a pair of single or double quotes:
// config.WrappedInQuotes's rule, which this package cannot import (config
// imports it).
func quoted(s string) bool {
	return len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0]
}

// control reports a control character other than tab.
func control(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// notToken reports a character not allowed in an HTTP field name (RFC 9110 §5.6.2).
func notToken(r rune) bool {
	return !(r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)))
}

// maxPEMFileBytes bounds a certificate or key file: a chain of a few
// certificates takes some KiB.
const maxPEMFileBytes = 1 << 20

// readPEMFile reads the certificate or key file that variable name names:
// a regular file of at most maxPEMFileBytes. Gate: the exporter reads the
// path again to the end, so a device (/dev/zero) would fill memory and a
// pipe, read here first, would leave it waiting for ever.
func readPEMFile(name, path string) ([]byte, error) {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s %s: %w", name, path, err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s %s is not a regular file", name, path)
	case info.Size() > maxPEMFileBytes:
		return nil, fmt.Errorf("%s %s is larger than %d KiB: not a PEM certificate or key", name, path, maxPEMFileBytes>>10)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, path, err)
	}
	return b, nil
}

// checkClientCert checks a client certificate and its key: both or neither,
// and a pair tls.X509KeyPair accepts.
func checkClientCert(certName, certPath, keyName, keyPath string) error {
	switch {
	case certPath == "" && keyPath == "":
		return nil
	case certPath == "":
		return fmt.Errorf("%s is set without %s", keyName, certName)
	case keyPath == "":
		return fmt.Errorf("%s is set without %s", certName, keyName)
	}
	cert, err := readPEMFile(certName, certPath)
	if err != nil {
		return err
	}
	key, err := readPEMFile(keyName, keyPath)
	if err != nil {
		return err
	}
	if _, err := tls.X509KeyPair(cert, key); err != nil {
		return fmt.Errorf("%s %s and %s %s are not a certificate and its key", certName, certPath, keyName, keyPath)
	}
	return nil
}

// checkSampler checks OTEL_TRACES_SAMPLER against the samplers the SDK
// knows, and its argument for the ratio-based ones. Checked whether or not
// spans are exported: the SDK reads them for the provider without an
// exporter too, and writes a bad one to the standard logger in plain text,
// a line outside the JSON logs.
func checkSampler(sampler, arg string) error {
	switch strings.ToLower(sampler) {
	case "", "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
		return nil
	case "traceidratio", "parentbased_traceidratio":
		if arg == "" {
			return nil
		}
		if r, err := strconv.ParseFloat(arg, 64); err != nil || !(r >= 0 && r <= 1) { // NaN too
			return fmt.Errorf("OTEL_TRACES_SAMPLER_ARG %q is not a ratio from 0 to 1, such as 0.25", arg)
		}
		return nil
	}
	return fmt.Errorf("OTEL_TRACES_SAMPLER %q is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio", sampler)
}

// exportURL is the URL the OTLP/HTTP exporter posts spans to, resolved from
// the variables as the exporter does: the per-signal endpoint as it is, or
// the general one with /v1/traces appended, else https://localhost:4318;
// the _INSECURE variables set the scheme last. checkExportEnv has vetted
// the URLs (no user information, query or fragment).
func exportURL(getenv func(string) string) string {
	scheme, host, p := "https", "localhost:4318", "/v1/traces"
	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")); v != "" {
		if u, err := url.Parse(v); err == nil {
			scheme, host, p = u.Scheme, u.Host, path.Join(u.Path, "/v1/traces")
		}
	}
	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")); v != "" {
		if u, err := url.Parse(v); err == nil {
			scheme, host, p = u.Scheme, u.Host, u.Path
			if p == "" {
				p = "/"
			}
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_TRACES_INSECURE"} {
		if v := strings.TrimSpace(getenv(name)); v != "" { // set: the exporter applies it, as otelBool reads it
			scheme = "https"
			if strings.EqualFold(v, "true") {
				scheme = "http"
			}
		}
	}
	return scheme + "://" + host + p
}
