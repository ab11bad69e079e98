package compare

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"golang.org/x/perf/benchmath"
)

// Options configures Compare. Start from DefaultOptions; the zero value is
// not usable.
type Options struct {
	// Alpha is the family-wise significance level: a change is
	// significant when its Holm-Bonferroni adjusted p-value is below it.
	Alpha float64
	// Threshold is the smallest change, as a fraction (0.05 for 5%), that
	// a significant change in the worse direction must exceed to count as
	// a regression (and in the better direction as an improvement).
	Threshold float64
	// UnitThresholds overrides Threshold per tidied unit, e.g. from a
	// calibration (see Calibration.Thresholds).
	UnitThresholds map[string]float64
	// Metrics are the metrics to compare (see ResolveMetric); empty means
	// every unit both sides report, except the Redundant ones.
	Metrics []string
	// Confidence is the level of the confidence intervals, e.g. 0.95.
	Confidence float64
	// Resamples is the number of bootstrap resamples for latency
	// percentiles of snbench results; 0 turns the bootstrap off.
	Resamples int
	// Seed seeds the bootstrap, so the same inputs give the same report.
	Seed uint64
}

// DefaultOptions returns alpha 0.05, a 5% threshold, 95% intervals and
// 2000 bootstrap resamples with seed 1.
func DefaultOptions() Options {
	return Options{Alpha: 0.05, Threshold: 0.05, Confidence: 0.95, Resamples: 2000, Seed: 1}
}

// Validate reports the first thing wrong with o.
func (o Options) Validate() error {
	switch {
	case !(o.Alpha > 0 && o.Alpha < 1):
		return fmt.Errorf("compare: alpha %v: want a value in (0, 1)", o.Alpha)
	case !(o.Threshold >= 0) || math.IsInf(o.Threshold, 0):
		return fmt.Errorf("compare: threshold %v: want a fraction of 0 or more", o.Threshold)
	case !(o.Confidence > 0 && o.Confidence < 1):
		return fmt.Errorf("compare: confidence %v: want a value in (0, 1)", o.Confidence)
	case o.Resamples < 0 || o.Resamples > 1_000_000:
		return fmt.Errorf("compare: resamples %d: want 0 to 1000000", o.Resamples)
	}
	for u, t := range o.UnitThresholds {
		if !(t >= 0) || math.IsInf(t, 0) {
			return fmt.Errorf("compare: threshold for %s: %v: want a fraction of 0 or more", u, t)
		}
	}
	return nil
}

// Verdicts of a row.
const (
	VerdictRegression  = "regression"  // significant, worse by more than the threshold
	VerdictImprovement = "improvement" // significant, better by more than the threshold
	VerdictWithin      = "within"      // significant, but within the threshold
	VerdictSame        = "~"           // not significant
	VerdictUngated     = "?"           // significant, but which direction is better is unknown
)

// Report is the outcome of a comparison.
type Report struct {
	// Old and New name the inputs.
	Old, New string
	// Alpha, Confidence and Threshold are the options used.
	Alpha, Confidence, Threshold float64
	// Tests is the number of comparisons the Holm-Bonferroni correction
	// covers: every row whose better direction is known.
	Tests int
	// Tables has one table per metric.
	Tables []*Table
	// Regressions and Improvements count the rows with those verdicts.
	Regressions, Improvements int
	// Warnings are caveats about the comparison as a whole.
	Warnings []string
}

// Table is one metric's rows.
type Table struct {
	// Unit is the tidied unit, e.g. "tasks/s" or "p99-sec".
	Unit string
	// Better is +1 when higher is better, -1 when lower is, 0 if unknown.
	Better int
	// Threshold is the threshold this metric is judged by.
	Threshold float64
	// Rows are the benchmarks, in the old input's order.
	Rows []*Row
	// Geomean summarises the rows (nil with fewer than two rows).
	Geomean *Row
}

// Row is one benchmark's comparison for one metric.
type Row struct {
	// Name is the benchmark name.
	Name string
	// Old and New summarise each side.
	Old, New Center
	// Change is new/old - 1; ChangeLo and ChangeHi bound its confidence
	// interval (NaN where there is none).
	Change, ChangeLo, ChangeHi float64
	// Method says how the interval was computed: "hodges-lehmann" (the
	// distribution-free interval of the ratio that matches the U test),
	// "bootstrap" (latency percentiles of snbench results, resampling
	// repetitions' histograms) or "" (geomean rows).
	Method string
	// P is the Mann-Whitney U test's two-sided p-value and PAdj its
	// Holm-Bonferroni adjustment (NaN where not tested).
	P, PAdj float64
	// Verdict is one of the Verdict constants.
	Verdict string
}

