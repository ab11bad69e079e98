package reports

import (
	"math"
	"strings"
	"testing"
)

func points(ns, xs []float64) []Point {
	pts := make([]Point, len(ns))
	for i := range ns {
		pts[i] = Point{N: ns[i], X: xs[i]}
	}
	return pts
}

// Published data sets with their fits by R's usl package (S. Möding,
// github.com/smoeding/usl: bounded least squares, asymptotic standard
// errors), from its tests/summary.Rout.save and tests/confint.Rout.save
// (R 3.6.2); alpha, beta and gamma there are sigma, kappa and lambda
// here.
var (
	// specsdm91: SPEC SDM91 on a Sun SPARCcenter 2000 (Gunther, Guerrilla
	// Capacity Planning): sigma 2.773e-02 ± 9.122e-03, kappa 1.044e-04 ±
	// 1.988e-05, lambda 90.00 ± 14.21 (standard errors), 4 degrees of
	// freedom, residual standard error 82.85, R² 0.9896.
	specsdm91 = points([]float64{1, 18, 36, 72, 108, 144, 216},
		[]float64{64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2})
	// raytracer: a ray tracer on an SGI Origin 2000 (same source):
	// sigma 0.0578 in [0.033677, 0.081864], kappa 0 in [-0.000214,
	// 0.000214], lambda 21.8488 in [17.868380, 25.829306]. That version's
	// confint took estimate ± qt(level, n-1) standard errors, here
	// qt(0.95, 10) = 1.812461 (a one-sided quantile on n-1 degrees of
	// freedom): the standard errors are the half-widths over 1.812461.
	raytracer = points([]float64{1, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64},
		[]float64{20, 78, 130, 170, 190, 200, 210, 230, 260, 280, 310})
)

func TestUSLIntervalsPublished(t *testing.T) {
	t.Parallel()
	t.Run("specsdm91", func(t *testing.T) {
		t.Parallel()
		f, err := FitUSL(specsdm91)
		if err != nil {
			t.Fatal(err)
		}
		// R prints 4 significant digits: hold each figure to 0.1%.
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"sigma", f.Sigma, 2.773e-02}, {"kappa", f.Kappa, 1.044e-04}, {"lambda", f.Lambda, 90.00},
			{"sigma SE", f.SigmaSE, 9.122e-03}, {"kappa SE", f.KappaSE, 1.988e-05}, {"lambda SE", f.LambdaSE, 14.21},
			{"residual SE", math.Sqrt(sse0(specsdm91, f.USL) / float64(f.DOF)), 82.85}, {"R²", f.R2, 0.9896},
		} {
			if relErr(c.got, c.want) > 1e-3 {
				t.Errorf("%s = %.5g, want %.4g (R's usl)", c.name, c.got, c.want)
			}
		}
		if !f.HasCI || f.DOF != 4 {
			t.Fatalf("HasCI %v, DOF %d; want intervals on 4 degrees of freedom", f.HasCI, f.DOF)
		}
		// t(0.975, 4) = 2.776445: kappa in 1.044e-4 ± 5.52e-5.
		if relErr(f.KappaCI.Lo, 1.044e-4-2.776445*1.988e-5) > 5e-3 || relErr(f.KappaCI.Hi, 1.044e-4+2.776445*1.988e-5) > 5e-3 {
			t.Errorf("kappa CI %v, want [4.92e-05, 1.596e-04]", f.KappaCI)
		}
		if !f.KappaResolved() {
			t.Error("kappa's interval excludes 0, yet it is not resolved")
		}
		// sqrt((1 - 2.773e-02) / 1.044e-04) = 96.5 from R's estimates.
		if n, _, _ := f.Peak(); relErr(n, 96.5) > 1e-3 {
			t.Errorf("peak at %.2f workers, want 96.5", n)
		}
	})
	t.Run("raytracer", func(t *testing.T) {
		t.Parallel()
		f, err := FitUSL(raytracer)
		if err != nil {
			t.Fatal(err)
		}
		// R prints 5 to 6 digits for the intervals (3 for kappa's).
		const q = 1.812461 // qt(0.95, 10), R's multiplier
		for _, c := range []struct {
			name      string
			got, want float64
			tol       float64
		}{
			{"sigma", f.Sigma, 0.0578, 1e-3}, {"lambda", f.Lambda, 21.8488, 1e-4},
			{"sigma SE", f.SigmaSE, (0.081864 - 0.033677) / 2 / q, 1e-3},
			{"lambda SE", f.LambdaSE, (25.829306 - 17.868380) / 2 / q, 1e-4},
			{"kappa SE", f.KappaSE, 0.000214 / q, 5e-3},
		} {
			if relErr(c.got, c.want) > c.tol {
				t.Errorf("%s = %.6g, want %.6g (R's usl)", c.name, c.got, c.want)
			}
		}
		// Our intervals: estimate ± t(0.975, 8) = 2.306004 standard errors.
		if want := 0.0577708 + 2.306004*f.SigmaSE; relErr(f.SigmaCI.Hi, want) > 1e-4 || f.DOF != 8 {
			t.Errorf("sigma CI %v on %d degrees of freedom, want up to %.6g on 8", f.SigmaCI, f.DOF, want)
		}
		// On its bound: the interval is clipped at 0 (R's runs to -0.000214).
		if f.Kappa != 0 || f.KappaCI.Lo != 0 {
			t.Errorf("kappa %g, CI %v; want 0 and an interval from 0", f.Kappa, f.KappaCI)
		}
		if f.KappaResolved() {
			t.Error("kappa = 0 is resolved")
		}
		if relErr(f.Ceiling(), 21.8488/0.0577708) > 1e-3 {
			t.Errorf("ceiling %.4g, want lambda/sigma = 378.2", f.Ceiling())
		}
		if v := f.verdict(); v != "USL: no peak within model (kappa = 0, 95% CI [0, 0.00027]); levels off towards lambda/sigma = 378 tasks/s" {
			t.Errorf("verdict %q", v)
		}
	})
}

