package compare_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports/compare"
)

const trials = 20

// countRegressions compares trials pairs of synthetic runs and returns in
// how many trials compare reported at least one regression.
func countRegressions(t *testing.T, seed uint64, cells, reps int, slow float64, slowCells int) int {
	t.Helper()
	flagged := 0
	for trial := range trials {
		rng := rand.New(rand.NewPCG(seed, uint64(trial)))
		old := synthSet("old", rng, cells, reps, 1)
		// Slow only the first slowCells cells: build the new run from a
		// slowed and an unchanged part.
		newSet := synthSet("new", rng, cells, reps, 1)
		if slowCells > 0 {
			slowed := synthSet("new", rng, slowCells, reps, slow)
			for i := range slowCells {
				*newSet.Benchmarks[i] = *slowed.Benchmarks[i]
			}
		}
		r, err := compare.Compare(old, newSet, compare.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		if r.Regressions > 0 {
			flagged++
		}
	}
	return flagged
}

// TestAANoFalseAlarm: the same code measured twice (32 cells, 4 metrics,
// 10 repetitions each) must not be reported as a regression at the
// default settings in at least 19 of 20 trials.
func TestAANoFalseAlarm(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		cells, reps int
	}{
		{"1 cell, 10 reps", 1, 10},
		{"32 cells, 10 reps", 32, 10},
		{"8 cells, 20 reps", 8, 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := countRegressions(t, 1, tt.cells, tt.reps, 1, 0)
			t.Logf("A/A: %d of %d trials flagged a regression", n, trials)
			if n > 1 {
				t.Errorf("A/A flagged a regression in %d of %d trials, want at most 1", n, trials)
			}
		})
	}
}

// TestSlowdownDetected: a 25% slowdown per task must be reported as a
// regression in at least 19 of 20 trials, also when only one cell of 32
// slows down (so the multiple-comparison correction must not hide it).
func TestSlowdownDetected(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name                   string
		cells, reps, slowCells int
	}{
		{"1 cell", 1, 10, 1},
		{"all 8 cells", 8, 10, 8},
		{"1 of 32 cells", 32, 10, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := countRegressions(t, 2, tt.cells, tt.reps, 1.25, tt.slowCells)
			t.Logf("+25%%: %d of %d trials flagged a regression", n, trials)
			if n < trials-1 {
				t.Errorf("+25%% slowdown detected in %d of %d trials, want at least %d", n, trials, trials-1)
			}
		})
	}
}

// TestBootstrapAAAndSlowdown runs the same checks on snbench results,
// whose latency percentiles are compared through the histograms.
func TestBootstrapAAAndSlowdown(t *testing.T) {
	t.Parallel()
	opt := compare.DefaultOptions()
	opt.Resamples = 500
	n := trials
	if raceEnabled {
		n = 5 // still exercises every path; the rates are checked without -race
	}
	aa, slow := 0, 0
	for trial := range n {
		rng := rand.New(rand.NewPCG(3, uint64(trial)))
		sets := make([]*compare.Set, 3)
		for i, f := range []float64{1, 1, 1.25} {
			s, err := compare.FromResults("run", synthResults(rng, 1, 10, f))
			if err != nil {
				t.Fatal(err)
			}
			sets[i] = s
		}
		for _, c := range []struct {
			new   *compare.Set
			count *int
		}{{sets[1], &aa}, {sets[2], &slow}} {
			r, err := compare.Compare(sets[0], c.new, opt)
			if err != nil {
				t.Fatal(err)
			}
			if r.Regressions > 0 {
				*c.count++
			}
			for _, tb := range r.Tables {
				if tb.Unit == compare.UnitP99 && tb.Rows[0].Method != "bootstrap" {
					t.Fatalf("p99 compared by %q, want bootstrap", tb.Rows[0].Method)
				}
			}
		}
	}
	t.Logf("A/A flagged %d of %d, +25%% flagged %d of %d", aa, n, slow, n)
	if aa > 1 || slow < n-1 {
		t.Errorf("A/A flagged %d of %d (want <= 1), +25%% flagged %d of %d (want >= %d)", aa, n, slow, n, n-1)
	}
}

