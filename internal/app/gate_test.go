package app

import (
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
)

// TestGateKeepsAFailure: Fx hands each stop request to Wait channels that
// hold one, so a server's failure sent just after a signal's request is
// dropped there; the gate keeps it for Run's exit code.
func TestGateKeepsAFailure(t *testing.T) {
	signal, failure := []fx.ShutdownOption{}, []fx.ShutdownOption{fx.ExitCode(failedExit)}
	tests := []struct {
		name     string
		requests [][]fx.ShutdownOption
		want     int
	}{
		{"a signal's request alone", [][]fx.ShutdownOption{signal}, 0},
		{"a failure alone", [][]fx.ShutdownOption{failure}, 1},
		{"a failure just after a signal's request", [][]fx.ShutdownOption{signal, failure}, 1},
		{"a signal's request just after a failure", [][]fx.ShutdownOption{failure, signal}, 1},
		{"two failures at once", [][]fx.ShutdownOption{failure, failure}, 1},
		{"a request with exit code 0: no failure", [][]fx.ShutdownOption{{fx.ExitCode(0)}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sd fx.Shutdowner
			a := fxtest.New(t, fx.Decorate(serializeShutdown), fx.Populate(&sd))
			a.RequireStart()
			defer a.RequireStop()
			wait := a.Wait() // holds the first request only
			for _, opts := range tt.requests {
				_ = sd.Shutdown(opts...)
			}
			<-wait
			if got := sd.(*serialShutdowner).exitCode(); got != tt.want {
				t.Errorf("got exit code %d, want %d", got, tt.want)
			}
		})
	}
}
