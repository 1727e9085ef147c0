package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/ports"
)

// ServerConfig is the API listener's address and limits; zero values take
// the defaults in brackets.
type ServerConfig struct {
	Host              string        // [""] all interfaces; dev mode uses 127.0.0.1
	Port              int           // [3010] 0 picks a free port (tests)
	ReadHeaderTimeout time.Duration // [5s] cuts off slow-header clients
	ReadTimeout       time.Duration // [10s]
	WriteTimeout      time.Duration // [10s]
	IdleTimeout       time.Duration // [60s]
	MaxHeaderBytes    int           // [16 KiB] larger headers get 431
	MaxConnections    int           // [4096] open connections at most: past it an idle kept-alive one is closed, or new ones wait in the kernel's accept queue
	ShutdownTimeout   time.Duration // [15s] in-flight requests get this long on shutdown
	DrainDelay        time.Duration // [0s] time between "not ready" and closing the listener, for load balancers to notice
	Handler           HandlerConfig
}

func (c *ServerConfig) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.ReadHeaderTimeout, 5*time.Second)
	def(&c.ReadTimeout, 10*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	def(&c.IdleTimeout, 60*time.Second)
	def(&c.ShutdownTimeout, 15*time.Second)
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 16 << 10
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
}

// fileReserve is the open files the connection cap leaves to the rest of
// the process: the admin listener and its probes, the key fetches, the
// logs and, with -dev, the dev tenant.
const fileReserve = 128

// connectionCap is MaxConnections, lowered to what the open-file limit
// leaves after fileReserve (with a warning): above it, the cap would never
// be reached, and running out of files takes the admin listener's probes
// down with the API.
func (s *Server) connectionCap() int {
	limit, max := s.fileLimit(), s.cfg.MaxConnections
	if limit == 0 || uint64(max)+fileReserve <= limit {
		return max
	}
	capped := 1
	if limit > fileReserve+1 {
		capped = int(limit - fileReserve)
	}
	s.log.Warn("HTTP_MAX_CONNECTIONS is above what the open-file limit leaves: lowered (raise ulimit -n, or lower the setting)",
		zap.Int("max_connections", max), zap.Uint64("open_file_limit", limit), zap.Int("lowered_to", capped))
	return capped
}

// DefaultMaxConnections bounds the open connections: each holds memory
// (about 20 KB idle, 40 KB with a 16 KiB header half sent) and a file
// descriptor, so without a bound one client's connections could exhaust
// either, the admin listener's probes and the key fetches included.
const DefaultMaxConnections = 4096

// Server is the API's HTTP listener.
type Server struct {
	cfg          ServerConfig
	srv          *http.Server
	log          *zap.Logger
	ln           *queueListener
	cap          *capListener  // inside ln
	fileLimit    func() uint64 // openFileLimit; tests set their own
	reclaimAfter time.Duration // the package's reclaimAfter; tests set their own
	serving      atomic.Bool   // listening and not shutting down: what readiness reports
	draining     atomic.Bool   // from the start of Stop: every response closes its connection
	active       atomic.Int64  // connections in StateActive: a request's head read, then served and its answer written out
	conns        sync.Map      // each open connection (net.Conn) → *connFlags
	// base is every request's context's root; cutOff cancels it with
	// errCutOff when the shutdown timeout ends, so a request waiting then
	// is answered as cut off by the server, not as its client hanging up.
	base   context.Context
	cutOff context.CancelCauseFunc
	// warnedFull is when the connection cap was last said to be reached,
	// in nanoseconds since epoch (a monotonic reading).
	warnedFull atomic.Int64
	epoch      time.Time
	failed     func(error)   // OnServeFailure's
	served     chan struct{} // closed when Serve has returned

	mu          sync.Mutex
	fresh       map[net.Conn]struct{} // accepted, first request not read yet
	nFresh      atomic.Int64          // len(fresh), read without mu
	freshChange chan struct{}         // closed and replaced when fresh changes
}

// NewServer builds the API server; Start makes it listen. metrics may be
// nil; opts tune the handler (WithTracing).
func NewServer(cfg ServerConfig, verifier ports.TokenVerifier, metrics *Metrics, log *zap.Logger, opts ...Option) *Server {
	cfg.setDefaults()
	opts = append([]Option{WithMetrics(metrics)}, opts...)
	s := &Server{cfg: cfg, log: log, fresh: map[net.Conn]struct{}{}, freshChange: make(chan struct{}), served: make(chan struct{}), epoch: time.Now(), fileLimit: openFileLimit, reclaimAfter: reclaimAfter}
	s.base, s.cutOff = context.WithCancelCause(context.Background())
	s.srv = &http.Server{
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ConnState:         s.trackFresh,
		ConnContext:       s.connContext,
		Handler:           s.closeConnections(NewHandler(cfg.Handler, verifier, log, opts...)),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          serverErrorLog(log.Named("http")),

		// OPTIONS * reaches the API's handler (notFound), which answers
		// it with its id, access line and metrics like any request.
		DisableGeneralOptionsHandler: true,
	}
	return s
}

// serverErrorLog is net/http's ErrorLog for a server, at warn: what it
// reports there is a fault (a full file table when accepting, a handler's
// misuse of the response), which at info an operator keeping warnings and
// errors would never see.
func serverErrorLog(zl *zap.Logger) *log.Logger {
	l, _ := zap.NewStdLogAt(zl, zap.WarnLevel) // its only error is a level zap does not know
	return l
}

