// Package tracing wraps the OpenTelemetry Go SDK: the tracer provider that
// makes this service's spans and, when the standard OTEL_* environment asks
// for it, exports them over OTLP/HTTP. Without an exporter it still gives
// each traced request its own span id, so log lines correlate by trace id.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ServiceName is the default service.name resource attribute; OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES override it.
const ServiceName = "messages-api"

// Config says whether spans are exported. The exporter itself reads the
// standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, _TRACES_ENDPOINT,
// _HEADERS, _TIMEOUT, _COMPRESSION, _CERTIFICATE...), the SDK reads
// OTEL_TRACES_SAMPLER, OTEL_BSP_* and OTEL_SERVICE_NAME.
type Config struct {
	Export bool // run the OTLP/HTTP exporter
	// Endpoint is where the exporter sends spans, as it resolves the
	// variables (scheme, host and path; never credentials), for the log.
	Endpoint string
	// FlushTimeout bounds the flush of queued spans at shutdown
	// [DefaultFlushTimeout]: a collector that hangs must not take the stop
	// timeout the other stop hooks need.
	FlushTimeout time.Duration
	// IgnoreParent is set when OTEL_PROPAGATORS names no tracecontext
	// (none, or baggage alone): an incoming traceparent is not honoured.
	IgnoreParent bool
}

// exportErrorInterval is the least time between two "trace export failed"
// warnings; the failures in between are not logged.
const exportErrorInterval = 10 * time.Second

// DefaultFlushTimeout is the flush budget at shutdown. The exporter's own
// timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10s) and its retries would otherwise
// spend the whole stop timeout on a collector that does not answer.
const DefaultFlushTimeout = 3 * time.Second

// ConfigFromEnv decides from the OpenTelemetry environment variables
// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/)
// whether to export: OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint set with
// OTEL_TRACES_EXPORTER unset. OTEL_SDK_DISABLED=true and
// OTEL_TRACES_EXPORTER=none turn it off. It refuses exporters and protocols
// this build does not carry (only otlp over http/protobuf) instead of
// silently sending nothing. Whether or not spans are exported, it reads
// OTEL_PROPAGATORS (is an incoming traceparent honoured?) and checks
// OTEL_SDK_DISABLED, OTEL_TRACES_SAMPLER with its _ARG and
// OTEL_RESOURCE_ATTRIBUTES, which the SDK reads for the provider without an
// exporter too. Errors name the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	ignoreParent, err := propagatorsFromEnv(getenv("OTEL_PROPAGATORS"))
	if err != nil {
		return Config{}, err
	}
	if err := checkSampler(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")), strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG"))); err != nil {
		return Config{}, err
	}
	// Gate: the SDK would print a malformed one, echoing it, in plain text among the JSON lines.
	if errs := checkPairs("OTEL_RESOURCE_ATTRIBUTES", strings.TrimSpace(getenv("OTEL_RESOURCE_ATTRIBUTES")), false); len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	if disabled, err := otelBool("OTEL_SDK_DISABLED", strings.TrimSpace(getenv("OTEL_SDK_DISABLED"))); err != nil || disabled {
		return Config{IgnoreParent: ignoreParent}, err
	}
	c := Config{IgnoreParent: ignoreParent}
	switch exporter := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))); exporter {
	case "none":
		return c, nil
	case "otlp":
		c.Export = true
	case "":
		// Blank is unset, as the exporter reads it: else spans would go to
		// its default, https://localhost:4318.
		c.Export = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "" ||
			strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != ""
	default:
		return Config{}, fmt.Errorf("OTEL_TRACES_EXPORTER %q is not supported: use otlp or none", exporter)
	}
	if !c.Export {
		return c, nil
	}
	protocolVar := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	protocol := strings.TrimSpace(getenv(protocolVar))
	if protocol == "" {
		protocolVar = "OTEL_EXPORTER_OTLP_PROTOCOL"
		protocol = strings.TrimSpace(getenv(protocolVar))
	}
	if protocol != "" && !strings.EqualFold(protocol, "http/protobuf") { // enum values are case-insensitive
		return Config{}, fmt.Errorf("%s %q is not supported: use http/protobuf (the default)", protocolVar, protocol)
	}
	if err := checkExportEnv(getenv); err != nil {
		return Config{}, err
	}
	c.Endpoint = exportURL(getenv)
	return c, nil
}

