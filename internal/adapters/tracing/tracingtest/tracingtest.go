// Package tracingtest holds test doubles of an OTLP collector, for tests
// of span export that must not reach one.
package tracingtest

import (
	"net"
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
