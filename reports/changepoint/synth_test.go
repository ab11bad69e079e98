package changepoint_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/snbench/snbench/reports/changepoint"
)

// series draws n entries around 100 with relative Gaussian noise: level(i)
// gives entry i's true level, and each entry is the median of samples
// draws (one value per repetition, as history keeps them).
func series(rng *rand.Rand, n, samples int, noise float64, level func(i int) float64) []float64 {
	xs := make([]float64, n)
	s := make([]float64, samples)
	for i := range xs {
		for j := range s {
			s[j] = level(i) * (1 + noise*rng.NormFloat64())
		}
		slices.Sort(s)
		xs[i] = s[samples/2]
		if samples%2 == 0 {
			xs[i] = (s[samples/2-1] + s[samples/2]) / 2
		}
	}
	return xs
}

func detect(t *testing.T, xs []float64) []changepoint.Change {
	t.Helper()
	cs, err := changepoint.Detect(context.Background(), xs, changepoint.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// nearest returns the distance from at to the closest change, or -1.
func nearest(cs []changepoint.Change, at int) int {
	best := -1
	for _, c := range cs {
		d := max(c.Index-at, at-c.Index)
		if best < 0 || d < best {
			best = d
		}
	}
	return best
}

// TestStepFound: a +10% step in 60 entries with 5% noise, at a position
// drawn between entries 10 and 50, found within 2 entries of the true one.
//
// With 6 samples per entry (go test -count 6) the per-entry median has
// about 2.5% noise and the step is found within 2 entries in (nearly)
// every trial. With one sample per entry the step is 2 standard
// deviations: it is always detected, but where a 2-sigma step lies can
// only be told to within 2 entries in about 9 cases of 10 by any
// estimator (the least-squares one does no better); the test holds it to
// 85% within 2 entries and 95% within 4.
func TestStepFound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name            string
		samples, within int
		want            float64
	}{
		{"6 samples per entry, within 2", 6, 2, 0.95},
		{"1 sample per entry, within 2", 1, 2, 0.85},
		{"1 sample per entry, within 4", 1, 4, 0.95},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			found, detected := 0, 0
			for tr := range trials {
				rng := rand.New(rand.NewPCG(uint64(tr), 16))
				at := 10 + rng.IntN(41)
				xs := series(rng, 60, tt.samples, 0.05, func(i int) float64 {
					if i >= at {
						return 110
					}
					return 100
				})
				cs := detect(t, xs)
				if len(cs) > 0 {
					detected++
				}
				if d := nearest(cs, at); d >= 0 && d <= tt.within {
					found++
				}
			}
			rate := float64(found) / trials
			t.Logf("found within %d entries in %d of %d trials (%.1f%%), some change in %d", tt.within, found, trials, 100*rate, detected)
			if rate < tt.want {
				t.Errorf("found in %.1f%% of trials, want at least %.0f%%", 100*rate, 100*tt.want)
			}
		})
	}
}

// TestAANoChange: histories of 60 entries with 5% noise and no change
// report a change in at most 5% of trials.
func TestAANoChange(t *testing.T) {
	t.Parallel()
	for _, samples := range []int{1, 6} {
		reported := 0
		for tr := range trials {
			rng := rand.New(rand.NewPCG(uint64(tr), 17))
			if cs := detect(t, series(rng, 60, samples, 0.05, func(int) float64 { return 100 })); len(cs) > 0 {
				reported++
			}
		}
		rate := float64(reported) / trials
		t.Logf("%d samples per entry: a change reported in %d of %d A/A trials (%.1f%%)", samples, reported, trials, 100*rate)
		if rate > 0.05 {
			t.Errorf("%d samples per entry: false changes in %.1f%% of trials, want at most 5%%", samples, 100*rate)
		}
	}
}

// TestSpikeNotAChange: one entry far off the rest is never a change, let
// alone two. At 1% noise no trial reports anything; at 5% noise the spike
// adds no changes near it beyond what the same series without it gives.
func TestSpikeNotAChange(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name         string
		n, at        int
		noise, spike float64
	}{
		{"60 entries, 1% noise, +30% spike", 60, 30, 0.01, 1.3},
		{"60 entries, 1% noise, -30% spike", 60, 30, 0.01, 0.7},
		{"60 entries, 1% noise, 3x spike at the end", 60, 57, 0.01, 3},
		{"10 entries, 1% noise, +6% spike", 10, 3, 0.01, 1.06},
		{"60 entries, 5% noise, +50% spike", 60, 30, 0.05, 1.5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			near, nearWithout, any := 0, 0, 0
			for tr := range trials {
				rng := rand.New(rand.NewPCG(uint64(tr), 18))
				xs := series(rng, tt.n, 1, tt.noise, func(int) float64 { return 100 })
				without := detect(t, xs)
				xs[tt.at] *= tt.spike
				cs := detect(t, xs)
				if len(cs) > 0 {
					any++
				}
				if d := nearest(cs, tt.at); d >= 0 && d <= 2 {
					near++
				}
				if d := nearest(without, tt.at); d >= 0 && d <= 2 {
					nearWithout++
				}
			}
			t.Logf("a change in %d of %d trials, %d within 2 entries of the spike (%d without the spike)", any, trials, near, nearWithout)
			if tt.noise <= 0.01 && any > 0 {
				t.Errorf("a change reported in %d trials of a flat series with one spike", any)
			}
			if rate := float64(any) / trials; rate > 0.05 {
				t.Errorf("a change in %.1f%% of trials with the spike, want at most the A/A 5%%", 100*rate)
			}
			if near > nearWithout {
				t.Errorf("the spike made %d changes near it, the series without it %d", near, nearWithout)
			}
		})
	}
}

// TestIssueSeries: ten entries, a -13% step at entry 7 (index 6) and a
// +6% one-entry spike at entry 4, 1% noise: with one sample per entry and
// with 8, the step is the only change.
func TestIssueSeries(t *testing.T) {
	t.Parallel()
	for _, samples := range []int{1, 8} {
		for tr := range 50 {
			rng := rand.New(rand.NewPCG(uint64(tr), 19))
			xs := series(rng, 10, samples, 0.01, func(i int) float64 {
				switch {
				case i == 3:
					return 106
				case i >= 6:
					return 87
				}
				return 100
			})
			cs := detect(t, xs)
			if len(cs) != 1 || cs[0].Index != 6 {
				t.Fatalf("%d samples, trial %d: changes %+v, want one at index 6\n%v", samples, tr, cs, xs)
			}
			if rel, _ := cs[0].Relative(); rel > -0.11 || rel < -0.15 {
				t.Errorf("magnitude %+.1f%%, want about -13%%", 100*rel)
			}
		}
	}
}
