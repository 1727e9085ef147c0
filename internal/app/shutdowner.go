package app

import (
	"slices"
	"sync"

	"go.uber.org/fx"
)

// serialShutdowner is a gate in front of Fx's Shutdowner, which writes the
// exit code of each call into state every caller shares, unguarded: the API
// and admin servers may both report a serve failure at once. It also keeps
// the failure for Run: Fx hands each stop request to channels that hold
// one, so a failure sent just after a signal's request is dropped there,
// and the process would exit 0 after a failed server.
type serialShutdowner struct {
	mu     sync.Mutex
	sd     fx.Shutdowner
	failed bool // a module asked for failedExit
}

// failedExit is the exit code of the modules' one stop request, a server
// that stopped serving. Fx lets no option be read back, so the gate
// compares the option it is given with this one's.
const failedExit = 1

func serializeShutdown(sd fx.Shutdowner) fx.Shutdowner { return &serialShutdowner{sd: sd} }

// Shutdown is fx.Shutdowner's, one call at a time.
func (s *serialShutdowner) Shutdown(opts ...fx.ShutdownOption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(opts, fx.ExitCode(failedExit)) {
		s.failed = true
	}
	return s.sd.Shutdown(opts...)
}

// exitCode is failedExit once a module has asked for it, else 0.
func (s *serialShutdowner) exitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed {
		return failedExit
	}
	return 0
}