// Provider is the service's tracer provider.
type Provider struct {
	sdk          *sdktrace.TracerProvider
	exp          sdktrace.SpanExporter // the OTLP exporter; nil without one
	exporting    bool
	flushTimeout time.Duration
	log          *zap.Logger
	ignoreParent bool
}

// New builds the provider. With cfg.Export it starts an OTLP/HTTP exporter
// behind a batch span processor (nothing is sent before the first span);
// without it, spans are never sampled, so they only carry ids.
func New(ctx context.Context, cfg Config, log *zap.Logger) (*Provider, error) {
	if !cfg.Export {
		p := NewWithExporter(nil)
		p.ignoreParent = cfg.IgnoreParent
		return p, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(ServiceName)),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win over the default
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	// The SDK reports export failures through its global handler; without
	// this they would go to the standard logger, outside our JSON logs.
	// Scrubbed: the exporter quotes the collector's answer, which may echo
	// the request's headers, and at any length.
	// Sampled: a collector refusing every export fails one per batch of
	// spans, hundreds a second under load. The handler is process-wide
	// (the SDK has no per-provider one): the last provider built owns it.
	secrets := exportSecrets(os.Getenv) // what the exporter read
	exportLog := log.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(c, exportErrorInterval, 1, 0)
	}))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if ce := exportLog.Check(zap.WarnLevel, "trace export failed"); ce != nil { // scrubbed only when kept
			ce.Write(zap.String("error", scrubExportError(err.Error(), secrets)))
		}
	}))
	log.Info("exporting traces over OTLP/HTTP", zap.String("endpoint", cfg.Endpoint))
	flush := cfg.FlushTimeout
	if flush <= 0 {
		flush = DefaultFlushTimeout
	}
	return &Provider{
		sdk:          sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)),
		exp:          exp,
		exporting:    true,
		flushTimeout: flush,
		log:          log,
		ignoreParent: cfg.IgnoreParent,
	}, nil
}

// NewWithExporter builds a provider that hands every sampled span to exp
// synchronously (tests use tracetest.InMemoryExporter); a nil exp means no
// export and no sampling.
func NewWithExporter(exp sdktrace.SpanExporter) *Provider {
	if exp == nil {
		// Non-recording spans still get their own span id: what log
		// correlation needs, at the cost of an id and a small struct.
		return &Provider{sdk: sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())),
			flushTimeout: DefaultFlushTimeout, log: zap.NewNop()}
	}
	return &Provider{sdk: sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)), exporting: true,
		flushTimeout: DefaultFlushTimeout, log: zap.NewNop()}
}

// Tracer returns the tracer for the named instrumentation scope.
func (p *Provider) Tracer(name string) trace.Tracer { return p.sdk.Tracer(name) }

// Exporting reports whether spans leave the process: then every request is
// traced, with or without an incoming traceparent.
func (p *Provider) Exporting() bool { return p.exporting }

// HonoursParent reports whether an incoming traceparent is honoured: not
// when OTEL_PROPAGATORS leaves tracecontext out.
func (p *Provider) HonoursParent() bool { return !p.ignoreParent }

// Shutdown flushes the spans still queued and stops the exporter, for at
// most the flush timeout (or until ctx ends), then abandons the export in
// flight. Spans it could not send are logged as lost, not returned: the
// service itself stopped cleanly.
func (p *Provider) Shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.flushTimeout)
	defer cancel()
	if err := p.sdk.Shutdown(ctx); err != nil {
		if p.exp != nil {
			// Cancels the export in flight, which the batcher would let run to the exporter's own timeout.
			_ = p.exp.Shutdown(context.Background())
		}
		p.log.Warn("trace flush cut short: queued spans are lost", zap.Duration("flush_timeout", p.flushTimeout), zap.Error(err))
	}
	return nil
}
