// Package admin serves the operator's endpoints on their own listener:
// Prometheus metrics, liveness and readiness. Keeping them off the API port
// means they are never exposed with it and never compete with its limits.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// DefaultAddr keeps the admin endpoints on loopback unless told otherwise;
// containers set ADMIN_ADDR=:9090 so probes and scrapers can reach them.
const DefaultAddr = "127.0.0.1:9090"

// Config is the admin listener's address.
type Config struct {
	Addr string // [DefaultAddr]
}

// Check is one condition of readiness, such as "keys loaded".
type Check struct {
	Name  string
	Ready func() bool
}

// Server serves /metrics, /healthz and /readyz.
type Server struct {
	addr   string
	checks []Check
	srv    *http.Server
	ln     net.Listener
	log    *zap.Logger
	failed func(error)   // OnServeFailure's
	served chan struct{} // closed when Serve has returned
	grace  time.Duration // stopGrace; shorter in tests
}

// stopGrace bounds Stop's wait for open connections. Gate: the admin
// handlers answer in milliseconds, so a connection open longer is a silent
// or stuck client (Shutdown waits up to 5 s for one that has sent nothing),
// and the stops after this one, the trace flush among them, need the budget.
const stopGrace = time.Second

var errGraceOver = errors.New("admin stop grace over")

// New builds the admin server; gatherer is what /metrics exposes.
func New(cfg Config, gatherer prometheus.Gatherer, checks []Check, log *zap.Logger) *Server {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	s := &Server{addr: cfg.Addr, checks: checks, log: log, served: make(chan struct{}), grace: stopGrace}
	// At warn: a scrape missing metrics and what net/http reports are
	// faults, which at info an operator keeping warnings would never see.
	errLog, _ := zap.NewStdLogAt(log, zap.WarnLevel) // its only error is a level zap does not know
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{
		ErrorLog: errLog, ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, status{Status: "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	s.srv = &http.Server{
		Handler:           closeOnBody(mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		// Probes and scrapes send a few hundred bytes of header: net/http's
		// 1 MiB default would let each connection make the server hold that.
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       errLog,
	}
	return s
}

// closeOnBody answers "Connection: close" to a request that carries a body,
// which no admin route reads.
func closeOnBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Gate: to keep the connection, net/http reads an unread body before
		// it answers, so a body declared and not sent held a probe's answer
		// until ReadTimeout.
		if r.ContentLength != 0 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

type status struct {
	Status  string   `json:"status"`
	Failing []string `json:"failing,omitempty"`
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	var failing []string
	for _, c := range s.checks {
		if !c.Ready() {
			failing = append(failing, c.Name)
		}
	}
	if len(failing) > 0 {
		writeStatus(w, http.StatusServiceUnavailable, status{Status: "not ready", Failing: failing})
		return
	}
	writeStatus(w, http.StatusOK, status{Status: "ready"})
}

func writeStatus(w http.ResponseWriter, code int, st status) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(st)
}

// Start listens synchronously, then serves in the background.
func (s *Server) Start(context.Context) error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("admin: listen on %s: %w", s.addr, err)
	}
	s.ln = ln
	s.log.Info("admin listening", zap.String("addr", ln.Addr().String()))
	go func() {
		err := s.srv.Serve(ln)
		failed := err != nil && !errors.Is(err, http.ErrServerClosed)
		if failed {
			s.log.Error("admin serve failed", zap.Error(err))
		}
		close(s.served) // before failed runs: the stop it asks for waits for this
		if failed && s.failed != nil {
			s.failed(err)
		}
	}()
	return nil
}

// OnServeFailure sets f to run, once, if the server stops serving on its
// own after Start (its listener failing): probes and scrapes would go
// unanswered while the API serves on, so the module shuts the app down
// with exit code 1 for its supervisor to restart it. Call it before Start.
func (s *Server) OnServeFailure(f func(error)) { s.failed = f }

// Stop shuts the admin listener down and returns once Serve has, so
// nothing of the server runs after its stop; connections still open when
// ctx ends, or after stopGrace, are closed.
func (s *Server) Stop(ctx context.Context) error {
	// The cause says which ended first, fixed when it did: ctx read after
	// Shutdown may have ended since.
	grace, cancel := context.WithTimeoutCause(ctx, s.grace, errGraceOver)
	defer cancel()
	err := s.srv.Shutdown(grace)
	if err != nil {
		_ = s.srv.Close() // ctx ended first: a silent or stuck client's connection must not outlive the stop
	}
	if s.ln != nil {
		<-s.served // Shutdown has closed the listener: Serve is returning
	}
	if errors.Is(err, context.DeadlineExceeded) && errors.Is(context.Cause(grace), errGraceOver) {
		return nil // only the grace ran out: the stop itself kept to its budget
	}
	return err
}

// Addr is the bound address once started.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}
