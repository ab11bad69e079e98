package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Confidence intervals of a USL fit.
//
// Note: the intervals are asymptotic, from the Jacobian J of the model at
// the least-squares solution: the covariance of (Lambda, Sigma, Kappa) is
// s²(JᵀJ)⁻¹ with s² = SSE/(n-3), each standard error the square root of a
// diagonal term, and each interval the estimate ± t(0.975, n-3) standard
// errors, clipped to the parameter's bounds. This is what R's nls (and the
// usl package's confint) reports. A bootstrap over the points was the
// alternative, and is worse here: a sweep has 4 to 10 worker counts, so
// resamples often hold fewer than 3 distinct counts and cannot be fitted
// at all, and the usl package itself dropped its bootstrap for that reason.
// The asymptotic interval of a parameter that sits on its bound (Kappa =
// 0) is only a guide; clipped there, its upper end still says how large
// the parameter could be.

// Interval is a closed interval [Lo, Hi].
type Interval struct {
	Lo, Hi float64
}

// Contains reports whether v lies in the interval.
func (i Interval) Contains(v float64) bool { return i.Lo <= v && v <= i.Hi }

// uslConfidence is the confidence level of a fit's intervals.
const uslConfidence = 0.95

// negligibleKappa is the largest fraction of the throughput at the largest
// worker count fitted that the crosstalk term may take for Kappa to count
// as zero: below it, no measurement here could tell it from zero.
const negligibleKappa = 1e-3

// intervals sets f's standard errors and intervals from the Jacobian at
// f's solution; it leaves HasCI false when there are fewer than 4 points
// (no degree of freedom left) or JᵀJ is singular.
func (f *USLFit) intervals(pts []Point) {
	f.DOF = len(pts) - 3
	if f.DOF < 1 {
		return
	}
	a, _ := normalEquations(pts, f.USL)
	cov, ok := inverse3(a)
	if !ok {
		return
	}
	s2 := sse0(pts, f.USL) / float64(f.DOF)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(f.DOF)}.Quantile(1 - (1-uslConfidence)/2)
	var se [3]float64
	for i := range 3 {
		if !(cov[i][i] >= 0) {
			return
		}
		se[i] = math.Sqrt(s2 * cov[i][i])
	}
	f.LambdaSE, f.SigmaSE, f.KappaSE = se[0], se[1], se[2]
	f.LambdaCI = Interval{math.Max(0, f.Lambda-t*se[0]), f.Lambda + t*se[0]}
	f.SigmaCI = Interval{math.Max(0, f.Sigma-t*se[1]), math.Min(1, f.Sigma+t*se[1])}
	f.KappaCI = Interval{math.Max(0, f.Kappa-t*se[2]), f.Kappa + t*se[2]}
	f.HasCI = true
}

// inverse3 inverts a symmetric positive semi-definite 3x3 matrix, scaled
// to a unit diagonal first: Lambda is some 1e6 times Sigma, so JᵀJ is
// badly conditioned unscaled.
func inverse3(a [3][3]float64) ([3][3]float64, bool) {
	var d [3]float64
	for i := range 3 {
		if !(a[i][i] > 0) {
			return a, false
		}
		d[i] = math.Sqrt(a[i][i])
	}
	var s [3][3]float64
	for i := range 3 {
		for k := range 3 {
			s[i][k] = a[i][k] / (d[i] * d[k])
		}
	}
	var inv [3][3]float64
	for c := range 3 {
		var e [3]float64
		e[c] = 1
		x, ok := solve3(s, e)
		if !ok {
			return a, false
		}
		for r := range 3 {
			if math.IsNaN(x[r]) || math.IsInf(x[r], 0) {
				return a, false
			}
			inv[r][c] = x[r] / (d[r] * d[c])
		}
	}
	return inv, true
}

// KappaResolved reports whether the data resolve a crosstalk term, so
// that the fit's peak means something: Kappa's 95% interval excludes 0
// (without an interval, Kappa is above 0), and Kappa takes at least
// negligibleKappa of the model's throughput at the largest worker count
// fitted.
func (f *USLFit) KappaResolved() bool {
	if f.Kappa <= 0 || (f.HasCI && f.KappaCI.Lo <= 0) {
		return false
	}
	n := f.MaxN
	d := 1 + f.Sigma*(n-1) + f.Kappa*n*(n-1)
	return f.Kappa*n*(n-1)/d >= negligibleKappa
}

// fitContention fits the USL with Kappa = 0 (Amdahl's law) to pts: Sigma
// by a grid over [0, 1] refined by golden-section search, Lambda solved
// exactly for each Sigma.
func fitContention(pts []Point) USL {
	sse := func(s float64) float64 { _, e := bestLambda(pts, s, 0); return e }
	grid := []float64{0}
	for i := range 41 {
		grid = append(grid, math.Pow(10, -6+6*float64(i)/40))
	}
	best := 0
	for i, s := range grid {
		if sse(s) < sse(grid[best]) {
			best = i
		}
	}
	lo, hi := grid[max(best-1, 0)], grid[min(best+1, len(grid)-1)]
	const phi = 0.6180339887498949
	for range 100 {
		a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
		if sse(a) < sse(b) {
			hi = b
		} else {
			lo = a
		}
	}
	s := (lo + hi) / 2
	if sse(grid[best]) < sse(s) {
		s = grid[best]
	}
	l, _ := bestLambda(pts, s, 0)
	return USL{Lambda: l, Sigma: s}
}

// verdict says in a few words what the fit predicts: where throughput
// peaks when Kappa is resolved, else what it levels off towards.
func (f *USLFit) verdict() string {
	if !f.KappaResolved() {
		return f.levelsOff()
	}
	n, _, _ := f.Peak()
	switch {
	case n <= 1:
		return "USL: adding workers does not help"
	case n > 1.05*f.MaxN:
		return fmt.Sprintf("USL: peak near %s workers, beyond the range measured (extrapolated)", sigFig(n, 2))
	}
	return fmt.Sprintf("USL: stops scaling near %s workers", sigFig(n, 2))
}

// levelsOff is the verdict of a fit without a resolved Kappa: why there
// is no peak, and the ceiling Lambda/Sigma of the fit with Kappa = 0.
func (f *USLFit) levelsOff() string {
	var why string
	switch {
	case f.Kappa <= 0 && f.HasCI:
		why = fmt.Sprintf("no peak within model (kappa = 0, 95%% CI %s)", formatInterval(f.KappaCI, formatParam))
	case f.Kappa <= 0:
		why = "no peak within model (kappa = 0)"
	case f.HasCI && f.KappaCI.Lo <= 0:
		why = fmt.Sprintf("no peak resolved: kappa's 95%% CI %s includes 0", formatInterval(f.KappaCI, formatParam))
	default:
		why = fmt.Sprintf("no peak resolved: kappa = %s takes under %g%% of the throughput at %g workers",
			formatParam(f.Kappa), 100*negligibleKappa, f.MaxN)
	}
	c := f.Ceiling()
	if math.IsInf(c, 1) {
		return "USL: linear, " + why
	}
	with := ""
	if f.Kappa > 0 {
		with = " (the fit with kappa = 0)"
	}
	return fmt.Sprintf("USL: %s; levels off towards lambda/sigma = %s tasks/s%s", why, FormatRate(c, 2), with)
}

// formatInterval formats an interval as "[lo, hi]" with format.
func formatInterval(i Interval, format func(float64) string) string {
	return "[" + format(i.Lo) + ", " + format(i.Hi) + "]"
}
