// Package app composes the Messages API from its Fx modules. cmd/api runs
// it; integration tests start it whole with a fake verifier in place of
// the Auth0 adapter (see Options).
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/admin"
	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/adapters/tracing"
)

// Run loads the config from args and environ, then runs the app until
// SIGINT, SIGTERM or SIGHUP (unless started ignoring it, as under nohup),
// or until a server stops serving on its own (exit code 1). It returns the
// process exit code: 0 after a clean stop or -h, 2 for a bad config, 1 for
// a failed start (one line on stderr saying why) or a stop that failed or
// was cut short by a second signal.
func Run(args, environ []string, stderr io.Writer) int {
	cfg, err := config.Parse(args, environ)
	if help := config.Help(""); errors.As(err, &help) {
		fmt.Fprint(stderr, help)
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "api: configuration error:\n"+err.Error())
		return 2
	}
	if cfg.Dev {
		if cfg.DevTenant.Listener, err = inheritedListener(environ); err != nil {
			fmt.Fprintln(stderr, "api: configuration error:\n"+err.Error())
			return 2
		}
	}
	// The service's signals are caught from here, before the start, so that
	// one sent during start-up stops the app once started instead of killing
	// the process with its logs unflushed. SIGHUP (the terminal or session
	// gone) stops it too: there is no reload, and by default it would kill
	// the process on the spot. Not when the process was started ignoring it
	// (nohup): catching it would undo that, stopping what was asked to
	// outlive its terminal.
	signals := make(chan os.Signal, 4)
	caught := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		caught = append(caught, syscall.SIGHUP)
	}
	signal.Notify(signals, caught...)
	defer signal.Stop(signals) // deferred before flush, so it runs after the last one
	// A stderr whose reader has gone (a log shipper restarted, a closed
	// pipe) fails writes with EPIPE, counted as dropped lines; left alone,
	// SIGPIPE on fd 2 would kill the process mid-request.
	signal.Ignore(syscall.SIGPIPE)
	out := newLogSink(os.Stderr, maxPending)
	log, stopLog, err := newLogger(cfg.Log, out)
	if err != nil {
		fmt.Fprintln(stderr, "api:", err)
		return 2
	}
	// flush writes out what the logs hold, waiting for a slow stderr (one
	// still taking the last flush) up to exitWait in all, so a stop on a
	// signal loses no line unless stderr takes none.
	flush := func() {
		deadline := time.Now().Add(exitWait)
		out.settle(deadline)
		_ = log.Sync()
		out.settle(deadline)
	}
	defer func() {
		flush()
		_ = stopLog() // ends the buffer's flush loop; flush wrote out what it held
	}()
	out.reportTo(log.Named("log"))
	if stderr == io.Writer(os.Stderr) {
		// The lines below, after the logs, go the same way: a stderr nobody
		// reads must not keep the process from exiting either.
		stderr = out
	}
	setGOGC(environ)
	var gate fx.Shutdowner // serializeShutdown's, which keeps a server's failure
	app := fx.New(Options(cfg, log, Production), fx.Populate(&gate), out.metric())
	if err := app.Err(); err != nil {
		// dig's chain of every constructor on the way buries the cause
		// (a dev key file others can read, say) behind a paragraph of
		// function names: print the constructor's own error.
		fmt.Fprintln(stderr, "api: cannot compose the service:", dig.RootCause(err))
		return 1
	}
	// Start, wait, stop by hand rather than app.Run, which calls os.Exit on
	// a failed start and would skip the flush of the buffered logs.
	startCtx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		flush()
		fmt.Fprintln(stderr, startError(err, cfg))
		return 1
	}
	// Fx also catches SIGINT and SIGTERM, from here, and reports a module's
	// Shutdowner (a server that stopped serving, exit code 1).
	seen := 0 // stop requests counted, two cut the stop short
	select {
	case sig := <-app.Wait():
		if sig.ExitCode != 0 { // only a Shutdowner sets one; the server said why
			// The stop's first request, with no signal to read back below:
			// as on SIGTERM, the operator's first signal cuts it short.
			seen = 1
			log.Named("app").Warn("stopping: a server stopped serving", zap.Int("exit_code", sig.ExitCode))
		} else {
			log.Named("app").Info("stopping", zap.Stringer("signal", sig.Signal))
		}
	case sig := <-signals:
		seen = 1
		log.Named("app").Info("stopping", zap.Stringer("signal", sig))
	}
	stopCtx, cancelStop := context.WithTimeout(context.Background(), app.StopTimeout())
	defer cancelStop()
	var cutShort atomic.Bool
	go func() {
		// Every SIGINT and SIGTERM reaches both Fx and signals: when Fx
		// reported the first, it is still to be read here. The second stop
		// request, whichever signal it is, cuts the stop short rather than
		// being swallowed until a long drain ends.
		for ; seen < 2; seen++ {
			select {
			case <-signals:
			case <-stopCtx.Done():
				return
			}
		}
		cutShort.Store(true)
		log.Named("app").Warn("second signal: stopping now, cutting off the drain and in-flight requests")
		cancelStop()
	}()
	if err := app.Stop(stopCtx); err != nil {
		flush()
		if cutShort.Load() {
			fmt.Fprintln(stderr, "api: stopped at once on a second signal")
		} else {
			fmt.Fprintln(stderr, "api: stop failed:", err)
		}
		return 1
	}
	return gate.(*serialShutdowner).exitCode()
}

