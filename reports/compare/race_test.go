//go:build race

package compare_test

// raceEnabled is true under the race detector, which makes the bootstrap
// tests about ten times slower; they run fewer trials there.
const raceEnabled = true
