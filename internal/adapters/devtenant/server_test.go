package devtenant

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestStartStop(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := testConfig()
	tn, err := New(cfg, zap.New(core))
	if err != nil {
		t.Fatalf("New: got error %v, want nil", err)
	}
	if err := tn.Stop(t.Context()); err != nil {
		t.Errorf("Stop before Start: got error %v, want nil", err)
	}
	if err := tn.Start(t.Context()); err != nil {
		t.Fatalf("Start: got error %v, want nil", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = tn.Stop(context.Background())
		}
	})

	if !tn.Ready() {
		t.Errorf("Ready after Start: got false, want true")
	}
	iss := tn.Issuer()
	u, err := url.Parse(iss)
	if err != nil {
		t.Fatalf("Issuer %q: %v", iss, err)
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" || u.Path != "/" {
		t.Errorf("Issuer after Start: got %q, want http://127.0.0.1:PORT/ with the bound port", iss)
	}
	if res := get(t, iss+".well-known/jwks.json"); res.status != http.StatusOK {
		t.Errorf("GET jwks at the issuer: got status %d, want 200", res.status)
	}

	warns := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("must NEVER be used in production").All()
	if len(warns) != 1 {
		t.Fatalf("production warning: got %d WARN entries, want 1 (logs: %v)", len(warns), logs.All())
	}
	if got := warns[0].ContextMap()["issuer"]; got != iss {
		t.Errorf("production warning issuer: got %v, want %q", got, iss)
	}

	if err := tn.Start(t.Context()); err == nil {
		t.Errorf("second Start: got nil error, want an error")
	}

	// A second tenant on the same port fails in Start, synchronously.
	clash := testConfig()
	clash.Addr = u.Host
	other, err := New(clash, zap.NewNop())
	if err != nil {
		t.Fatalf("New(clash): got error %v, want nil", err)
	}
	if err := other.Start(t.Context()); err == nil {
		_ = other.Stop(context.Background())
		t.Errorf("Start on a taken port %s: got nil error, want an error", u.Host)
	}
	if other.Ready() {
		t.Errorf("Ready after failed Start: got true, want false")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tn.Stop(ctx); err != nil {
		t.Fatalf("Stop: got error %v, want nil", err)
	}
	stopped = true
	if tn.Ready() {
		t.Errorf("Ready after Stop: got true, want false")
	}
	if err := tn.Stop(ctx); err != nil {
		t.Errorf("second Stop: got error %v, want nil", err)
	}
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{}}
	if res, err := c.Get(iss + ".well-known/jwks.json"); err == nil {
		res.Body.Close()
		t.Errorf("GET after Stop: got status %d, want a connection error", res.StatusCode)
	}
}

// TestStopForcesCloseWhenContextEnds: a request stuck on its body when the
// stop's context ends is cut off with its connection, and nothing of the
// server runs after Stop.
func TestStopForcesCloseWhenContextEnds(t *testing.T) {
	ignore := goleak.IgnoreCurrent()                   // by id: goroutines of earlier tests do not count
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // registered first, so it runs after the test's own cleanups
	tn, err := New(testConfig(), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	// A gate on the handler says when the stuck request is in the server's
	// hands: from then on Shutdown must wait for it.
	entered, inner := make(chan struct{}), tn.srv.handler
	var once sync.Once
	tn.srv.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered) })
		inner.ServeHTTP(w, r)
	})
	if err := tn.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tn.Stop(context.Background()) })

	// A request whose body never arrives keeps its connection active.
	u, _ := url.Parse(tn.Issuer())
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /oauth/token HTTP/1.1\r\nHost: "+u.Host+"\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	<-entered

	// The error tells an end by the context from one by the request: on
	// its own the stuck request ends only at ReadTimeout, and Stop then
	// returns nil. (No bound on how long Stop took: a loaded machine may
	// stall past any.)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = tn.Stop(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop with a stuck request: got error %v, want one wrapping context.DeadlineExceeded", err)
	}
	if tn.Ready() {
		t.Errorf("Ready after Stop: got true, want false")
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("stuck connection after Stop: got %v, want it closed by the server", err)
	}
}

func TestHandlerBeforeStartWithPortZero(t *testing.T) {
	tn, err := New(testConfig(), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{header: http.Header{}}
	tn.Handler().ServeHTTP(rec, newRequest(t, http.MethodGet, "http://x/.well-known/openid-configuration", nil))
	if rec.status != http.StatusServiceUnavailable {
		t.Errorf("discovery before Start on port 0: got status %d, want 503", rec.status)
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
