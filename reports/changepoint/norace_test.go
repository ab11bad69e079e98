//go:build !race

package changepoint_test

// trials is the number of seeded series each statistical test draws: 200
// resolves a rate to half a percent and runs in a few seconds.
const trials = 200