// Center is one side's summary of a benchmark's metric.
type Center struct {
	// Value is the median of the repetitions, or for bootstrapped latency
	// percentiles the percentile of all repetitions' latencies merged.
	Value float64
	// Lo and Hi bound its confidence interval (±Inf with too few
	// repetitions).
	Lo, Hi float64
	// N is the number of repetitions.
	N int
}

// Compare compares two sets benchmark by benchmark and metric by metric.
// It returns an error only for bad input: invalid options, or no benchmark
// and metric the two sets share.
func Compare(old, new *Set, opt Options) (*Report, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	units, err := selectMetrics(old, new, opt.Metrics)
	if err != nil {
		return nil, err
	}
	r := &Report{Old: old.Name, New: new.Name, Alpha: opt.Alpha, Confidence: opt.Confidence, Threshold: opt.Threshold}
	c := &memo{}
	for _, u := range units {
		t := &Table{Unit: u, Better: new.Better(u), Threshold: opt.Threshold}
		if th, ok := opt.UnitThresholds[u]; ok {
			t.Threshold = th
		}
		for _, ob := range old.Benchmarks {
			nb := new.Lookup(ob.Name)
			if nb == nil || (len(opt.Metrics) == 0 && Redundant(ob, u)) {
				continue
			}
			if len(ob.Samples[u]) == 0 || len(nb.Samples[u]) == 0 {
				continue
			}
			t.Rows = append(t.Rows, c.compareRow(ob, nb, u, opt))
		}
		if len(t.Rows) > 0 {
			r.Tables = append(r.Tables, t)
		}
	}
	if len(r.Tables) == 0 {
		return nil, fmt.Errorf("compare %s and %s: %w", old.Name, new.Name, errNothingShared(old, new, units))
	}
	r.judge()
	r.Warnings = append(r.Warnings, inputWarnings(old, new)...)
	r.Warnings = append(r.Warnings, r.powerWarnings()...)
	for _, t := range r.Tables {
		t.Geomean = geomeanRow(t.Rows)
	}
	return r, nil
}

// compareRow compares one benchmark's metric.
func (c *memo) compareRow(ob, nb *Benchmark, unit string, opt Options) *Row {
	th := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	so := benchmath.NewSample(slices.Clone(ob.Samples[unit]), th)
	sn := benchmath.NewSample(slices.Clone(nb.Samples[unit]), th)
	sumO := benchmath.AssumeNothing.Summary(so, opt.Confidence)
	sumN := benchmath.AssumeNothing.Summary(sn, opt.Confidence)
	cmp := benchmath.AssumeNothing.Compare(so, sn)
	row := &Row{
		Name:   ob.Name,
		Old:    Center{Value: sumO.Center, Lo: sumO.Lo, Hi: sumO.Hi, N: len(so.Values)},
		New:    Center{Value: sumN.Center, Lo: sumN.Lo, Hi: sumN.Hi, N: len(sn.Values)},
		Change: ratioChange(sumO.Center, sumN.Center),
		Method: "hodges-lehmann",
		P:      cmp.P,
		PAdj:   math.NaN(),
	}
	row.ChangeLo, row.ChangeHi = c.shiftCI(so.Values, sn.Values, opt.Confidence)
	if q, ok := latencyQuantile(unit); ok && opt.Resamples > 0 &&
		len(ob.Latency) == len(so.Values) && len(nb.Latency) == len(sn.Values) {
		if b, ok := bootstrapQuantile(c.repBuckets(ob), c.repBuckets(nb), q, opt.Resamples, opt.Confidence, opt.Seed, ob.Name+"\x00"+unit); ok {
			// Histogram values are nanoseconds; the unit is seconds.
			row.Old = Center{Value: b.old / 1e9, Lo: b.oldLo / 1e9, Hi: b.oldHi / 1e9, N: row.Old.N}
			row.New = Center{Value: b.new / 1e9, Lo: b.newLo / 1e9, Hi: b.newHi / 1e9, N: row.New.N}
			row.Change, row.ChangeLo, row.ChangeHi = b.change, b.changeLo, b.changeHi
			row.Method = "bootstrap"
		}
	}
	return row
}

