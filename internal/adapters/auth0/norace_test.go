//go:build !race

package auth0

const raceHeapSlack = 1.0