// Production is the real verifier, ready once the tenant's keys have been
// loaded. Only the first load counts: if a long outage later ages the keys
// out, private calls answer 503 with Retry-After, but every replica going
// unready at once would take the public endpoint down with them.
var Production = fx.Options(auth0.Module, admin.Readiness("keys", keysLoaded))

func keysLoaded(ks *auth0.KeySource) bool { return !ks.Stats().LastGoodFetch.IsZero() }

// Options composes the service from cfg. verifier provides the
// ports.TokenVerifier: Production, or authtest.Module in integration tests.
func Options(cfg config.Config, log *zap.Logger, verifier fx.Option) fx.Option {
	opts := []fx.Option{
		fx.Supply(log),
		// At the root, so every module's Shutdowner is the gated one.
		fx.Decorate(serializeShutdown),
		// Room for the drain delay and the in-flight requests on SIGTERM.
		fx.StopTimeout(stopTimeout(cfg.HTTP.DrainDelay, cfg.HTTP.ShutdownTimeout)),
		fx.WithLogger(func(l *zap.Logger) fxevent.Logger {
			z := &fxevent.ZapLogger{Logger: l.Named("fx")}
			// Fx's wiring events are noise in production, and its errors are
			// what Run prints, in one line: both at debug.
			z.UseLogLevel(zapcore.DebugLevel)
			z.UseErrorLevel(zapcore.DebugLevel)
			return z
		}),
		config.Module(cfg),
		// Before the API: Fx stops in reverse, so /readyz and /metrics
		// outlive the API's drain.
		admin.Module,
		admin.Readiness("http", (*httpapi.Server).Ready),
	}
	// The dev tenant's pages name the API's bound address, known once the
	// API has started; api is filled in after httpapi is wired, so the
	// tenant still starts first.
	var api atomic.Pointer[httpapi.Server]
	if cfg.Dev {
		// First, so the tenant is up before the key source warms up.
		opts = append(opts, devtenant.Module, admin.Readiness("dev_tenant", (*devtenant.Tenant).Ready),
			fx.Supply(devtenant.APIBaseURL(func() string { return apiBaseURL(api.Load()) })),
			fx.Invoke(func(l *zap.Logger) {
				l.Named("app").Warn("DEV MODE: serving tokens from the local dev tenant; never use -dev in production")
			}))
	}
	// Tracing before the API: stopping in reverse, it flushes the spans
	// of the last requests after the API has drained.
	opts = append(opts, tracing.Module, fx.Provide(apiTracing))
	opts = append(opts, verifier, httpapi.Module)
	if cfg.Dev {
		opts = append(opts, fx.Invoke(func(s *httpapi.Server) { api.Store(s) }))
	}
	// Last, so the whole effective config is logged once everything has
	// started, not ahead of a failed start's one line.
	opts = append(opts, fx.Invoke(func(lc fx.Lifecycle, l *zap.Logger) {
		lc.Append(fx.StartHook(func() {
			l.Named("app").Info("started", zap.Bool("dev", cfg.Dev), zap.String("issuer", cfg.Tenant.Issuer()),
				zap.Int64("gogc", gogc()), zap.Any("config", cfg.Effective()))
		}))
	}))
	return fx.Options(opts...)
}

