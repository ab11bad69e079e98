package reports

import (
	"math"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

func TestScalingsRecoverModel(t *testing.T) {
	t.Parallel()
	res := synth{topologies: []string{"a", "b"}, workers: []int{1, 2, 4, 8, 16, 32}, reps: 3}.build(t)
	ss := Scalings(res)
	if len(ss) != 2 {
		t.Fatalf("%d scalings, want 2", len(ss))
	}
	for i, s := range ss {
		want := defaultModels[i]
		if s.Fit == nil {
			t.Fatalf("%s: no fit: %s", s.Topology, s.Reason)
		}
		if relErr(s.Fit.Sigma, want.Sigma) > 0.01 || relErr(s.Fit.Kappa, want.Kappa) > 0.01 || relErr(s.Fit.Lambda, want.Lambda) > 0.01 {
			t.Errorf("%s: fit %+v, want %+v within 1%%", s.Topology, s.Fit.USL, want)
		}
	}
	if v := ss[1].Verdict(); !strings.Contains(v, "stops scaling near 6.7 workers") {
		t.Errorf("verdict %q: want the peak at N*=6.7", v)
	}
}

func TestScalingReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		res     *results.Results
		want    string // in the first topology's verdict
		hasFit  bool
		skipped int
	}{
		{name: "one worker count", res: synth{topologies: []string{"a"}, workers: []int{4}, reps: 2}.build(t),
			want: "too few points for a fit: 1 worker count, the USL needs 3"},
		{name: "two worker counts", res: synth{topologies: []string{"a"}, workers: []int{1, 2}, reps: 2}.build(t),
			want: "too few points for a fit: 2 worker counts"},
		{name: "exact fit", res: synth{topologies: []string{"a"}, workers: []int{1, 2, 4}, reps: 2}.build(t),
			want: "3 points for 3 parameters", hasFit: true},
		{name: "failed cells are left out", res: withFailures(t, synth{topologies: []string{"a", "b", "c"},
			workers: []int{1, 2, 4, 8}, reps: 2}.build(t)), want: "", hasFit: true},
		{name: "no peak", res: synth{topologies: []string{"a"}, workers: []int{1, 2, 4, 8}, reps: 2,
			models: map[string]USL{"a": {Lambda: 100, Sigma: 0.2}}}.build(t), want: "no peak within model", hasFit: true},
		{name: "linear", res: synth{topologies: []string{"a"}, workers: []int{1, 2, 4, 8}, reps: 2,
			models: map[string]USL{"a": {Lambda: 100}}}.build(t), want: "USL: linear", hasFit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Scalings(tt.res)[0]
			if (s.Fit != nil) != tt.hasFit {
				t.Fatalf("fit = %v, want a fit: %v (reason %q)", s.Fit, tt.hasFit, s.Reason)
			}
			if v := s.Verdict(); !strings.Contains(v, tt.want) {
				t.Errorf("verdict %q lacks %q", v, tt.want)
			}
		})
	}
	t.Run("skipped cells counted", func(t *testing.T) {
		t.Parallel()
		res := withFailures(t, synth{topologies: []string{"a", "b", "c"}, workers: []int{1, 2, 4, 8}, reps: 2}.build(t))
		for _, s := range Scalings(res) {
			if want := map[string]int{"a": 0, "b": 1, "c": 1}[s.Topology]; s.Skipped != want || len(s.Points) != 4-want {
				t.Errorf("%s: %d skipped, %d points; want %d skipped", s.Topology, s.Skipped, len(s.Points), want)
			}
		}
	})
}

func TestGrowths(t *testing.T) {
	t.Parallel()
	res := synth{topologies: []string{"a"}, workers: []int{2}, tasks: []int{1000, 2000, 6000}, reps: 3}.build(t)
	// Make the third task count cost n^1.5: T(6000) = T(2000) * 3^1.5.
	c := cellAt(t, res, "a", 2)
	for i := range res.Cells {
		if res.Cells[i].Tasks == 6000 {
			for j := range res.Cells[i].Reps {
				res.Cells[i].Reps[j].WallNS = int64(float64(c.Reps[j].WallNS) * 2 * math.Pow(3, 1.5))
			}
		}
	}
	gs := Growths(res)
	if len(gs) != 2 {
		t.Fatalf("%d growths, want 2: %+v", len(gs), gs)
	}
	tests := []struct {
		g            Growth
		n1, n2       int
		ratio, order float64
		reading      string
	}{
		{gs[0], 1000, 2000, 2, 1, "linear"},
		{gs[1], 2000, 6000, math.Pow(2, 1.5), 1.5, "superlinear"},
	}
	for _, tt := range tests {
		if tt.g.N1 != tt.n1 || tt.g.N2 != tt.n2 || relErr(tt.g.Ratio, tt.ratio) > 1e-3 || math.Abs(tt.g.Order-tt.order) > 1e-3 {
			t.Errorf("growth %d→%d: ratio %.4f order %.4f; want %d→%d ratio %.4f order %.4f",
				tt.g.N1, tt.g.N2, tt.g.Ratio, tt.g.Order, tt.n1, tt.n2, tt.ratio, tt.order)
		}
		if !strings.HasPrefix(tt.g.Reading(), tt.reading) {
			t.Errorf("reading %q, want %s", tt.g.Reading(), tt.reading)
		}
		if tt.g.OrderErr <= 0 {
			t.Errorf("no interval on the order with 3 repetitions")
		}
	}
	if gs := Growths(basic(t)); len(gs) != 0 {
		t.Errorf("one task count: %d growths, want none", len(gs))
	}
}

func TestFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		res  *results.Results
		want []string
	}{
		{name: "one leader", res: basic(t), want: []string{
			"goroutine is fastest at every worker count measured: 2.5x to 5.0x the runner-up",
			"goroutine: still rising at 8 workers", "tcp: measured best at 4 workers; USL: stops scaling near 3.7 workers"}},
		{name: "failures counted", res: withFailures(t, basic(t)), want: []string{
			"2 of 12 cells failed, errored or did not finish: see Problems."}},
		{name: "leader changes", res: synth{topologies: []string{"a", "b"}, workers: []int{1, 8}, reps: 3,
			models: map[string]USL{"a": {Lambda: 100, Sigma: 0.5}, "b": {Lambda: 50}}}.build(t), want: []string{
			"At 1 worker, a is fastest (100 tasks/s), 2.0x b (50 tasks/s).",
			"At 8 workers, b is fastest (400 tasks/s), ", "x a (178 tasks/s)."}},
		{name: "within noise", res: synth{topologies: []string{"a", "b"}, workers: []int{1}, reps: 3,
			models: map[string]USL{"a": {Lambda: 101}, "b": {Lambda: 100}}}.build(t), want: []string{
			"the 95% confidence intervals overlap, so the lead is within the noise"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(Findings(tt.res), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("findings lack %q:\n%s", w, got)
				}
			}
		})
	}
}
