package main

import (
	"fmt"
	"os"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
)

// run loads the config, then runs the app until SIGINT or SIGTERM. It
// returns the process exit code: 2 for a bad config, 1 for a failed start.
func run(args, environ []string) int {
	cfg, err := config.Parse(args, environ)
	if err != nil {
		fmt.Fprintln(os.Stderr, "api: configuration error:\n"+err.Error())
		return 2
	}
	log, err := newLogger(cfg.Log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		return 2
	}
	defer func() { _ = log.Sync() }()
	app := fx.New(options(cfg, log, auth0.Module))
	if app.Err() != nil {
		return 1 // Fx has logged why
	}
	app.Run()
	return 0
}

// options composes the service. verifier provides the ports.TokenVerifier:
// auth0.Module in production, authtest.Module in integration tests.
func options(cfg config.Config, log *zap.Logger, verifier fx.Option) fx.Option {
	opts := []fx.Option{
		fx.Supply(log),
		fx.WithLogger(func(l *zap.Logger) fxevent.Logger {
			z := &fxevent.ZapLogger{Logger: l.Named("fx")}
			z.UseLogLevel(zapcore.DebugLevel) // Fx's wiring events are noise in production
			return z
		}),
		config.Module(cfg),
	}
	if cfg.Dev {
		// First, so the tenant is up before the key source warms up.
		opts = append(opts, devtenant.Module, fx.Invoke(func(l *zap.Logger) {
			l.Warn("DEV MODE: serving tokens from the local dev tenant; never use -dev in production")
		}))
	}
	opts = append(opts, verifier, httpapi.Module)
	opts = append(opts, fx.Invoke(func(l *zap.Logger) {
		l.Info("starting", zap.Bool("dev", cfg.Dev), zap.String("issuer", cfg.Keys.Issuer),
			zap.Strings("audiences", cfg.Auth0.Audiences), zap.Int("port", cfg.HTTP.Port),
			zap.String("log_level", cfg.Log.Level))
	}))
	return fx.Options(opts...)
}

// newLogger builds JSON logs for production and console logs for dev.
func newLogger(c config.Log) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return nil, err
	}
	zc := zap.NewProductionConfig()
	if c.Format == "console" {
		zc = zap.NewDevelopmentConfig()
		zc.DisableStacktrace = true // warnings are expected in dev; keep them one line
	}
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.Sampling = nil // access logs are not sampled; rejections are (httpapi)
	return zc.Build()
}
