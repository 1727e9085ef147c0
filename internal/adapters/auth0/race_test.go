//go:build race

package auth0

// raceHeapSlack: the race detector turns off the runtime's tiny allocator,
// so each small string takes a whole size class of its own.
const raceHeapSlack = 1.3