// closeConnections answers "Connection: close" once the drain has begun,
// so each kept-alive client finishes its request and moves to a fresh
// connection (another replica's, behind a load balancer) while this
// listener still accepts. Not http.Server.SetKeepAlivesEnabled(false): it
// also closes idle connections at once, racing a request the client has
// just sent on one, which is exactly the loss the drain exists to avoid.
// It answers so too to a request that carries a body, which no route reads.
func (s *Server) closeConnections(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Gate: to keep the connection, net/http reads an unread body (up
		// to 256 KiB) before it sends the answer, so a client that declared
		// more than it sent got nothing until ReadTimeout, logged as answered.
		if s.draining.Load() || r.ContentLength != 0 {
			w.Header().Set("Connection", "close")
		}
		if r.ContentLength != 0 {
			// Once the handler returns, net/http writes the answer out, then
			// reads what is left of the body, up to ReadTimeout: the
			// connection owes nothing more, though still active.
			defer s.answered(r.Context())
		}
		next.ServeHTTP(w, r)
	})
}

// Start listens synchronously, so a port clash fails startup, then serves
// in the background.
func (s *Server) Start(context.Context) error {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("httpapi: listen on %s: %w", addr, err)
	}
	// Gate: net/http accepts without bound; past the cap a connection waits
	// in the kernel's queue until one closes.
	s.cap = newCapListener(ln, s.connectionCap(), s.cfg.ReadHeaderTimeout, s.makeRoom)
	s.ln = newQueueListener(s.cap, ln, s.markFresh)
	s.serving.Store(true)
	s.log.Info("listening", zap.String("addr", ln.Addr().String()))
	go func() {
		err := s.srv.Serve(s.ln)
		failed := err != nil && !errors.Is(err, http.ErrServerClosed)
		if failed {
			s.serving.Store(false)
			s.log.Error("serve failed", zap.Error(err))
		}
		// Before failed runs: the stop it asks for must see that Serve
		// has ended, or it closes the failed socket again, and warns.
		close(s.served)
		if failed && s.failed != nil {
			s.failed(err)
		}
	}()
	return nil
}

// OnServeFailure sets f to run, once, if the server stops serving on its
// own after Start (its listener failing): readiness turns false, but a
// process that nothing answers in should not live on, so the module shuts
// the app down with exit code 1 for its supervisor to restart it. Call it
// before Start.
func (s *Server) OnServeFailure(f func(error)) { s.failed = f }

// Stop reports not ready and answers Connection: close from here on (each
// client moves to a fresh connection), waits the drain delay, then closes the
// listener (new connections are refused; those already queued are served,
// on Linux) and lets in-flight requests finish, for at most the shutdown
// timeout. A connection left idle through the whole drain is closed by the
// shutdown; with a drain delay longer than the clients' pause between
// requests there is none.
func (s *Server) Stop(ctx context.Context) error {
	s.serving.Store(false)
	s.draining.Store(true)
	s.log.Info("shutting down", zap.Duration("drain_delay", s.cfg.DrainDelay),
		zap.Duration("timeout", s.cfg.ShutdownTimeout))
	select {
	case <-time.After(s.cfg.DrainDelay):
	case <-ctx.Done():
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownTimeout)
	defer cancel()
	// Shutdown drops a request it finishes reading after it has begun, and
	// the kernel resets the connections still queued when the listener
	// closes. So: close the listener having taken its queue (queueListener),
	// then begin Shutdown when every accepted connection has had its first
	// request answered, or after a second regardless (a client that connected
	// but sends nothing gets up to ReadHeaderTimeout from Shutdown).
	caughtUp, cancelCaughtUp := context.WithTimeout(ctx, time.Second)
	select {
	case <-s.served:
		// Serve failed (OnServeFailure): its socket is gone and nothing
		// accepts from the queue, so there is no queue to take.
	default:
		s.closeListener(caughtUp)
	}
	s.waitFresh(caughtUp)
	cancelCaughtUp()
	if err := s.srv.Shutdown(ctx); err != nil {
		cut := s.active.Load() // connections owing an answer
		s.cutOff(errCutOff)    // before Close, whose closed connections would read as hang-ups
		_ = s.srv.Close()      // past the deadline: cut the stragglers off
		if cut > 0 {
			return fmt.Errorf("httpapi: shutdown: %w (requests in flight: %d)", err, cut)
		}
		// net/http waits up to 5 s for a connection that has sent no whole
		// request, whatever the timeout: closing it loses no request.
		s.log.Warn("shutdown ended with no request in flight: closed the connections that had sent no whole request")
	}
	s.log.Info("API server stopped")
	return nil
}

// closeListener closes the listener having taken its queue, and returns
// once Serve has accepted what it took, or when ctx ends.
func (s *Server) closeListener(ctx context.Context) {
	if s.ln == nil {
		return // never started
	}
	taken, err := s.ln.closeQueue(ctx)
	if err != nil {
		s.log.Warn("closing the listener", zap.Error(err))
	}
	s.log.Info("listener closed", zap.Int("taken_from_queue", taken))
}

// Ready reports whether the server is listening and not shutting down.
func (s *Server) Ready() bool { return s.serving.Load() }

// Addr is the bound address once started (useful with port 0).
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}
