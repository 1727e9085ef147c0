package app

import (
	"testing"

	"github.com/example/messages-api/internal/adapters/tracing"
)

// TestStopTimeoutRoomForTheFlush: the room stopTimeout leaves after the
// API's drain and shutdown holds the trace flush's whole budget, with time
// to spare for the admin server's stop after it.
func TestStopTimeoutRoomForTheFlush(t *testing.T) {
	if room := stopTimeout(0, 0); tracing.DefaultFlushTimeout >= room {
		t.Errorf("got a flush budget of %s, want it under the %s left for the hooks after the API", tracing.DefaultFlushTimeout, room)
	}
}
