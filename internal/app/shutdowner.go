package app

import (
	"sync"

	"go.uber.org/fx"
)

// serialShutdowner is a gate in front of Fx's Shutdowner, which writes the
// exit code of each call into state every caller shares, unguarded: the API
// and admin servers may both report a serve failure at once.
type serialShutdowner struct {
	mu sync.Mutex
	sd fx.Shutdowner
}

func serializeShutdown(sd fx.Shutdowner) fx.Shutdowner { return &serialShutdowner{sd: sd} }

// Shutdown is fx.Shutdowner's, one call at a time.
func (s *serialShutdowner) Shutdown(opts ...fx.ShutdownOption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sd.Shutdown(opts...)
}
