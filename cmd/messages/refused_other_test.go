//go:build !unix

package main

import (
	"net"
	"testing"
)

// closedAddr is a loopback address nothing listens on (elsewhere than
// Unix, a port just released: another process could take it meanwhile).
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
