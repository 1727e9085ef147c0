package auth0

import "time"

// SetClock lets external tests move the verifier's clock instead of sleeping.
func (v *Verifier) SetClock(now func() time.Time) { v.now = now }
