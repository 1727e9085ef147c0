//go:build !linux

package httpapi

import "net"

// takeQueue takes nothing outside Linux: closing the socket then resets
// the connections still queued on it, as http.Server.Shutdown would.
func takeQueue(net.Listener) []net.Conn { return nil }
