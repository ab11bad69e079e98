package compare

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

func TestMinPValue(t *testing.T) {
	t.Parallel()
	// benchmath's table of the smallest U-test p-values for n+n samples.
	want := []float64{1: 1, 2: 0.3333333333333333, 3: 0.1, 4: 0.02857142857142857, 5: 0.007936507936507936,
		6: 0.0021645021645021645, 7: 0.0005827505827505828, 8: 0.0001554001554001554, 9: 4.113533525298231e-05}
	for n := 1; n < len(want); n++ {
		if got := MinPValue(n, n); math.Abs(got-want[n]) > 1e-12 {
			t.Errorf("MinPValue(%d, %d) = %g, want %g", n, n, got, want[n])
		}
	}
	if MinPValue(0, 5) != 1 {
		t.Error("MinPValue with an empty sample is not 1")
	}
	for _, tt := range []struct {
		alpha    float64
		tests, n int
	}{{0.05, 1, 4}, {0.05, 4, 5}, {0.05, 12, 6}, {0.05, 128, 8}, {0.01, 1, 5}} {
		if got := RepsNeeded(tt.alpha, tt.tests); got != tt.n {
			t.Errorf("RepsNeeded(%g, %d) = %d, want %d", tt.alpha, tt.tests, got, tt.n)
		}
	}
}

func TestHolm(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		in, out []float64
	}{
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		{"capped at 1", []float64{0.5, 0.6}, []float64{1, 1}},
		{"monotone", []float64{0.001, 0.011, 0.012}, []float64{0.003, 0.022, 0.022}},
		{"NaN skipped", []float64{math.NaN(), 0.02}, []float64{math.NaN(), 0.02}},
		{"empty", nil, []float64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Holm(tt.in)
			if len(got) != len(tt.out) {
				t.Fatalf("Holm(%v) = %v", tt.in, got)
			}
			for i := range got {
				if !(math.Abs(got[i]-tt.out[i]) < 1e-12 || math.IsNaN(got[i]) && math.IsNaN(tt.out[i])) {
					t.Fatalf("Holm(%v) = %v, want %v", tt.in, got, tt.out)
				}
			}
		})
	}
}

func TestUDistribution(t *testing.T) {
	t.Parallel()
	var c memo
	cdf := c.uCDF(5, 5)
	// P(U <= u) for 5+5: 1, 2, 4, 7 arrangements of 252 up to u = 0..3.
	for u, want := range []float64{1, 2, 4, 7} {
		if got := cdf[u] * 252; math.Abs(got-want) > 1e-9 {
			t.Errorf("5+5: %g arrangements with U <= %d, want %g", got, u, want)
		}
	}
	if cdf[len(cdf)-1] < 1-1e-12 {
		t.Errorf("cdf ends at %g", cdf[len(cdf)-1])
	}
	for _, tt := range []struct{ m, n, k int }{{5, 5, 3}, {3, 3, 0}, {4, 4, 1}, {10, 10, 24}, {6, 8, 9}} {
		if got := c.ciRank(tt.m, tt.n, 0.95); got != tt.k {
			t.Errorf("ciRank(%d, %d) = %d, want %d", tt.m, tt.n, got, tt.k)
		}
	}
	// Past the exact limit the normal approximation takes over, close to
	// the exact rank.
	if exact, approx := c.ciRank(50, 50, 0.95), c.ciRank(51, 51, 0.95); approx < exact || approx > exact+120 {
		t.Errorf("ciRank 50+50 exact %d, 51+51 approximate %d", exact, approx)
	}
}

