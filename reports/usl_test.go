package reports

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func uslPoints(m USL, ns []float64, reps int, noise float64, seed uint64) []Point {
	rng := rand.New(rand.NewPCG(seed, 1))
	var pts []Point
	for _, n := range ns {
		for range reps {
			x := m.X(n)
			if noise > 0 {
				x *= 1 + noise*rng.NormFloat64()
			}
			pts = append(pts, Point{N: n, X: x})
		}
	}
	return pts
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func TestFitUSLNoiseless(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    USL
		ns   []float64
	}{
		{name: "peak inside range", m: USL{Lambda: 1000, Sigma: 0.05, Kappa: 0.002}, ns: []float64{1, 2, 4, 8, 16, 32, 64}},
		{name: "peak beyond range", m: USL{Lambda: 2.5e6, Sigma: 0.1, Kappa: 0.0005}, ns: []float64{1, 2, 4, 8}},
		{name: "contention only", m: USL{Lambda: 50, Sigma: 0.3, Kappa: 0}, ns: []float64{1, 2, 3, 4, 6, 8}},
		{name: "crosstalk only", m: USL{Lambda: 1e7, Sigma: 0, Kappa: 0.01}, ns: []float64{1, 2, 4, 8, 16}},
		{name: "linear", m: USL{Lambda: 300, Sigma: 0, Kappa: 0}, ns: []float64{1, 2, 4}},
		{name: "strong contention", m: USL{Lambda: 4e6, Sigma: 0.8, Kappa: 0.02}, ns: []float64{1, 2, 4, 8, 16}},
		{name: "unsorted, no 1", m: USL{Lambda: 9e5, Sigma: 0.02, Kappa: 0.0001}, ns: []float64{48, 3, 12, 6, 24, 96}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := FitUSL(uslPoints(tt.m, tt.ns, 1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if relErr(f.Lambda, tt.m.Lambda) > 0.01 {
				t.Errorf("lambda = %g, want %g within 1%%", f.Lambda, tt.m.Lambda)
			}
			// A parameter that is 0 must come back within 1% of the scale
			// at which it would matter.
			if d := math.Abs(f.Sigma - tt.m.Sigma); d > 0.01*math.Max(tt.m.Sigma, 0.01) {
				t.Errorf("sigma = %g, want %g within 1%%", f.Sigma, tt.m.Sigma)
			}
			if d := math.Abs(f.Kappa - tt.m.Kappa); d > 0.01*math.Max(tt.m.Kappa, 1e-5) {
				t.Errorf("kappa = %g, want %g within 1%%", f.Kappa, tt.m.Kappa)
			}
			if f.R2 < 0.999999 {
				t.Errorf("R² = %g, want 1", f.R2)
			}
		})
	}
}

// TestFitUSLNoisy states the tolerance on noisy data: with 2% Gaussian
// noise on each of 5 repetitions at 7 worker counts spanning the peak,
// sigma comes back within 0.01 absolute, kappa within 10% and N* within
// 5%, over 20 seeds (over 200 seeds the worst errors seen were 0.0065,
// 5.4% and 2.4%).
func TestFitUSLNoisy(t *testing.T) {
	t.Parallel()
	m := USL{Lambda: 1e6, Sigma: 0.05, Kappa: 0.002}
	wantN, _, _ := m.Peak()
	for seed := range uint64(20) {
		f, err := FitUSL(uslPoints(m, []float64{1, 2, 4, 8, 16, 32, 64}, 5, 0.02, seed))
		if err != nil {
			t.Fatal(err)
		}
		n, _, ok := f.Peak()
		if math.Abs(f.Sigma-m.Sigma) > 0.01 || relErr(f.Kappa, m.Kappa) > 0.10 || !ok || relErr(n, wantN) > 0.05 {
			t.Errorf("seed %d: sigma %.4f kappa %.5f N* %.1f; want %.2f±0.01, %.4f±10%%, %.1f±5%%",
				seed, f.Sigma, f.Kappa, n, m.Sigma, m.Kappa, wantN)
		}
		if f.R2 < 0.9 {
			t.Errorf("seed %d: R² = %.3f, want > 0.9", seed, f.R2)
		}
	}
}

func TestFitUSLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pts  []Point
		want string
	}{
		{name: "none", pts: nil, want: "0 distinct worker counts"},
		{name: "two counts", pts: []Point{{1, 10}, {2, 19}, {2, 18}}, want: "2 distinct worker counts"},
		{name: "zero throughput", pts: []Point{{1, 10}, {2, 0}, {4, 30}}, want: "X > 0"},
		{name: "NaN", pts: []Point{{1, 10}, {2, math.NaN()}, {4, 30}}, want: "X > 0"},
		{name: "zero workers", pts: []Point{{0, 10}, {2, 3}, {4, 30}}, want: "N ≥ 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := FitUSL(tt.pts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("FitUSL error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestUSLPeak(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		m       USL
		wantN   float64
		wantOK  bool
		wantInf bool
	}{
		{name: "peak", m: USL{Lambda: 100, Sigma: 0.04, Kappa: 0.0024}, wantN: 20, wantOK: true},
		{name: "no crosstalk", m: USL{Lambda: 100, Sigma: 0.1}, wantInf: true},
		{name: "full contention", m: USL{Lambda: 100, Sigma: 1, Kappa: 0.1}, wantN: 1, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, x, ok := tt.m.Peak()
			if ok != tt.wantOK || (tt.wantInf != math.IsInf(n, 1)) || (!tt.wantInf && relErr(n, tt.wantN) > 1e-9) {
				t.Fatalf("Peak() = %g, %g, %v; want N* %g ok %v", n, x, ok, tt.wantN, tt.wantOK)
			}
			if ok && relErr(x, tt.m.X(n)) > 1e-12 {
				t.Errorf("X(N*) = %g, want %g", x, tt.m.X(n))
			}
		})
	}
}
