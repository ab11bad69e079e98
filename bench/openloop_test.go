package bench_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

func openPlan(topo string, rate int, d time.Duration) bench.Plan {
	p := bench.DefaultPlan([]string{topo})
	p.Workers, p.Batch, p.Window = []int{2}, []int{1}, []int{256}
	p.Rate, p.Duration = []int{rate}, workloads.Duration(d)
	p.Repetitions, p.Warmup = 1, 0
	return p
}

// TestOpenLoopFixedWait: 1 ms of wait per task at a rate far below
// capacity gives a median within 10% of 1 ms, and the generator holds the
// rate within 1%. A busy machine (the race detector, other test binaries)
// can delay any one run, so the bound must hold in one of three tries. A
// try whose p50 is over the bound because the machine's own timer wakes
// late (0.2 s of 1 ms waits on timing.Waiter, the waiter the workload
// sleeps on, late by half the excess or more at the median) is
// inconclusive: the test skips, with the figures, when every try was.
func TestOpenLoopFixedWait(t *testing.T) {
	var failures, machine []string
	for try := range 3 {
		p := openPlan("goroutine", 400, time.Second)
		p.Wait = workloads.Duration(time.Millisecond)
		res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
		if err != nil {
			t.Fatal(err)
		}
		c := res.Cells[0]
		l := c.Summary.Load
		if l == nil || l.Offered != 400 || c.Verify.Verified != 400 {
			t.Fatalf("load summary %+v, verified %d of 400", l, c.Verify.Verified)
		}
		p50 := time.Duration(c.Summary.Latency.P50)
		t.Logf("try %d: p50 %v, achieved %.1f/s, lag p99 %v max %v", try+1, p50, l.Achieved.Mean,
			time.Duration(l.LagP99NS), time.Duration(l.LagMaxNS))
		switch a := l.Achieved.Mean; {
		case p50 < time.Millisecond:
			failures = append(failures, fmt.Sprintf("p50 %v, below the 1ms wait", p50))
		case p50 > 1100*time.Microsecond:
			msg := fmt.Sprintf("p50 %v, want within 10%% of 1ms", p50)
			excess := p50 - time.Millisecond
			if late := timerLate(t, time.Millisecond, 200*time.Millisecond, 0.5); late >= excess/2 {
				machine = append(machine, fmt.Sprintf("%s; the machine's own 1 ms waits late %v at the median", msg, late))
				continue
			} else {
				msg = fmt.Sprintf("%s (the machine's own 1 ms waits late %v at the median)", msg, late)
			}
			failures = append(failures, msg)
		case a < 0.99*400 || a > 1.01*400:
			failures = append(failures, fmt.Sprintf("achieved %.1f tasks/s of 400 offered", a))
		default:
			return
		}
	}
	if len(failures) > 0 {
		t.Fatalf("%d of three tries failed with nothing on the machine to explain it: %v", len(failures), failures)
	}
	t.Skipf("every try inconclusive: the machine explains the lateness (%s); the known answer cannot be checked here now", strings.Join(machine, "; "))
}

// TestGeneratorHoldsRate: a modest rate is held within 1% with constant and
// Poisson arrivals.
func TestGeneratorHoldsRate(t *testing.T) {
	for _, arrivals := range []string{results.ArrivalsConstant, results.ArrivalsPoisson} {
		t.Run(arrivals, func(t *testing.T) {
			p := openPlan("goroutine", 20000, time.Second)
			p.Arrivals, p.Batch, p.Window = arrivals, []int{8}, []int{64}
			res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
			if err != nil {
				t.Fatal(err)
			}
			l := res.Cells[0].Summary.Load
			tol := 0.01
			if arrivals == results.ArrivalsPoisson {
				tol = 0.05 // 20000 exponential gaps: the total has ~0.7% SD, and the last task ends it
			}
			if a := l.Achieved.Mean; a < (1-tol)*20000 || a > (1+tol)*20000 {
				t.Errorf("achieved %.0f tasks/s of 20000", a)
			}
			if len(res.Cells[0].Reps[0].Load.Series) == 0 {
				t.Error("no per-second series")
			}
		})
	}
}

// stalling is a doubling workload whose node pauses for 100 ms when it
// serves task 500 (once: every task is served once).
type stalling struct{ workloads.Workload }

