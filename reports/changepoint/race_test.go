//go:build race

package changepoint_test

// trials is the number of seeded series each statistical test draws.
// The race detector makes them about ten times slower, so it checks the
// code paths on fewer; the rates themselves are checked without it (see
// norace_test.go).
const trials = 100
