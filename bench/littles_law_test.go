package bench_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// TestWaitBoundOccupancy: where each node takes 5 ms a task and the
// coordinator microseconds, no slot waits for the coordinator, so by
// Little's law the occupancy is 1 less the edges of the pass (100 round
// trips per slot). A slot's batches follow one another (the next is
// submitted after the last was verified), so it can never exceed 1. With
// the shared queue (least-outstanding) the nodes finish within a task of
// each other and the cell's occupancy must reach 0.97; with round-robin's
// fixed shares a node slowed by a busy machine may finish later, and what
// its early peer's slots stood empty is DrainIdle: occupancy plus drain
// must reach 0.97. A repetition may lose a few percent to a machine so
// busy that the coordinator waits for a core; none may fall below 0.9.
func TestWaitBoundOccupancy(t *testing.T) {
	for _, tc := range []struct {
		dispatch string
		topos    []string
	}{
		{results.DispatchLeastOutstanding, []string{"goroutine", "subprocess"}},
		{results.DispatchRoundRobin, []string{"goroutine"}},
	} {
		t.Run(tc.dispatch, func(t *testing.T) {
			p := smallPlan(tc.topos...)
			p.Workers, p.Tasks, p.Batch, p.Window, p.Warmup = []int{2}, []int{400}, []int{1}, []int{2}, 20
			p.Dispatch, p.Wait = tc.dispatch, workloads.Duration(5*time.Millisecond)
			res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Cells {
				var drain float64
				for _, r := range c.Reps {
					t.Logf("%s round %d: occupancy %.4f, drain %.4f", c.Key, r.Round, r.Occupancy, r.DrainIdle)
					if r.Occupancy > 1 || r.Occupancy+r.DrainIdle < 0.9 {
						t.Errorf("%s round %d: occupancy %.4f + drain %.4f, want occupancy at most 1 and the sum at least 0.9",
							c.Key, r.Round, r.Occupancy, r.DrainIdle)
					}
					drain += r.DrainIdle / float64(len(c.Reps))
				}
				if tc.dispatch != results.DispatchRoundRobin {
					drain = 0 // the shared queue leaves nothing to blame on the split
				}
				if s := c.Summary.Occupancy; s > 1 || s+drain < 0.97 {
					t.Errorf("%s: cell occupancy %.4f (+ drain %.4f), want at least 0.97 and at most 1", c.Key, s, drain)
				}
				for _, w := range c.Warnings {
					if strings.Contains(w, "occupancy") {
						t.Errorf("%s: %q on a wait-bound cell", c.Key, w)
					}
				}
			}
		})
	}
}

// TestHarnessBoundOccupancyBounded: with no work and batch 64 the
// coordinator sets the pace, which the occupancy may show; whatever it
// is, it is a share of the window, in (0, 1].
func TestHarnessBoundOccupancyBounded(t *testing.T) {
	p := smallPlan("goroutine")
	p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{2}, []int{50000}, 2, 1000
	res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		for _, r := range c.Reps {
			t.Logf("%s round %d: occupancy %.4f, drain %.4f", c.Key, r.Round, r.Occupancy, r.DrainIdle)
			if r.Occupancy <= 0 || r.Occupancy > 1 || r.DrainIdle < 0 || r.Occupancy+r.DrainIdle > 1 {
				t.Errorf("%s round %d: occupancy %.4f, drain %.4f, want both shares of the window", c.Key, r.Round, r.Occupancy, r.DrainIdle)
			}
		}
	}
}
