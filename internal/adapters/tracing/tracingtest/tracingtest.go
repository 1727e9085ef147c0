// Package tracingtest holds test doubles of an OTLP collector, for tests
// of span export that must not reach one.
package tracingtest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// HangingCollector listens on loopback, accepts every connection and never
// answers, as a collector that has stopped responding does. It returns its
// host:port and closes the listener and its connections when the test
// ends.
func HangingCollector(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// RecordingCollector listens on loopback, answers 200 to every export and
// keeps each request's body (OTLP protobuf). It returns its base URL, for
// OTEL_EXPORTER_OTLP_ENDPOINT, and the bodies received so far; it is closed
// when the test ends.
func RecordingCollector(t testing.TB) (url string, exports func() [][]byte) {
	t.Helper()
	var (
		mu     sync.Mutex
		bodies [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() [][]byte {
		mu.Lock()
		defer mu.Unlock()
		return append([][]byte(nil), bodies...)
	}
}