// TestUSLKappaZero fits data whose true kappa is exactly 0: the fit must
// not report a peak, however far out, but the contention ceiling
// lambda/sigma.
func TestUSLKappaZero(t *testing.T) {
	t.Parallel()
	m := USL{Lambda: 1e6, Sigma: 0.05}
	ns := []float64{1, 2, 4, 8, 16}
	t.Run("noiseless", func(t *testing.T) {
		t.Parallel()
		f, err := FitUSL(uslPoints(m, ns, 1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if f.KappaResolved() {
			t.Fatalf("kappa %g (CI %v) resolved on data with kappa = 0", f.Kappa, f.KappaCI)
		}
		if relErr(f.Ceiling(), 2e7) > 1e-6 {
			t.Errorf("ceiling %g, want lambda/sigma = 2e7", f.Ceiling())
		}
		v := f.verdict()
		if strings.Contains(v, "peak near") || !strings.Contains(v, "levels off towards lambda/sigma = 20M tasks/s") {
			t.Errorf("verdict %q: want it to level off towards 20M tasks/s, with no peak", v)
		}
	})
	// With 2% noise on 5 repetitions, kappa's 95% interval should reach 0
	// in at least 97.5% of fits (the true kappa is on the bound, so only
	// the upper tail can miss it): at most 4 of 40 allows for chance; these
	// 40 seeds give 0, and sigma's interval covers 0.05 in all 40.
	t.Run("noisy", func(t *testing.T) {
		t.Parallel()
		resolved, covered := 0, 0
		for seed := range uint64(40) {
			f, err := FitUSL(uslPoints(m, ns, 5, 0.02, seed))
			if err != nil {
				t.Fatal(err)
			}
			if f.KappaResolved() {
				resolved++
			}
			if f.SigmaCI.Contains(m.Sigma) {
				covered++
			}
		}
		if resolved > 4 || covered < 34 {
			t.Errorf("kappa resolved in %d of 40 fits of data with kappa = 0 (want at most 4); "+
				"sigma's interval covered the true value in %d (want at least 34)", resolved, covered)
		}
	})
}

// TestUSLIntervalCoverage checks that the 95% intervals cover the true
// parameters about 95% of the time on noisy data with a peak inside the
// range.
func TestUSLIntervalCoverage(t *testing.T) {
	t.Parallel()
	m := USL{Lambda: 1e6, Sigma: 0.05, Kappa: 0.002}
	const fits = 60
	var covered [3]int
	for seed := range uint64(fits) {
		f, err := FitUSL(uslPoints(m, []float64{1, 2, 4, 8, 16, 32, 64}, 5, 0.02, seed))
		if err != nil {
			t.Fatal(err)
		}
		if !f.HasCI || f.DOF != 32 {
			t.Fatalf("seed %d: HasCI %v, DOF %d; want intervals on 32 degrees of freedom", seed, f.HasCI, f.DOF)
		}
		for i, c := range []bool{f.LambdaCI.Contains(m.Lambda), f.SigmaCI.Contains(m.Sigma), f.KappaCI.Contains(m.Kappa)} {
			if c {
				covered[i]++
			}
		}
		if !f.KappaResolved() {
			t.Errorf("seed %d: kappa %g (CI %v) not resolved with a peak inside the range", seed, f.Kappa, f.KappaCI)
		}
	}
	// At 95% coverage, 60 fits cover 57 on average; below 51 happens with
	// probability under 0.2%. These 60 seeds cover 59, 58 and 55.
	for i, name := range []string{"lambda", "sigma", "kappa"} {
		if covered[i] < 51 {
			t.Errorf("%s: the 95%% interval covered the true value in %d of %d fits", name, covered[i], fits)
		}
	}
}

func TestUSLNoIntervalsWithThreePoints(t *testing.T) {
	t.Parallel()
	f, err := FitUSL(uslPoints(USL{Lambda: 100, Sigma: 0.1, Kappa: 0.01}, []float64{1, 2, 4}, 1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if f.HasCI || f.DOF != 0 {
		t.Errorf("HasCI %v, DOF %d: 3 points for 3 parameters leave no degree of freedom", f.HasCI, f.DOF)
	}
	if got := withCI(&f, f.Sigma, f.SigmaCI, formatParam); got != "0.1" {
		t.Errorf("sigma cell %q, want just the estimate", got)
	}
}

// TestScalingVerdictKappaZero: a sweep of noisy data with kappa = 0 never
// reports a peak, however far out the fitted kappa puts one; it names
// kappa's interval and the ceiling lambda/sigma (20M tasks/s here) of the
// fit with kappa = 0.
func TestScalingVerdictKappaZero(t *testing.T) {
	t.Parallel()
	m := USL{Lambda: 1e6, Sigma: 0.05}
	for seed := range uint64(10) {
		s := Scaling{Topology: "x", Points: uslPoints(m, []float64{1, 2, 4, 8, 16}, 1, 0.02, seed)}
		s.fit()
		v := s.Verdict()
		if strings.Contains(v, "peak near") || strings.Contains(v, "stops scaling") || !strings.Contains(v, "levels off towards lambda/sigma = ") {
			t.Errorf("seed %d: verdict %q: want no peak, levelling off towards lambda/sigma", seed, v)
		}
		if c := s.Fit.Ceiling(); c < 1.6e7 || c > 2.4e7 {
			t.Errorf("seed %d: ceiling %.3g, want 2e7 within 20%%", seed, c)
		}
		if s.Fit.Kappa > 0 && (!strings.Contains(v, "includes 0") || !strings.Contains(v, "(the fit with kappa = 0)")) {
			t.Errorf("seed %d: kappa %g: verdict %q does not say its interval includes 0", seed, s.Fit.Kappa, v)
		}
	}
	// Seed 1 fits kappa = 3.9e-4, with a 95% interval of [0, 0.0020].
	s := Scaling{Topology: "x", Points: uslPoints(m, []float64{1, 2, 4, 8, 16}, 1, 0.02, 1)}
	s.fit()
	if want := "USL: no peak resolved: kappa's 95% CI [0, 0.002] includes 0; levels off towards lambda/sigma = 20M tasks/s (the fit with kappa = 0)"; !strings.HasSuffix(s.Verdict(), want) {
		t.Errorf("verdict %q, want it to end %q", s.Verdict(), want)
	}
}

// TestUSLVerdicts states each verdict on constructed fits.
func TestUSLVerdicts(t *testing.T) {
	t.Parallel()
	amdahl := USL{Lambda: 1e6, Sigma: 0.05}
	tests := []struct {
		name     string
		f        USLFit
		resolved bool
		want     string
	}{
		{name: "kappa resolved, peak inside", resolved: true, want: "USL: stops scaling near 22 workers",
			f: USLFit{USL: USL{1e6, 0.05, 0.002}, MaxN: 32, HasCI: true, KappaCI: Interval{0.001, 0.003}}},
		{name: "kappa resolved, peak beyond", resolved: true, want: "USL: peak near 22 workers, beyond the range measured (extrapolated)",
			f: USLFit{USL: USL{1e6, 0.05, 0.002}, MaxN: 16, HasCI: true, KappaCI: Interval{0.001, 0.003}}},
		// (1-0.05)/1e-9: N* = 30822, but kappa takes 2.5e-7 of X(16).
		{name: "kappa negligible", want: "USL: no peak resolved: kappa = 1e-09 takes under 0.1% of the throughput at 16 workers; " +
			"levels off towards lambda/sigma = 20M tasks/s (the fit with kappa = 0)",
			f: USLFit{USL: USL{1e6, 0.05, 1e-9}, MaxN: 16, HasCI: true, KappaCI: Interval{5e-10, 1.5e-9}, Contention: amdahl}},
		{name: "kappa's interval includes 0", want: "USL: no peak resolved: kappa's 95% CI [0, 0.003] includes 0; " +
			"levels off towards lambda/sigma = 20M tasks/s (the fit with kappa = 0)",
			f: USLFit{USL: USL{1e6, 0.05, 0.001}, MaxN: 16, HasCI: true, KappaCI: Interval{0, 0.003}, Contention: amdahl}},
		{name: "kappa 0 without intervals", want: "USL: no peak within model (kappa = 0); levels off towards lambda/sigma = 20M tasks/s",
			f: USLFit{USL: amdahl, MaxN: 16, Contention: amdahl}},
		{name: "linear", want: "USL: linear, no peak within model (kappa = 0)",
			f: USLFit{USL: USL{Lambda: 1e6}, MaxN: 16, Contention: USL{Lambda: 1e6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.f.KappaResolved(); got != tt.resolved {
				t.Errorf("KappaResolved() = %v, want %v", got, tt.resolved)
			}
			if got := tt.f.verdict(); got != tt.want {
				t.Errorf("verdict\n %q, want\n %q", got, tt.want)
			}
		})
	}
}
