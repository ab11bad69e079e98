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

// TestWaitBoundOccupancy: where each node takes 2 ms a task and the
// coordinator microseconds, no slot waits for the coordinator, so by
// Little's law the occupancy is 1 less the edges of the pass (100 round
// trips per slot). A slot's batches follow one another (the next is
// submitted after the last was verified), so it can never exceed 1. With
// the shared queue (least-outstanding) the nodes finish within a task of
// each other and the cell's occupancy must reach 0.97; with round-robin's
// fixed shares a node slowed by a busy machine finishes later, and what
// its early peer's slots stood empty is DrainIdle: occupancy plus drain
// must reach 0.97 in every repetition.
func TestWaitBoundOccupancy(t *testing.T) {
	for _, tc := range []struct {
		dispatch string
		// cell is the least occupancy the cell must reach; rep the least
		// occupancy + drain each repetition must.
		cell, rep float64
	}{
		{results.DispatchLeastOutstanding, 0.97, 0.97},
		{results.DispatchRoundRobin, 0.9, 0.97},
	} {
		t.Run(tc.dispatch, func(t *testing.T) {
			p := smallPlan("goroutine", "subprocess")
			p.Workers, p.Tasks, p.Batch, p.Window, p.Warmup = []int{2}, []int{400}, []int{1}, []int{2}, 20
			p.Dispatch, p.Wait = tc.dispatch, workloads.Duration(2*time.Millisecond)
			res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Cells {
				for _, r := range c.Reps {
					t.Logf("%s round %d: occupancy %.4f, drain %.4f", c.Key, r.Round, r.Occupancy, r.DrainIdle)
					if r.Occupancy > 1 || r.Occupancy+r.DrainIdle < tc.rep {
						t.Errorf("%s round %d: occupancy %.4f + drain %.4f, want occupancy at most 1 and the sum at least %v",
							c.Key, r.Round, r.Occupancy, r.DrainIdle, tc.rep)
					}
				}
				if s := c.Summary.Occupancy; s < tc.cell || s > 1 {
					t.Errorf("%s: cell occupancy %.4f, want %v to 1", c.Key, s, tc.cell)
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