// latencyQuantile returns the quantile a latency unit stands for.
func latencyQuantile(unit string) (float64, bool) {
	switch unit {
	case UnitP50:
		return 0.50, true
	case UnitP99:
		return 0.99, true
	}
	return 0, false
}

func ratioChange(old, new float64) float64 {
	switch {
	case old == new:
		return 0
	case old == 0:
		return math.NaN()
	}
	return new/old - 1
}

// judge applies the Holm-Bonferroni correction over every row whose
// better direction is known, and gives every row its verdict.
func (r *Report) judge() {
	var gated []*Row
	var ps []float64
	for _, t := range r.Tables {
		if t.Better == 0 {
			continue
		}
		for _, row := range t.Rows {
			gated = append(gated, row)
			ps = append(ps, row.P)
		}
	}
	for i, adj := range Holm(ps) {
		gated[i].PAdj = adj
	}
	r.Tests = len(gated)
	for _, t := range r.Tables {
		for _, row := range t.Rows {
			row.Verdict = verdict(row, t, r.Alpha)
			switch row.Verdict {
			case VerdictRegression:
				r.Regressions++
			case VerdictImprovement:
				r.Improvements++
			}
		}
	}
}

func verdict(row *Row, t *Table, alpha float64) string {
	if t.Better == 0 {
		if row.P < alpha {
			return VerdictUngated
		}
		return VerdictSame
	}
	if !(row.PAdj < alpha) || math.IsNaN(row.Change) {
		return VerdictSame
	}
	worse := row.Change * float64(-t.Better) // positive when worse
	switch {
	case worse > t.Threshold:
		return VerdictRegression
	case -worse > t.Threshold:
		return VerdictImprovement
	}
	return VerdictWithin
}

// geomeanRow summarises rows whose centres are all positive.
func geomeanRow(rows []*Row) *Row {
	if len(rows) < 2 {
		return nil
	}
	var o, n []float64
	for _, r := range rows {
		if r.Old.Value > 0 && r.New.Value > 0 {
			o, n = append(o, r.Old.Value), append(n, r.New.Value)
		}
	}
	if len(o) < 2 {
		return nil
	}
	gOld, gNew := geomean(o), geomean(n)
	nan := math.NaN()
	return &Row{Name: "geomean", Old: Center{Value: gOld, Lo: nan, Hi: nan, N: len(o)},
		New: Center{Value: gNew, Lo: nan, Hi: nan, N: len(n)}, Change: ratioChange(gOld, gNew),
		ChangeLo: nan, ChangeHi: nan, P: nan, PAdj: nan, Verdict: ""}
}

// powerWarnings says when the samples are too small for any change to be
// significant after the correction.
func (r *Report) powerWarnings() []string {
	if r.Tests == 0 {
		return nil
	}
	level := r.Alpha / float64(r.Tests)
	minN1, minN2, hopeless := math.MaxInt, math.MaxInt, 0
	for _, t := range r.Tables {
		if t.Better == 0 {
			continue
		}
		for _, row := range t.Rows {
			if MinPValue(row.Old.N, row.New.N) >= level {
				hopeless++
				if row.Old.N+row.New.N < minN1+minN2 || minN1 == math.MaxInt {
					minN1, minN2 = row.Old.N, row.New.N
				}
			}
		}
	}
	if hopeless == 0 {
		return nil
	}
	need := RepsNeeded(r.Alpha, r.Tests)
	what := "no change can be significant"
	if hopeless < r.Tests {
		what = fmt.Sprintf("%d of %d comparisons cannot be significant", hopeless, r.Tests)
	}
	return []string{fmt.Sprintf("too few repetitions: %s: with %d comparisons the Holm-Bonferroni correction needs p < %.2g, "+
		"and with n=%d+%d the U test cannot go below p = %.2g; use at least %d repetitions per side",
		what, r.Tests, level, minN1, minN2, MinPValue(minN1, minN2), need)}
}

