package devtenant

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"go.uber.org/zap"
)

// server is one loopback HTTP listener with a synchronous start (a taken
// port fails there) and a graceful, bounded stop. The tenant and the
// example SPA each run one.
type server struct {
	name    string // in errors: "devtenant", "devtenant spa"
	log     *zap.Logger
	addr    netip.AddrPort // may have port 0
	handler http.Handler
	ln      net.Listener // opened by the caller, served by the first start; nil = listen on addr
	failed  func(error)  // run when Serve fails after start (onServeFailure)

	ready atomic.Bool
	bound atomic.Pointer[netip.AddrPort] // nil until started

	mu     sync.Mutex // guards srv, done and closed
	srv    *http.Server
	done   chan struct{} // closed when the current Serve returns
	closed bool          // stop has run for the current srv
}

// start listens, records the bound address and serves in a goroutine.
func (s *server) start(ctx context.Context) (netip.AddrPort, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil && !s.closed {
		return netip.AddrPort{}, fmt.Errorf("%s: already started", s.name)
	}
	ln := s.ln
	s.ln = nil // Serve closes it at stop; a restart listens on addr again
	if ln == nil {
		var lc net.ListenConfig
		var err error
		if ln, err = lc.Listen(ctx, "tcp", s.addr.String()); err != nil {
			return netip.AddrPort{}, fmt.Errorf("%s: listen on %s: %w", s.name, s.addr, err)
		}
	}
	bound, err := boundAddr(ln)
	if err != nil {
		_ = ln.Close()
		return netip.AddrPort{}, fmt.Errorf("%s: %w", s.name, err)
	}
	s.bound.Store(&bound)

	errLog, err := zap.NewStdLogAt(s.log, zap.WarnLevel)
	if err != nil {
		_ = ln.Close()
		return netip.AddrPort{}, fmt.Errorf("%s: server error log: %w", s.name, err)
	}
	srv := &http.Server{
		Handler:           closeOnBody(hostGate(bound, s.handler)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          errLog,
	}
	done := make(chan struct{})
	s.srv, s.done, s.closed = srv, done, false
	s.ready.Store(true)
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.ready.Store(false)
			s.log.Error("stopped serving", zap.String("server", s.name), zap.Error(err))
			if s.failed != nil {
				s.failed(err)
			}
		}
	}()
	return bound, nil
}

// stop shuts down gracefully until ctx ends, then closes what is left. It
// reports whether a running server was stopped.
func (s *server) stop(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil || s.closed {
		return false, nil
	}
	s.ready.Store(false)
	s.closed = true
	err := s.srv.Shutdown(ctx)
	if err != nil {
		// ctx ended first: drop the remaining connections.
		_ = s.srv.Close()
	}
	select {
	case <-s.done:
	case <-ctx.Done():
	}
	if err != nil {
		return true, fmt.Errorf("%s: shutdown: %w", s.name, err)
	}
	return true, nil
}

// boundAddr is ln's TCP address, IPv4-mapped addresses unmapped.
func boundAddr(ln net.Listener) (netip.AddrPort, error) {
	tcpAddr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("unexpected listener address %T", ln.Addr())
	}
	return netip.AddrPortFrom(tcpAddr.AddrPort().Addr().Unmap(), tcpAddr.AddrPort().Port()), nil
}

// closeOnBody answers "Connection: close" to a request that carries a
// body. Gate: to keep the connection, net/http reads what a handler left
// of a body before it sends the answer, so a body declared and not sent
// (refused unread for its size or type, or sent to a page that reads none)
// held the answer until the read timeout, and the tenant's stop with it.
func closeOnBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// misdirected is the answer to a request for another host.
var misdirected, _ = json.Marshal(oauthError{Error: "invalid_request", ErrorDescription: "The Host header does not name this server"})

// hostGate answers 421 to a request whose Host is not the listener's own
// address (its IP or localhost, with its port): a web page that rebinds
// its DNS name to 127.0.0.1 reaches the port but sends its own name, and
// would otherwise read tokens from the Test tab (DNS rebinding).
func hostGate(bound netip.AddrPort, next http.Handler) http.Handler {
	port := strconv.Itoa(int(bound.Port()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, p, err := net.SplitHostPort(r.Host)
		if err != nil && port == "80" {
			host, p, err = r.Host, port, nil // browsers leave out the default port
		}
		ip, ipErr := netip.ParseAddr(host)
		if err != nil || p != port || !(strings.EqualFold(host, "localhost") || ipErr == nil && ip.Unmap() == bound.Addr()) {
			h := w.Header()
			h.Set("Content-Type", "application/json; charset=utf-8")
			h.Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusMisdirectedRequest)
			_, _ = w.Write(misdirected)
			return
		}
		next.ServeHTTP(w, r)
	})
}