func (s stalling) Serve(in *workloads.Batch, out *workloads.Result) {
	for _, id := range in.IDs {
		if id == 500 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	s.Workload.Serve(in, out)
}

// TestStallShowsInCorrectedLatency: a node that stalls for 100 ms with a
// window of one task in flight makes the generator wait. Latency from the
// intended send time shows the stall at p99; latency from the actual send
// (what coordinated omission reports) hides it.
func TestStallShowsInCorrectedLatency(t *testing.T) {
	wl := workloads.DefaultRegistry()
	wl.Register("stalling", "stalls once", func(s workloads.Spec) (workloads.Workload, error) {
		s.Name = "doubling"
		d, err := workloads.NewDoubling(s)
		return stalling{Workload: d}, err
	})
	r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}
	p := openPlan("goroutine", 2000, time.Second)
	p.Workload, p.Window = "stalling", []int{1}
	// A busy machine can freeze the generator itself for tens of
	// milliseconds, which is honest lag; the stall must come out as
	// backpressure, not lag, in one of three tries.
	var failures []string
	for try := range 3 {
		res, err := r.Run(context.Background(), p, bench.CaptureEnv())
		if err != nil {
			t.Fatal(err)
		}
		s := res.Cells[0].Summary
		corrected, uncorrected := time.Duration(s.Latency.P99), time.Duration(s.Load.Uncorrected.P99)
		t.Logf("try %d: corrected p99 %v, uncorrected p99 %v, max %v, bound hits %d, longest wait for a slot %v, lag p99 %v max %v",
			try+1, corrected, uncorrected, time.Duration(s.Latency.Max), s.Load.BoundHits,
			time.Duration(s.Load.BoundMaxNS), time.Duration(s.Load.LagP99NS), time.Duration(s.Load.LagMaxNS))
		if corrected < 30*time.Millisecond {
			t.Errorf("corrected p99 %v does not show the 100ms stall", corrected)
		}
		if uncorrected > 20*time.Millisecond {
			t.Errorf("uncorrected p99 %v: the stall should hide from it", uncorrected)
		}
		if s.Load.BoundHits == 0 {
			t.Error("the full window was never counted")
		}
		// The stall is the system's: the generator waited for a slot, and
		// that wait is backpressure, not generator lag (which would make
		// the cell unreliable and blame the harness).
		if stall := time.Duration(s.Load.BoundMaxNS); stall < 50*time.Millisecond {
			t.Errorf("longest wait for a slot %v, want most of the 100ms stall", stall)
		}
		if t.Failed() {
			return
		}
		if lag := time.Duration(s.Load.LagMaxNS); lag < 50*time.Millisecond {
			return
		}
		failures = append(failures, fmt.Sprintf("generator lag max %v, warnings %q", time.Duration(s.Load.LagMaxNS), res.Cells[0].Warnings))
	}
	t.Errorf("the stall was blamed on the generator in three tries: %v", failures)
}

// TestCapacitySearch: the search on the goroutine topology ends in bounded
// time with a sustainable rate no higher than what the closed loop
// measures on the same cluster shape.
func TestCapacitySearch(t *testing.T) {
	closed := bench.DefaultPlan([]string{"goroutine"})
	closed.Workers, closed.Tasks, closed.Batch, closed.Window, closed.Repetitions = []int{2}, []int{300000}, []int{64}, []int{16}, 3
	cres, err := newRunner().Run(context.Background(), closed, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	ceiling := cres.Cells[0].Summary.Throughput.Hi

	p := closed
	p.Repetitions, p.Warmup = 1, 1000
	p.Duration = workloads.Duration(200 * time.Millisecond)
	p.Search = &results.Search{Start: 100_000, Max: 256_000_000, Precision: 0.25, MinAchieved: 0.95}
	p.SLO = "p99<50ms"
	start := time.Now()
	res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("search took %v", d)
	}
	if len(res.Capacity) != 1 {
		t.Fatalf("%d capacity results", len(res.Capacity))
	}
	c := res.Capacity[0]
	t.Logf("closed loop %.3g tasks/s (CI hi %.3g); capacity %d tasks/s after %d steps", cres.Cells[0].Summary.Throughput.Mean, ceiling, c.MaxRate, len(c.Steps))
	for _, s := range c.Steps {
		t.Logf("  offered %d achieved %.0f p99 %v pass %v %s", s.Offered, s.Achieved, time.Duration(s.P99), s.Pass, s.Reason)
	}
	if c.MaxRate <= 0 || float64(c.MaxRate) > 1.25*ceiling {
		t.Errorf("capacity %d outside (0, 1.25 x closed-loop %.3g]", c.MaxRate, ceiling)
	}
	if len(res.Cells) != len(c.Steps) {
		t.Errorf("%d step cells for %d steps", len(res.Cells), len(c.Steps))
	}
	for i := range min(len(res.Cells), len(c.Steps)) {
		// The first step, batch 64 at 100k/s for 0.2 s, has 313
		// measurements: 3.1 beyond p99.
		st, sum := c.Steps[i], res.Cells[i].Summary
		if !slices.Equal(st.Thin, sum.Thin) || (i == 0 && !slices.Contains(sum.Thin, "p99")) {
			t.Errorf("step %d: thin %q, its cell's %q (measurements %d); want equal, the first with p99", i, st.Thin, sum.Thin, sum.Measurements)
		}
	}
	// The search ends at the maximum rate, or with the lowest failing
	// rate within the precision of the highest passing one.
	minFail := 0
	for _, st := range c.Steps {
		if !st.Pass && (minFail == 0 || st.Offered < minFail) {
			minFail = st.Offered
		}
	}
	if minFail == 0 {
		if c.MaxRate < p.Search.Max/2 {
			t.Errorf("no step failed, yet the search stopped at %d, below the maximum %d", c.MaxRate, p.Search.Max)
		}
	} else if c.MaxRate > 0 && float64(minFail-c.MaxRate) > p.Search.Precision*float64(c.MaxRate)+1 {
		t.Errorf("search stopped with passing %d and failing %d further apart than %.0f%%", c.MaxRate, minFail, 100*p.Search.Precision)
	}
}
