// Package changepoint finds the points in a series where its level
// changed for good, the way Hunter and Apache Otava find performance
// changes in benchmark histories: E-divisive means (Matteson and James,
// 2014) splits the series where the energy distance between the two sides
// is largest, a permutation test decides whether that split is
// significant, and splitting continues in each part until no split is.
// Splits closer than a minimum segment length to another are not tried,
// and a final pass re-tests each change against its neighbours only and
// drops, weakest first, those that are no longer significant or whose
// magnitude is below a threshold.
//
// A permutation test needs no assumption about the noise, and the
// distance statistic rests on absolute differences, so a one-point spike
// barely moves it: the spike stands out just as much in the shuffled
// series, and it is not called a change, let alone two. A series of
// per-entry medians is the intended input (see history).
//
// The permutations are drawn from a generator seeded from Options.Seed
// and the segment's bounds, so the same series always gives the same
// answer.
package changepoint
