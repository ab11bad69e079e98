package results_test

import (
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// TestSummarizeDispersionCaveats: a cell's own dispersion caveat fires
// only where the figure cannot be read as it stands (no interval, or an
// interval wider than ±50%); a CV over 10% alone raises nothing, though
// it is still stored. The half-widths are worked out by hand: t(0.975, 2)
// = 4.3027, so for three values with sample SD s around mean m the
// half-width is 4.3027*s/sqrt(3) = 2.4841*s.
func TestSummarizeDispersionCaveats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tput   []float64
		cv     float64 // the stored coefficient of variation
		want   string  // the warning's start; "" for none
		status string
	}{
		// CV 10%: half-width 24.8, ±25%: no caveat (the old "noisy" rule's
		// limit, and now nothing).
		{"cv 10%", []float64{90, 100, 110}, 0.10, "", "ok"},
		// CV 20%: half-width 49.68, ±49.7%, just inside the limit.
		{"cv 20% inside the limit", []float64{80, 100, 120}, 0.20, "", "ok"},
		// CV 21%: half-width 52.17, ±52%: imprecise.
		{"cv 21% over the limit", []float64{79, 100, 121}, 0.21,
			"imprecise: 95% interval ±52% of the mean (over ±50%)", "ok"},
		// mean 2, SD 1: half-width 2.484, ±124%.
		{"interval below zero", []float64{1, 2, 3}, 0.5, "imprecise: 95% interval ±124%", "ok"},
		{"one repetition", []float64{100}, 0, "only 1 repetition: no confidence interval", "ok"},
		{"identical repetitions", []float64{100, 100, 100}, 0, "", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := sample(t).Cells[0]
			c.Reps = c.Reps[:1]
			for len(c.Reps) < len(tt.tput) {
				c.Reps = append(c.Reps, c.Reps[0])
			}
			for i, x := range tt.tput {
				c.Reps[i].Throughput = x
			}
			c.Warnings = nil
			if err := results.Summarize(&c); err != nil {
				t.Fatal(err)
			}
			if got := c.Summary.Throughput.CV; got < tt.cv-1e-9 || got > tt.cv+1e-9 {
				t.Errorf("stored CV %g, want %g", got, tt.cv)
			}
			got := strings.Join(c.Warnings, "\n")
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("warnings %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("warnings %q: want at most one", got)
			}
			if c.Status != tt.status {
				t.Errorf("status %q, want %q", c.Status, tt.status)
			}
		})
	}
}

// TestFromGobenchDispersionCaveats: Go benchmark input gets the same
// rules. Throughput is 1e9 / (ns/op); both cells have a CV of 15.7%.
func TestFromGobenchDispersionCaveats(t *testing.T) {
	t.Parallel()
	in := "BenchmarkFive 1000 10 ns/op\nBenchmarkFive 1000 10 ns/op\nBenchmarkFive 1000 10 ns/op\n" +
		"BenchmarkFive 1000 12.5 ns/op\nBenchmarkFive 1000 8 ns/op\n" +
		// 1e8 and 8e7 tasks/s: SD 1.414e7, t(0.975, 1) = 12.706, half-width 1.2706e8 around 9e7.
		"BenchmarkTwo 1000 10 ns/op\nBenchmarkTwo 1000 12.5 ns/op\n"
	res, err := results.FromGobench("in.txt", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Five": "", "Two": "imprecise: 95% interval ±141% of the mean"}
	for _, c := range res.Cells {
		w, ok := want[c.Topology]
		if !ok {
			t.Fatalf("unexpected cell %s", c.Key)
		}
		if cv := c.Summary.Throughput.CV; cv < 0.15 || cv > 0.16 {
			t.Errorf("%s: stored CV %g, want 0.157", c.Topology, cv)
		}
		got := strings.Join(c.Warnings, "\n")
		if w == "" && got != "" || !strings.HasPrefix(got, w) {
			t.Errorf("%s: warnings %q, want %q", c.Topology, got, w)
		}
		delete(want, c.Topology)
	}
	if len(want) != 0 {
		t.Errorf("cells missing: %v", want)
	}
}
