package tracing_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/tracing"
)

func TestConfigFromEnv(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem") // past the 1 MiB a certificate file may take
	if err := os.WriteFile(big, bytes.Repeat([]byte("-----BEGIN CERTIFICATE-----\n"), 40<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	// A certificate mounted as a Kubernetes secret is a symbolic link to a
	// regular file: followed, as the exporter follows it.
	ca, caLink, zeroLink := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-link.pem"), filepath.Join(dir, "zero-link.pem")
	caPEM, keyPEM := selfSigned(t)
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	// A client certificate and its key, another key, and a file that is no PEM.
	key, otherKey, notPEM := filepath.Join(dir, "key.pem"), filepath.Join(dir, "other-key.pem"), filepath.Join(dir, "not.pem")
	_, otherKeyPEM := selfSigned(t)
	for file, data := range map[string][]byte{key: keyPEM, otherKey: otherKeyPEM, notPEM: []byte("not a certificate\n")} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(ca, caLink); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", zeroLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        map[string]string
		wantExport bool
		wantErr    string
	}{
		{"nothing set: no exporter", nil, false, ""},
		{"CA file", otlps("OTEL_EXPORTER_OTLP_CERTIFICATE", ca), true, ""},
		{"CA file a symbolic link to a regular file", otlps("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", caLink), true, ""},
		// The exporter refuses TLS files beside a clear-text endpoint, naming
		// no variable, after the rest of the start.
		{"CA file beside an http endpoint", otlp("OTEL_EXPORTER_OTLP_CERTIFICATE", ca), false,
			"OTEL_EXPORTER_OTLP_CERTIFICATE is set, but spans go in clear text (the http URL in OTEL_EXPORTER_OTLP_ENDPOINT): use an https URL, or drop OTEL_EXPORTER_OTLP_CERTIFICATE"},
		{"client certificate beside an http traces endpoint", otlps("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4318/v1/traces",
			"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", ca, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", key), false,
			"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY is set, but spans go in clear text (the http URL in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)"},
		{"CA file beside insecure true and the default endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_INSECURE": "true",
			"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": ca}, false,
			"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE is set, but spans go in clear text (OTEL_EXPORTER_OTLP_INSECURE is true)"},
		{"CA file beside an https traces endpoint over an http one", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://b:4318/v1/traces",
			"OTEL_EXPORTER_OTLP_CERTIFICATE", ca), true, ""},
		{"CA file a symbolic link to a device", otlp("OTEL_EXPORTER_OTLP_CERTIFICATE", zeroLink), false, "OTEL_EXPORTER_OTLP_CERTIFICATE " + zeroLink + " is not a regular file"},
		{"endpoint set", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true, ""},
		{"traces endpoint set", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true, ""},
		{"exporter otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, ""},
		{"exporter none wins over an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false, ""},
		{"SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false, ""},
		{"http/protobuf", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, true, ""},
		{"grpc refused", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, `OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported`},
		{"traces protocol wins", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, true, ""},
		{"console refused", map[string]string{"OTEL_TRACES_EXPORTER": "console"}, false, "OTEL_TRACES_EXPORTER"},
		{"zipkin refused", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, "OTEL_TRACES_EXPORTER"},
		// The spec's enum values are case-insensitive; the SDK trims them.
		{"exporter in capitals", map[string]string{"OTEL_TRACES_EXPORTER": "OTLP"}, true, ""},
		{"exporter none in capitals", map[string]string{"OTEL_TRACES_EXPORTER": "None", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false, ""},
		{"protocol with spaces", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": " http/protobuf "}, true, ""},
		// The SDK logs each of these in plain text outside the JSON logs,
		// value included, and falls back to a default: a malformed endpoint
		// sends spans to https://localhost:4318, a malformed sampler
		// argument samples everything.
		{"endpoint not a URL", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url"), false, "OTEL_EXPORTER_OTLP_ENDPOINT is not an http or https URL"},
		{"endpoint unparsable", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://[::1"), false, "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"endpoint another scheme", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://collector:4317"), false, "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"traces endpoint without a host", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http:///v1/traces"), false, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{"header without =", otlp("OTEL_EXPORTER_OTLP_HEADERS", "authorization:Bearer SECRET"), false, "OTEL_EXPORTER_OTLP_HEADERS entry 1 is not name=value"},
		{"header with a bad name", otlp("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=x,bad name=SECRET"), false, "OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 2"},
		{"header with a bad escape", otlp("OTEL_EXPORTER_OTLP_HEADERS", "authorization=SECRET%zz"), false, "OTEL_EXPORTER_OTLP_HEADERS entry 1"},
		{"headers well-formed", otlp("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20SECRET, x-tenant = a"), true, ""},
		{"timeout not a number", otlp("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"), false, "OTEL_EXPORTER_OTLP_TIMEOUT \"10s\" is not a whole number of milliseconds from 0 to"},
		{"timeout negative", otlp("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "-1"), false, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"},
		{"compression unknown", otlp("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"), false, "OTEL_EXPORTER_OTLP_COMPRESSION \"brotli\" is not gzip or none"},
		{"insecure not a bool", otlp("OTEL_EXPORTER_OTLP_INSECURE", "yes"), false, "OTEL_EXPORTER_OTLP_INSECURE"},
		{"CA file missing", otlp("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"), false, "OTEL_EXPORTER_OTLP_CERTIFICATE /nonexistent/ca.pem"},
		// The exporter reads the path again to the end: a device would fill
		// memory, a pipe read by the check would leave it waiting.
		{"CA file a device that never ends", otlp("OTEL_EXPORTER_OTLP_CERTIFICATE", "/dev/zero"), false, "OTEL_EXPORTER_OTLP_CERTIFICATE /dev/zero is not a regular file"},
		{"CA file a directory", otlp("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", dir), false, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE " + dir + " is not a regular file"},
		{"CA file past 1 MiB", otlp("OTEL_EXPORTER_OTLP_CERTIFICATE", big), false, "OTEL_EXPORTER_OTLP_CERTIFICATE " + big + " is larger than 1024 KiB"},
		{"client certificate past 1 MiB", otlp("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", big, "OTEL_EXPORTER_OTLP_CLIENT_KEY", "/dev/zero"), false, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE " + big + " is larger"},
		{"traces client certificate a device", otlp("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "/dev/zero", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", big), false, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE /dev/zero is not a regular file"},
		{"client certificate without key", otlp("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/nonexistent/c.pem"), false, "OTEL_EXPORTER_OTLP_CLIENT_KEY"},
		{"client key without certificate", otlp("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", key), false, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY is set without OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"},
		{"client certificate and its key", otlps("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", ca, "OTEL_EXPORTER_OTLP_CLIENT_KEY", key), true, ""},
		{"client certificate and another key", otlp("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", ca, "OTEL_EXPORTER_OTLP_CLIENT_KEY", otherKey), false,
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE " + ca + " and OTEL_EXPORTER_OTLP_CLIENT_KEY " + otherKey + " are not a certificate and its key"},
		// The key is read again to the end by the exporter, as the certificate is.
		{"client key a device", otlp("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", ca, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/dev/zero"), false,
			"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY /dev/zero is not a regular file"},
		{"CA file not PEM", otlp("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", notPEM), false, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE " + notPEM + " holds no PEM certificate"},
		{"sampler unknown", otlp("OTEL_TRACES_SAMPLER", "sometimes"), false, "OTEL_TRACES_SAMPLER \"sometimes\""},
		{"sampler argument a percentage", otlp("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "10%"), false, "OTEL_TRACES_SAMPLER_ARG \"10%\" is not a ratio from 0 to 1"},
		{"sampler argument above 1", otlp("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG", "10"), false, "OTEL_TRACES_SAMPLER_ARG"},
		{"sampler ratio", otlp("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0.25"), true, ""},
		{"sampler ratio 0", otlp("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0"), true, ""},
		{"sampler ratio 1", otlp("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "1"), true, ""},
		{"sampler ratio without an argument: the SDK's 1", otlp("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"), true, ""},
		{"sampler parentbased_always_on", otlp("OTEL_TRACES_SAMPLER", "parentbased_always_on"), true, ""},
		{"batch delay not a number", otlp("OTEL_BSP_SCHEDULE_DELAY", "5s"), false, "OTEL_BSP_SCHEDULE_DELAY"},
		// A timeout of 0 is no limit (the spec's "Timeout" type), as the
		// exporter and the batch processor read it; a delay of 0 would spin.
		{"exporter timeout 0: no limit", otlp("OTEL_EXPORTER_OTLP_TIMEOUT", "0"), true, ""},
		{"traces exporter timeout 0: no limit", otlp("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0"), true, ""},
		{"batch export timeout 0: no limit", otlp("OTEL_BSP_EXPORT_TIMEOUT", "0"), true, ""},
		{"batch delay 0", otlp("OTEL_BSP_SCHEDULE_DELAY", "0"), false, `OTEL_BSP_SCHEDULE_DELAY "0" is not a whole number of milliseconds from 1 to`},
		{"batch queue zero", otlp("OTEL_BSP_MAX_QUEUE_SIZE", "0"), false, "OTEL_BSP_MAX_QUEUE_SIZE"},
		{"resource attribute without =", otlp("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,SECRET"), false, "OTEL_RESOURCE_ATTRIBUTES entry 2 is not name=value"},
		{"endpoint only spaces: no exporter", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "  "}, false, ""},
		{"traces endpoint only a tab: no exporter", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "\t"}, false, ""},
		{"sampler argument NaN", otlp("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "NaN"), false, "OTEL_TRACES_SAMPLER_ARG \"NaN\" is not a ratio"},
		{"timeout beyond a duration", otlp("OTEL_EXPORTER_OTLP_TIMEOUT", "9223372036854775807"), false, "OTEL_EXPORTER_OTLP_TIMEOUT"},
		// The largest duration is 9223372036854.775807 s: whole milliseconds up to its floor.
		{"timeout at the largest duration", otlp("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "9223372036854"), true, ""},
		{"timeout a millisecond past it", otlp("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "9223372036855"), false, `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT "9223372036855" is not a whole number of milliseconds from 0 to 9223372036854`},
		{"batch delay beyond a duration", otlp("OTEL_BSP_SCHEDULE_DELAY", "9300000000000000"), false, "OTEL_BSP_SCHEDULE_DELAY"},
		{"batch queue of a trillion spans", otlp("OTEL_BSP_MAX_QUEUE_SIZE", "1000000000000"), false, "OTEL_BSP_MAX_QUEUE_SIZE \"1000000000000\" is not a whole number from 1 to 1048576"},
		{"batch size of a trillion spans", otlp("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1000000000000"), false, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"},
		// The SDK silently makes a batch larger than the queue its default 512.
		{"batch larger than the default queue", otlp("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096"), false,
			"OTEL_BSP_MAX_EXPORT_BATCH_SIZE 4096 is larger than the queue, 2048 (its default)"},
		{"batch larger than the queue set", otlp("OTEL_BSP_MAX_QUEUE_SIZE", "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "101"), false, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE 101 is larger than the queue, 100 (OTEL_BSP_MAX_QUEUE_SIZE)"},
		{"batch the size of the queue", otlp("OTEL_BSP_MAX_QUEUE_SIZE", "4096", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096"), true, ""},
		{"queue smaller than the default batch", otlp("OTEL_BSP_MAX_QUEUE_SIZE", "100"), true, ""},
		{"batch queue at the cap", otlp("OTEL_BSP_MAX_QUEUE_SIZE", "1048576"), true, ""},
		{"several exporters", map[string]string{"OTEL_TRACES_EXPORTER": "otlp,console"}, false, "OTEL_TRACES_EXPORTER \"otlp,console\" is not supported"},
		{"header value decoding to a newline", otlp("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=SECRET%0Ax-other: 1"), false, "OTEL_EXPORTER_OTLP_HEADERS entry 1 is not name=value"},
		{"traces header value with a control character", otlp("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-api-key=SECRET%7F"), false, "OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 1"},
		{"header value with an encoded space", otlp("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Basic%20abc"), true, ""},
		{"header value with a tab", otlp("OTEL_EXPORTER_OTLP_HEADERS", "x-note=a%09b"), true, ""},
		{"header with an empty name", otlp("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=a, =SECRET"), false, "OTEL_EXPORTER_OTLP_HEADERS entry 2 is not name=value"},
		// ' is a header name's character: the quotes would make 'authorization a header.
		{"headers in single quotes", otlp("OTEL_EXPORTER_OTLP_HEADERS", "'authorization=Bearer%20SECRET'"), false, "OTEL_EXPORTER_OTLP_HEADERS is wrapped in quotes, which would be part of the value: remove them"},
		{"traces headers in double quotes", otlp("OTEL_EXPORTER_OTLP_TRACES_HEADERS", `"x-api-key=SECRET"`), false, "OTEL_EXPORTER_OTLP_TRACES_HEADERS is wrapped in quotes"},
		{"resource attributes in quotes", otlp("OTEL_RESOURCE_ATTRIBUTES", "'team=auth'"), false, "OTEL_RESOURCE_ATTRIBUTES is wrapped in quotes"},
		{"one header in quotes", otlp("OTEL_EXPORTER_OTLP_HEADERS", "x-a=1, 'authorization=Basic%20SECRET'"), false, "OTEL_EXPORTER_OTLP_HEADERS entry 2 is wrapped in quotes, or its name or value is"},
		{"a header name in quotes", otlp("OTEL_EXPORTER_OTLP_HEADERS", "x-a=1,'authorization'=Basic%20SECRET"), false, "OTEL_EXPORTER_OTLP_HEADERS entry 2 is wrapped in quotes, or its name or value is"},
		{"a header's opening quote alone", otlp("OTEL_EXPORTER_OTLP_HEADERS", "x-a=1,'authorization=Basic%20SECRET"), false, "OTEL_EXPORTER_OTLP_HEADERS entry 2 is wrapped in quotes, or its name or value is"},
		{"a header value in quotes", otlp("OTEL_EXPORTER_OTLP_TRACES_HEADERS", `authorization="Basic SECRET"`), false, "OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 1 is wrapped in quotes, or its name or value is"},
		{"an attribute value in quotes", otlp("OTEL_RESOURCE_ATTRIBUTES", "team='auth'"), false, "OTEL_RESOURCE_ATTRIBUTES entry 1 is wrapped in quotes, or its name or value is"},
		{"a quote inside a header value", otlp("OTEL_EXPORTER_OTLP_HEADERS", "x-note=it's"), true, ""},
		{"resource attribute value with a newline", otlp("OTEL_RESOURCE_ATTRIBUTES", "note=a%0Ab"), true, ""},
		{"endpoint with a query", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318?api_key=SECRET"), false, "OTEL_EXPORTER_OTLP_ENDPOINT has a query or fragment, which the exporter drops"},
		{"traces endpoint with a fragment", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector/v1/traces#SECRET"), false, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT has a query or fragment"},
		{"endpoint with an empty query", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318?"), false, "OTEL_EXPORTER_OTLP_ENDPOINT has a query"},
		{"traces endpoint with an empty fragment", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector/v1/traces#"), false, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT has a query or fragment"},
		{"endpoint with user and password", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "https://user:SECRET@collector:4318"), false, "OTEL_EXPORTER_OTLP_ENDPOINT has user information, which the exporter does not send: use OTEL_EXPORTER_OTLP_HEADERS"},
		{"traces endpoint with a user", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://SECRET@collector/v1/traces"), false, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT has user information"},
		{"exporter in capitals with spaces", map[string]string{"OTEL_TRACES_EXPORTER": " OTLP "}, true, ""},
		{"exporter none in capitals", map[string]string{"OTEL_TRACES_EXPORTER": "NONE", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false, ""},
		{"exporter list with none", map[string]string{"OTEL_TRACES_EXPORTER": "otlp,none"}, false, "OTEL_TRACES_EXPORTER \"otlp,none\" is not supported"},
		{"SDK disabled in capitals with spaces", map[string]string{"OTEL_SDK_DISABLED": " TRUE ", "OTEL_TRACES_EXPORTER": "otlp"}, false, ""},
		// The SDK reads anything but true as false: an operator's 1 or yes
		// would silently export (or not encrypt) instead of what was meant.
		{"SDK disabled as 1", map[string]string{"OTEL_SDK_DISABLED": "1", "OTEL_TRACES_EXPORTER": "otlp"}, false, `OTEL_SDK_DISABLED "1" is not true or false`},
		{"SDK disabled as yes, nothing exported anyway", map[string]string{"OTEL_SDK_DISABLED": "yes"}, false, "OTEL_SDK_DISABLED"},
		{"SDK not disabled in capitals", map[string]string{"OTEL_SDK_DISABLED": "FALSE", "OTEL_TRACES_EXPORTER": "otlp"}, true, ""},
		{"insecure as 1", otlp("OTEL_EXPORTER_OTLP_INSECURE", "1"), false, `OTEL_EXPORTER_OTLP_INSECURE "1" is not true or false`},
		{"traces insecure as t", otlp("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "t"), false, "OTEL_EXPORTER_OTLP_TRACES_INSECURE"},
		{"insecure as 0", otlp("OTEL_EXPORTER_OTLP_INSECURE", "0"), false, "OTEL_EXPORTER_OTLP_INSECURE"},
		{"insecure in mixed case", otlp("OTEL_EXPORTER_OTLP_INSECURE", " tRuE "), true, ""},
		// For OTLP/HTTP the spec has the URL's scheme decide; this exporter
		// lets _INSECURE override it, so true beside https would send in clear.
		{"insecure true beside an https endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318", "OTEL_EXPORTER_OTLP_INSECURE": "true"}, false,
			"OTEL_EXPORTER_OTLP_INSECURE true contradicts the https URL in OTEL_EXPORTER_OTLP_ENDPOINT: the exporter would send in clear text"},
		{"traces insecure beside an https traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "HTTPS://collector/v1/traces", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "TRUE"}, false,
			"OTEL_EXPORTER_OTLP_TRACES_INSECURE true contradicts the https URL in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{"insecure false beside an http endpoint", otlp("OTEL_EXPORTER_OTLP_INSECURE", "false"), false,
			"OTEL_EXPORTER_OTLP_INSECURE false contradicts the http URL in OTEL_EXPORTER_OTLP_ENDPOINT: the exporter would send over TLS"},
		{"insecure true beside https, traces insecure false", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318",
			"OTEL_EXPORTER_OTLP_INSECURE": "true", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "false"}, true, ""},
		{"insecure true beside an http traces endpoint over an https one", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://a:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/v1/traces", "OTEL_EXPORTER_OTLP_INSECURE": "true"}, true, ""},
		{"insecure true with no endpoint: http://localhost:4318", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_INSECURE": "true"}, true, ""},
		// Enum values are case-insensitive (the spec); the exporter reads any
		// protocol spelling as http/protobuf and compresses on "gzip" alone.
		{"protocol in capitals", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "HTTP/Protobuf"}, true, ""},
		{"compression none in capitals", otlp("OTEL_EXPORTER_OTLP_COMPRESSION", "None"), true, ""},
		{"compression gzip in capitals", otlp("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "GZIP"), false,
			`OTEL_EXPORTER_OTLP_TRACES_COMPRESSION "GZIP": write gzip in lower case`},
		// The batch processor and the span limits read the value untrimmed:
		// with a space it would be their default, without a word.
		{"batch delay with a space", otlp("OTEL_BSP_SCHEDULE_DELAY", " 5000"), false, `OTEL_BSP_SCHEDULE_DELAY " 5000" is not a whole number`},
		{"batch timeout with a trailing space", otlp("OTEL_BSP_EXPORT_TIMEOUT", "30000 "), false, "OTEL_BSP_EXPORT_TIMEOUT"},
		{"batch queue with a tab", otlp("OTEL_BSP_MAX_QUEUE_SIZE", "4096\t"), false, "OTEL_BSP_MAX_QUEUE_SIZE"},
		{"batch size only spaces: unset", otlp("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "  "), true, ""},
		{"exporter timeout with spaces: the exporter trims it", otlp("OTEL_EXPORTER_OTLP_TIMEOUT", " 5000 "), true, ""},
		{"attribute count not a number", otlp("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "lots"), false, `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT "lots" is not a whole number from 0 to`},
		{"attribute value length negative", otlp("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1"), false, "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"},
		{"event count with a space", otlp("OTEL_SPAN_EVENT_COUNT_LIMIT", "64 "), false, "OTEL_SPAN_EVENT_COUNT_LIMIT"},
		{"link attribute count a fraction", otlp("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "1.5"), false, "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"},
		{"attribute count negative", otlp("OTEL_ATTRIBUTE_COUNT_LIMIT", "-1"), false, "OTEL_ATTRIBUTE_COUNT_LIMIT"},
		{"span attribute value length with a space", otlp("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", " 4096"), false, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"},
		{"event attribute count not a number", otlp("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "many"), false, "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT"},
		{"link count negative", otlp("OTEL_SPAN_LINK_COUNT_LIMIT", "-5"), false, "OTEL_SPAN_LINK_COUNT_LIMIT"},
		{"attribute count beyond 32 bits", otlp("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "4294967296"), false, `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT "4294967296" is not a whole number from 0 to 2147483647`},
		{"span limits in range", otlp("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "0", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4096",
			"OTEL_SPAN_LINK_COUNT_LIMIT", "128", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "16"), true, ""},
		// net/http dials an empty port as the scheme's (80), not 4318.
		{"endpoint with an empty port", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:"), false, "OTEL_EXPORTER_OTLP_ENDPOINT has a port that is not 1 to 65535"},
		{"traces endpoint with port 0", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:0/v1/traces"), false, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT has a port"},
		{"endpoint with a high port", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:65535"), true, ""},
		{"endpoint with port 70000", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:70000"), false, "OTEL_EXPORTER_OTLP_ENDPOINT has a port"},
		{"v6 endpoint with a port", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://[::1]:4318"), true, ""},
		{"endpoint with a port and no host", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://:4318"), false, "OTEL_EXPORTER_OTLP_ENDPOINT is not an http or https URL with a host"},
		{"traces endpoint with an empty v6 host", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://[]:4318/v1/traces"), false, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		// The exporter appends /v1/traces to the general endpoint (as the spec says).
		{"endpoint with the signal path", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/v1/traces"), false, "OTEL_EXPORTER_OTLP_ENDPOINT ends in /v1/traces, which the exporter appends again"},
		{"endpoint with the signal path and a slash", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector/otel/v1/traces/"), false, "OTEL_EXPORTER_OTLP_ENDPOINT ends in /v1/traces"},
		{"endpoint with the signal path, unused beside a traces endpoint", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/v1/traces",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces"), true, ""},
		{"traces endpoint with the signal path", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces"), true, ""},
		{"endpoint with a path ending in another word", otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/otel/v1/tracesx"), true, ""},
		{"sampler in capitals", otlp("OTEL_TRACES_SAMPLER", "ParentBased_TraceIdRatio", "OTEL_TRACES_SAMPLER_ARG", " 0.5 "), true, ""},
		{"sampler argument infinite", otlp("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "Inf"), false, "OTEL_TRACES_SAMPLER_ARG"},
		// The SDK reads the sampler for the provider without an exporter
		// too, and writes a bad one to stderr in plain text.
		{"sampler unknown without an exporter", map[string]string{"OTEL_TRACES_SAMPLER": "sometimes"}, false, `OTEL_TRACES_SAMPLER "sometimes"`},
		{"sampler argument bad with exporting off", map[string]string{"OTEL_TRACES_EXPORTER": "none",
			"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "10%"}, false, `OTEL_TRACES_SAMPLER_ARG "10%"`},
		{"sampler unknown with the SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_SAMPLER": "jaeger_remote"}, false, "OTEL_TRACES_SAMPLER"},
		{"sampler well-formed without an exporter", map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}, false, ""},
		// So are the resource attributes, and a malformed entry would be
		// printed, value and all (a cluster may set them for every pod).
		{"resource attribute without = and no exporter", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.version=1,api.key:SECRET"}, false, "OTEL_RESOURCE_ATTRIBUTES entry 2 is not name=value"},
		{"resource attribute without = with exporting off", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_RESOURCE_ATTRIBUTES": "SECRET"}, false, "OTEL_RESOURCE_ATTRIBUTES entry 1 is not name=value"},
		{"resource attribute without = with the SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_RESOURCE_ATTRIBUTES": "a=1,SECRET"}, false, "OTEL_RESOURCE_ATTRIBUTES entry 2"},
		{"resource attributes well-formed without an exporter", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod"}, false, ""},
		{"bad values ignored without export", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, false, ""},
		{"bad values ignored with no endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tracing.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one naming %s", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("got error %v, want one that never repeats a header's value", err)
				}
				return
			}
			if err != nil || c.Export != tt.wantExport {
				t.Errorf("got export=%v err=%v, want export=%v", c.Export, err, tt.wantExport)
			}
		})
	}
}

// otlp is an environment that exports over OTLP, plus the name=value pairs kv.
func otlp(kv ...string) map[string]string {
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// otlps is otlp with an https endpoint.
func otlps(kv ...string) map[string]string {
	return otlp(append([]string{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"}, kv...)...)
}

// selfSigned is a PEM certificate, signed by its own key, and that key.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "collector CA"}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
}

// TestTLSFilesAsTheExporterReadsThem: ConfigFromEnv accepts TLS files
// beside an endpoint exactly when the exporter does, so what it lets
// through never fails later in an error that names no variable.
func TestTLSFilesAsTheExporterReadsThem(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	ca, key := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "key.pem")
	for file, data := range map[string][]byte{ca: certPEM, key: keyPEM} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		env    map[string]string
		wantOK bool
	}{
		{"CA file, https", otlps("OTEL_EXPORTER_OTLP_CERTIFICATE", ca), true},
		{"CA file, http", otlp("OTEL_EXPORTER_OTLP_CERTIFICATE", ca), false},
		{"client certificate, http traces endpoint", otlps("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4318/v1/traces",
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", ca, "OTEL_EXPORTER_OTLP_CLIENT_KEY", key), false},
		{"CA file, https traces endpoint over an http one", otlp("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://b:4318/v1/traces",
			"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", ca), true},
		{"CA file, insecure true, default endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_INSECURE": "true",
			"OTEL_EXPORTER_OTLP_CERTIFICATE": ca}, false},
	}
	vars := []string{"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_INSECURE",
		"OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range vars {
				t.Setenv(k, tt.env[k])
			}
			_, err := tracing.ConfigFromEnv(os.Getenv)
			if got := err == nil; got != tt.wantOK {
				t.Errorf("got ConfigFromEnv error %v, want accepted %v", err, tt.wantOK)
			}
			p, err := tracing.New(t.Context(), tracing.Config{Export: true}, zap.NewNop())
			if got := err == nil; got != tt.wantOK {
				t.Errorf("got exporter error %v, want built %v", err, tt.wantOK)
			}
			if p != nil {
				_ = p.Shutdown(t.Context())
			}
		})
	}
}