// stopTimeout is the drain delay plus the shutdown timeout plus 5s for the
// hooks stopped after the API (the trace flush takes at most
// [tracing.DefaultFlushTimeout] of it), saturating where the sum would
// wrap into a negative duration.
func stopTimeout(drain, shutdown time.Duration) time.Duration {
	total := drain
	for _, d := range []time.Duration{shutdown, 5 * time.Second} {
		if total > math.MaxInt64-d {
			return math.MaxInt64
		}
		total += d
	}
	return total
}

// apiBaseURL is "http://HOST:PORT" of a serving API, else "".
func apiBaseURL(s *httpapi.Server) string {
	if s == nil || !s.Ready() { // Ready (an atomic) orders the read of Addr after Start
		return ""
	}
	return "http://" + s.Addr().String()
}

// apiTracing is the API's tracer: every request traced when spans are
// exported, otherwise only those arriving with a valid traceparent, if
// OTEL_PROPAGATORS lets it be read.
func apiTracing(p *tracing.Provider) httpapi.Tracing {
	return httpapi.Tracing{Tracer: p.Tracer("github.com/example/messages-api/internal/adapters/httpapi"),
		EveryRequest: p.Exporting(), IgnoreParent: !p.HonoursParent()}
}

// EncoderConfig is zap's production JSON encoding with the conventions of
// log pipelines: "ts" as an RFC 3339 timestamp (UTC, nanoseconds) and
// durations as fractional milliseconds.
func EncoderConfig() zapcore.EncoderConfig {
	ec := zap.NewProductionEncoderConfig()
	ec.EncodeTime = func(t time.Time, enc zapcore.PrimitiveArrayEncoder) { zapcore.RFC3339NanoTimeEncoder(t.UTC(), enc) }
	ec.EncodeDuration = millis
	return ec
}

// millis encodes a duration as fractional milliseconds (0.183): zap's
// MillisDurationEncoder truncates to whole ones, and most requests take
// less than one.
func millis(d time.Duration, enc zapcore.PrimitiveArrayEncoder) {
	enc.AppendFloat64(float64(d) / float64(time.Millisecond))
}

// newLogger builds JSON logs for production and console logs for dev,
// written to out. Production lines go through a 256 KiB buffer flushed
// every second (and by log.Sync at exit): one write per request line cost
// about a tenth of the API's throughput.
func newLogger(c config.Log, out *logSink) (log *zap.Logger, stop func() error, err error) {
	level, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return nil, nil, err
	}
	if c.Format == "console" {
		// zap's development config, but written to out; no stack traces:
		// warnings are expected in dev, keep them one line.
		core := zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), out, level)
		return zap.New(core, zap.Development(), zap.AddCaller(), zap.ErrorOutput(out)), func() error { return nil }, nil
	}
	buf := &zapcore.BufferedWriteSyncer{WS: out, Size: 256 << 10, FlushInterval: time.Second}
	// Access logs are not sampled; rejections are (httpapi).
	core := zapcore.NewCore(zapcore.NewJSONEncoder(EncoderConfig()), buf, level)
	return zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel), zap.ErrorOutput(out)), buf.Stop, nil
}