// inputWarnings lists the inputs' own warnings, benchmarks only one side
// has, and configuration that differs between the sides.
func inputWarnings(old, new *Set) []string {
	w := append(slices.Clone(old.Warnings), new.Warnings...)
	for _, side := range []struct {
		name     string
		from, in *Set
	}{{"old", old, new}, {"new", new, old}} {
		var only []string
		for _, b := range side.from.Benchmarks {
			if side.in.Lookup(b.Name) == nil {
				only = append(only, b.Name)
			}
		}
		if len(only) > 0 {
			w = append(w, fmt.Sprintf("%d benchmarks only in %s (%s): %s", len(only), side.name, side.from.Name, listSome(only, 3)))
		}
	}
	var moved []string
	for _, b := range old.Benchmarks {
		if n := new.Lookup(b.Name); n != nil && b.AutoWindow > 0 && n.AutoWindow > 0 && b.AutoWindow != n.AutoWindow {
			moved = append(moved, fmt.Sprintf("%s (%d, %d)", b.Name, b.AutoWindow, n.AutoWindow))
		}
	}
	if len(moved) > 0 {
		w = append(w, fmt.Sprintf("window=auto chose different windows in old and new (old, new) for %d benchmarks: %s: part of their change is the window's", len(moved), listSome(moved, 3)))
	}
	keys := []string{"goos", "goarch", "cpu", "pkg"}
	for _, k := range keys {
		if a, b := old.Config[k], new.Config[k]; a != b && a != "" && b != "" {
			w = append(w, fmt.Sprintf("%s differs: old %q, new %q: differences may come from the machine, not the code", k, a, b))
		}
	}
	return w
}

func listSome(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}

// oneAxisApart says, as a suffix for errNothingShared, which part of the
// benchmarks' names (a key=value segment: window=4) is all that keeps
// some old benchmark from matching a new one, or "" if none is: the
// common case of a baseline run at another window, say, or before the
// default window became auto.
func oneAxisApart(old, new *Set) string {
	apart := map[string][2]string{} // key -> an old and a new value
	var keys []string
	for _, a := range old.Benchmarks {
		as := strings.Split(a.Name, "/")
		for _, b := range new.Benchmarks {
			bs := strings.Split(b.Name, "/")
			if len(as) != len(bs) {
				continue
			}
			diff := -1
			for i := range as {
				if as[i] != bs[i] {
					if diff >= 0 {
						diff = -2
						break
					}
					diff = i
				}
			}
			if diff < 0 {
				continue
			}
			key, av, _ := strings.Cut(as[diff], "=")
			_, bv, _ := strings.Cut(bs[diff], "=")
			if diff == len(as)-1 { // the last part carries the -GOMAXPROCS suffix
				ap, aprocs, aok := cutLast(av, "-")
				bp, bprocs, bok := cutLast(bv, "-")
				switch {
				case aok && bok && ap == bp:
					key, av, bv = "GOMAXPROCS (the -N suffix)", aprocs, bprocs
				case aok && bok && aprocs == bprocs:
					av, bv = ap, bp
				}
			}
			if _, seen := apart[key]; !seen {
				apart[key] = [2]string{av, bv}
				keys = append(keys, key)
			}
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := apart[k]
		parts = append(parts, fmt.Sprintf("%s (old %s, new %s)", k, v[0], v[1]))
	}
	hint := "; they differ only in " + strings.Join(parts, ", or in ") + ": measure both sides with the same value"
	if v, ok := apart["window"]; ok && (v[0] == "auto" || v[1] == "auto") {
		hint += " (window auto is a key of its own: give the run at auto an explicit --window, or the other --window auto)"
	}
	return hint
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// errNothingShared explains why two sets gave no comparison.
func errNothingShared(old, new *Set, units []string) error {
	shared := 0
	for _, b := range old.Benchmarks {
		if new.Lookup(b.Name) != nil {
			shared++
		}
	}
	if shared == 0 {
		names := func(s *Set) string {
			var ns []string
			for _, b := range s.Benchmarks {
				ns = append(ns, b.Name)
			}
			sort.Strings(ns)
			return listSome(ns, 2)
		}
		return fmt.Errorf("no benchmark in both (old has %s; new has %s)%s", names(old), names(new), oneAxisApart(old, new))
	}
	return fmt.Errorf("%d benchmarks in both, but none reports the metrics %v on both sides", shared, units)
}