// TestShiftCICoverage: the 95% interval of the ratio covers the true ratio
// in about 95% of trials, and the point change sits inside it.
func TestShiftCICoverage(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	var c memo
	const trials, ratio = 2000, 1.1
	covered := 0
	for range trials {
		old, nw := make([]float64, 10), make([]float64, 10)
		for i := range old {
			old[i] = 100 * math.Exp(0.05*rng.NormFloat64())
			nw[i] = 100 * ratio * math.Exp(0.05*rng.NormFloat64())
		}
		lo, hi := c.shiftCI(old, nw, 0.95)
		if lo <= ratio-1 && ratio-1 <= hi {
			covered++
		}
	}
	if rate := float64(covered) / trials; rate < 0.93 || rate > 0.98 {
		t.Errorf("coverage %.3f, want about 0.95", rate)
	}
	if lo, hi := c.shiftCI([]float64{1, 2}, []float64{3, 4}, 0.95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("2+2 samples gave an interval [%g, %g]", lo, hi)
	}
	if lo, hi := c.shiftCI([]float64{-1, 0, 1, 2, 3}, []float64{9, 10, 11, 12, 13}, 0.95); !(lo > 0 && hi > lo) {
		t.Errorf("non-positive values: interval [%g, %g]", lo, hi)
	}
}

// TestQuantileMatchesHdr: the merged quantile over the shared grid is
// what HdrHistogram reports for the merged histogram.
func TestQuantileMatchesHdr(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var hists []results.Hist
	merged := results.NewHist()
	for r := range 4 {
		h := results.NewHist()
		for range 500 + 100*r {
			results.Record(h, time.Duration(1000*math.Exp(1.5*rng.NormFloat64())), 1)
		}
		merged.Merge(h)
		enc, err := results.EncodeHist(h)
		if err != nil {
			t.Fatal(err)
		}
		hists = append(hists, enc)
	}
	var c memo
	b := &Benchmark{Latency: hists}
	o, _, ok := newRepHists(c.repBuckets(b), c.repBuckets(b))
	if !ok {
		t.Fatal("histograms did not decode")
	}
	for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1} {
		if got, want := o.quantile(q, allReps(4)), float64(merged.ValueAtQuantile(100*q)); got != want {
			t.Errorf("quantile %g = %g, hdr says %g", q, got, want)
		}
	}
	// A resample with repeats weighs a repetition twice.
	single := results.NewHist()
	d, _ := hists[2].Decode()
	single.Merge(d)
	if got, want := o.quantile(0.5, []int{2, 2}), float64(single.ValueAtQuantile(50)); got != want {
		t.Errorf("median of rep 2 twice = %g, want %g", got, want)
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	t.Parallel()
	mk := func(scale float64, seed uint64) *Benchmark {
		rng := rand.New(rand.NewPCG(seed, 0))
		b := &Benchmark{}
		for range 6 {
			h := results.NewHist()
			s := scale * math.Exp(0.05*rng.NormFloat64())
			for range 300 {
				results.Record(h, time.Duration(s*math.Exp(0.5*rng.NormFloat64())), 1)
			}
			enc, _ := results.EncodeHist(h)
			b.Latency = append(b.Latency, enc)
		}
		return b
	}
	old, nw := mk(10000, 1), mk(13000, 2)
	var c memo
	r1, ok1 := bootstrapQuantile(c.repBuckets(old), c.repBuckets(nw), 0.99, 500, 0.95, 1, "x")
	r2, ok2 := bootstrapQuantile(c.repBuckets(old), c.repBuckets(nw), 0.99, 500, 0.95, 1, "x")
	if !ok1 || !ok2 || r1 != r2 {
		t.Fatalf("two runs differ: %+v %+v", r1, r2)
	}
	if !(r1.changeLo < r1.change && r1.change < r1.changeHi) || !(r1.changeLo > 0.1 && r1.changeHi < 0.6) {
		t.Errorf("+30%% shift: change %.3f in [%.3f, %.3f]", r1.change, r1.changeLo, r1.changeHi)
	}
	if _, ok := bootstrapQuantile(nil, c.repBuckets(nw), 0.5, 10, 0.95, 1, "x"); ok {
		t.Error("bootstrap without old histograms")
	}
}