// fixed makes a set from per-benchmark samples of one unit.
func fixed(t *testing.T, unit string, samples map[string][]float64) *compare.Set {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\n")
	for name, xs := range samples {
		for _, x := range xs {
			b.WriteString("Benchmark" + name + " 1 " + formatF(x) + " " + unit + "\n")
		}
	}
	s, err := compare.Parse("fixed", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func formatF(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func scaled(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}

// TestVerdicts: direction, threshold and significance decide a row.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	base := []float64{100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100.3}
	tests := []struct {
		name, unit string
		factor     float64
		threshold  float64
		want       string
	}{
		{"time up 20%", "ns/op", 1.2, 0.05, compare.VerdictRegression},
		{"time down 20%", "ns/op", 0.8, 0.05, compare.VerdictImprovement},
		{"throughput down 20%", "tasks/s", 0.8, 0.05, compare.VerdictRegression},
		{"throughput up 20%", "tasks/s", 1.2, 0.05, compare.VerdictImprovement},
		{"time up 3% under 5% threshold", "ns/op", 1.03, 0.05, compare.VerdictWithin},
		{"time up 3% over 2% threshold", "ns/op", 1.03, 0.02, compare.VerdictRegression},
		{"p99 up 20%", "p99-ns", 1.2, 0.05, compare.VerdictRegression},
		{"unknown unit", "widgets", 1.2, 0.05, compare.VerdictUngated},
		{"same", "ns/op", 1, 0.05, compare.VerdictSame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := fixed(t, tt.unit, map[string][]float64{"X": base})
			nw := fixed(t, tt.unit, map[string][]float64{"X": scaled(base, tt.factor)})
			opt := compare.DefaultOptions()
			opt.Threshold = tt.threshold
			r, err := compare.Compare(old, nw, opt)
			if err != nil {
				t.Fatal(err)
			}
			row := r.Tables[0].Rows[0]
			if row.Verdict != tt.want {
				t.Fatalf("verdict %q, want %q (change %+.3f, p %.4f, p adj %.4f)", row.Verdict, tt.want, row.Change, row.P, row.PAdj)
			}
			if tt.factor != 1 && math.Abs(row.Change-(tt.factor-1)) > 0.01 {
				t.Errorf("change %+.4f, want %+.4f", row.Change, tt.factor-1)
			}
			if !(row.ChangeLo <= row.Change && row.Change <= row.ChangeHi) {
				t.Errorf("change %+.4f outside its interval [%+.4f, %+.4f]", row.Change, row.ChangeLo, row.ChangeHi)
			}
			if wantReg := tt.want == compare.VerdictRegression; (r.Regressions > 0) != wantReg {
				t.Errorf("report counts %d regressions", r.Regressions)
			}
		})
	}
}

// TestTooFewRepetitions: with 3 repetitions no change can be significant,
// and compare says so.
func TestTooFewRepetitions(t *testing.T) {
	t.Parallel()
	old := fixed(t, "ns/op", map[string][]float64{"X": {100, 101, 99}})
	nw := fixed(t, "ns/op", map[string][]float64{"X": {200, 201, 199}})
	r, err := compare.Compare(old, nw, compare.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if r.Regressions != 0 {
		t.Errorf("%d regressions from 3+3 samples", r.Regressions)
	}
	if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "use at least 4 repetitions") {
		t.Errorf("warnings %q, want the too-few-repetitions one", r.Warnings)
	}
}

func TestCompareInputWarningsAndErrors(t *testing.T) {
	t.Parallel()
	a := fixed(t, "ns/op", map[string][]float64{"A": {1, 2, 3, 4, 5}, "B": {1, 2, 3, 4, 5}})
	b := fixed(t, "ns/op", map[string][]float64{"A": {1, 2, 3, 4, 5}, "C": {1, 2, 3, 4, 5}})
	r, err := compare.Compare(a, b, compare.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(r.Warnings, "\n")
	for _, want := range []string{"1 benchmarks only in old (fixed): B", "1 benchmarks only in new (fixed): C"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", all, want)
		}
	}
	c := fixed(t, "ns/op", map[string][]float64{"D": {1, 2}})
	if _, err := compare.Compare(a, c, compare.DefaultOptions()); err == nil || !strings.Contains(err.Error(), "no benchmark in both") {
		t.Errorf("disjoint sets: error %v", err)
	}
	opt := compare.DefaultOptions()
	opt.Metrics = []string{"p99"}
	if _, err := compare.Compare(a, b, opt); err == nil || !strings.Contains(err.Error(), "none reports the metrics") {
		t.Errorf("missing metric: error %v", err)
	}
	opt = compare.DefaultOptions()
	opt.Alpha = 0
	if _, err := compare.Compare(a, b, opt); err == nil {
		t.Error("alpha 0 accepted")
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 8))
	withHists, err := compare.FromResults("a.json", synthResults(rng, 1, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	other, err := compare.FromResults("b.json", synthResults(rng, 1, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	m := compare.Merge("a+b", withHists, other)
	b := m.Lookup(withHists.Benchmarks[0].Name)
	if b == nil || len(b.Samples[compare.UnitTasksPerS]) != 5 || len(b.Latency) != 5 {
		t.Fatalf("merged benchmark %+v", b)
	}
	text := fixed(t, "tasks/s", map[string][]float64{withHists.Benchmarks[0].Name: {1, 2}})
	text.Config["commit"] = "other"
	m = compare.Merge("a+text", withHists, text)
	b = m.Lookup(withHists.Benchmarks[0].Name)
	if len(b.Samples[compare.UnitTasksPerS]) != 5 || b.Latency != nil {
		t.Errorf("merged with text: %d samples, %d histograms; want 5 and none", len(b.Samples[compare.UnitTasksPerS]), len(b.Latency))
	}
	if w := strings.Join(m.Warnings, "\n"); !strings.Contains(w, "differ in commit") {
		t.Errorf("warnings %q lack the differing commit", w)
	}
}

// TestAutoWindowsMatch: auto cells of two runs match whatever their
// probes chose (window=auto in both names), and a comparison whose auto
// cells chose different windows says so.
func TestAutoWindowsMatch(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	oldRes, newRes := synthResults(rng, 2, 5, 1), synthResults(rng, 2, 5, 1)
	for i, w := range []int{16, 16} {
		oldRes.Cells[i].AutoWindow = &results.AutoWindow{Window: w, Stop: results.AutoPlateau}
	}
	for i, w := range []int{16, 32} {
		newRes.Cells[i].AutoWindow = &results.AutoWindow{Window: w, Stop: results.AutoPlateau}
	}
	o, err := compare.FromResults("old.json", oldRes)
	if err != nil {
		t.Fatal(err)
	}
	n, err := compare.FromResults("new.json", newRes)
	if err != nil {
		t.Fatal(err)
	}
	r, err := compare.Compare(o, n, compare.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(r.Warnings, "\n")
	if strings.Contains(all, "only in") {
		t.Errorf("auto cells did not match: %s", all)
	}
	if want := "window=auto chose different windows in old and new (old, new) for 1 benchmarks: Doubling/topology=goroutine/workers=2/tasks=2000/payload=1/window=auto/batch=64-8 (16, 32)"; !strings.Contains(all, want) {
		t.Errorf("warnings %q lack %q", all, want)
	}
}
