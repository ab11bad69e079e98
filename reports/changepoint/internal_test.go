package changepoint

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBestSplitMatchesEnergy: the O(n^2) scan finds the split that the
// direct statistic says is best, with the same value.
func TestBestSplitMatchesEnergy(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := 6 + rng.IntN(30)
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = rng.NormFloat64() + float64(i/(n/2+1))
		}
		tau, q := bestSplit(xs, 3)
		wantTau, wantQ := 0, 0.0
		for t := 3; t <= n-3; t++ {
			if e := energy(xs, t); e > wantQ {
				wantTau, wantQ = t, e
			}
		}
		if tau != wantTau || math.Abs(q-wantQ) > 1e-9*math.Max(1, wantQ) {
			t.Fatalf("trial %d: bestSplit %d %g, direct %d %g", trial, tau, q, wantTau, wantQ)
		}
	}
}
