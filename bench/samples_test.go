package bench_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// TestRunCountsMeasurements runs small cells on the goroutine topology
// and checks that each repetition counts one latency measurement per batch
// (not per task), that the cell pools them over its repetitions, and that
// the thin percentiles follow: beyond p = m × (1 − p/100) < 10.
func TestRunCountsMeasurements(t *testing.T) {
	tests := []struct {
		dispatch              string
		workers, batch, tasks int
		rate                  int // open loop when > 0, for 0.2 s
		repMin, repMax        int64
		thin                  []string
	}{
		// 2 x 200: m = 400, 4 beyond p99, 40 beyond p90.
		{results.DispatchRoundRobin, 1, 1, 200, 0, 200, 200, []string{"p99", "p999", "p9999"}},
		// 2 x 10 batches of 64: m = 20, 10 beyond p50, 2 beyond p90.
		{results.DispatchRoundRobin, 3, 64, 640, 0, 10, 10, []string{"p90", "p99", "p999", "p9999"}},
		// Each of 3 nodes may end on a part batch: 10 to 12 batches.
		{results.DispatchHash, 3, 64, 640, 0, 10, 12, []string{"p90", "p99", "p999", "p9999"}},
		// Open loop, 2000/s for 0.2 s: 400 tasks in batches of 4.
		{results.DispatchRoundRobin, 2, 4, 0, 2000, 100, 100, []string{"p99", "p999", "p9999"}},
	}
	r := newRunner()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/workers=%d/batch=%d/rate=%d", tt.dispatch, tt.workers, tt.batch, tt.rate), func(t *testing.T) {
			p := bench.DefaultPlan([]string{"goroutine"})
			p.Workers, p.Batch, p.Window, p.Dispatch = []int{tt.workers}, []int{tt.batch}, []int{4}, tt.dispatch
			p.Tasks, p.Repetitions, p.Warmup = []int{tt.tasks}, 2, 100
			if tt.rate > 0 {
				p.Tasks, p.Rate, p.Duration, p.Window = []int{1}, []int{tt.rate}, workloads.Duration(200*time.Millisecond), []int{64}
			}
			res, err := r.Run(context.Background(), p, bench.CaptureEnv())
			if err != nil {
				t.Fatal(err)
			}
			c := res.Cells[0]
			var sum int64
			for _, rep := range c.Reps {
				if rep.Measurements < tt.repMin || rep.Measurements > tt.repMax || rep.Clamped != 0 {
					t.Errorf("round %d: %d measurements, %d clamped; want %d to %d, 0", rep.Round, rep.Measurements, rep.Clamped, tt.repMin, tt.repMax)
				}
				sum += rep.Measurements
			}
			if s := c.Summary; s.Measurements != sum || !slices.Equal(s.Thin, tt.thin) {
				t.Errorf("summary: %d measurements, thin %q; want %d, %q", s.Measurements, s.Thin, sum, tt.thin)
			}
		})
	}
}
