package bench_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/doctor"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/timing"
)

// TestOpenLoopLowLoad: at 3% of a cell's capacity, open-loop latency from
// the intended send time is within 100 us of the closed-loop round trip
// (batch 1, window 1: the cell's own probe on the same nodes) in every
// second of the series, or the cell is
// flagged unreliable with the reason. Every unflagged try must meet the
// bound and every flagged one must give its reason. The generator's wait
// must not hold a processor that the nodes and receivers need (on 2 cores,
// with default GOMAXPROCS, a sleeping generator used to add the interval to
// every latency), so goroutine nodes, which no process wake-up delays, must
// come out unflagged in one of five tries; process nodes on a VM may not
// (each request wakes two idle processes, 100-150 us here), and then the
// cell must say so.
//
// The generator sleeps on the same timer as anything else (internal/timing):
// when the machine itself wakes timers milliseconds late (a VM whose host
// is busy: on 2026-12-02 every try of both this session's first and last
// binary was flagged for a quarter of an hour, lag p99 2-4 ms, while at
// other times 1 of 12 tries was), the flag is right and the harness is not
// to blame. So after each flagged try the test measures the machine's own
// timer (1 s of 100 us waits on timing.Waiter, as the doctor does): a try
// whose generator lag p99 the machine's own worst lateness reaches half of
// is inconclusive. The worst, not the p99: one wake 4 ms late makes every
// task due in those 4 ms late (80 of them at 20k/s), so the generator's
// task-weighted p99 follows the rare long wakes (measured: the machine's
// own p99 0.8-1.4 ms while the generator's lag p99 was 3-4 ms). The test fails only when the machine's timers were prompt
// and the generator still fell behind in every try; when every try was
// inconclusive it skips, saying so with the figures.
func TestOpenLoopLowLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	for _, topo := range []string{"goroutine", "subprocess", "tcp"} {
		t.Run(topo, func(t *testing.T) {
			var flagged, machine []string
			tries := 3 // process nodes: flagged or not, each try only logs
			if topo == "goroutine" {
				tries = 5
			}
			for try := range tries {
				msg, ok, lagP99 := lowLoadTry(t, topo)
				t.Logf("try %d: %s", try+1, msg)
				if ok {
					return
				}
				late := timerLateMax(t)
				if late >= lagP99/2 {
					machine = append(machine, fmt.Sprintf("generator lag p99 %v, the machine's own timer at worst late %v", lagP99, late))
					continue
				}
				flagged = append(flagged, fmt.Sprintf("%s (the machine's own timer at worst late %v)", msg, late))
			}
			if topo != "goroutine" {
				t.Logf("flagged, with the reason, in %d tries: this machine's process wake-ups are slower than the bound", tries)
				return
			}
			if len(flagged) > 0 {
				t.Fatalf("%d tries flagged while the machine's timers were prompt: %v", len(flagged), flagged)
			}
			t.Skipf("every try inconclusive: this machine woke its own timers late enough to explain the generator's lag (%s); the bound cannot be checked here now", strings.Join(machine, "; "))
		})
	}
}

// timerLateMax is the machine's own timer lateness now: the worst of 1 s
// of 100 us waits on timing.Waiter, as the doctor measures it.
func timerLateMax(t *testing.T) time.Duration {
	t.Helper()
	return timerLate(t, 100*time.Microsecond, time.Second, 1)
}

// timerLate is the q-quantile of how late the machine's own timer wakes
// from waits of d on timing.Waiter, the waiter the workload's --wait and
// the generator use, over waits for about span.
func timerLate(t *testing.T, d, span time.Duration, q float64) time.Duration {
	t.Helper()
	w, err := timing.NewWaiter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var late []int64
	for start := time.Now(); time.Since(start) < span; {
		late = append(late, doctor.Lateness(func(d time.Duration) { _ = w.Sleep(d) }, d, 10)...)
	}
	return time.Duration(doctor.NearestRank(late, q))
}

// lowLoadTry measures the closed-loop round trip, then offers 3% of the
// capacity it implies. It fails the test if an unflagged cell at low load
// misses the bound, and reports whether the cell came out unflagged at low
// load (a busy machine can make the cell's own unloaded round trip, and so
// its utilization, come out higher: that try settles nothing).
func lowLoadTry(t *testing.T, topo string) (string, bool, time.Duration) {
	t.Helper()
	p := bench.DefaultPlan([]string{topo})
	p.Workers, p.Batch, p.Window, p.Tasks = []int{2}, []int{1}, []int{1}, []int{4000}
	p.Repetitions, p.Warmup = 1, 500
	res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	closed := time.Duration(res.Cells[0].Summary.Latency.P50)
	rate := min(int(0.03*2/closed.Seconds()), 20000)
	o := openPlan(topo, rate, 2*time.Second)
	o.Window, o.Warmup = []int{4}, 500
	res, err = newRunner().Run(context.Background(), o, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	l := c.Summary.Load
	var worst results.Second
	for _, s := range c.Reps[0].Load.Series {
		if s.Count >= results.MinSecondCount && s.P50 > worst.P50 {
			worst = s
		}
	}
	msg := fmt.Sprintf("closed-loop p50 %v, %d/s offered: worst second %d p50 %v, probe %v, utilization %.3f, lag p50 %v p99 %v, unreliable %v %v",
		closed, rate, worst.T, time.Duration(worst.P50), time.Duration(l.ProbeP50NS), l.Utilization,
		time.Duration(l.LagP50NS), time.Duration(l.LagP99NS), l.Unreliable, c.Warnings)
	if l.Unreliable {
		if !strings.Contains(strings.Join(c.Warnings, "\n"), "unreliable: ") {
			t.Errorf("an unreliable cell gives no reason: %q", c.Warnings)
		}
		return msg, false, time.Duration(l.LagP99NS)
	}
	if l.Utilization > results.LowLoad {
		return msg, false, time.Duration(l.LagP99NS)
	}
	if l.Utilization <= 0 {
		t.Errorf("utilization %.3f: the round-trip probe did not run", l.Utilization)
	}
	// The yardstick is the cell's own probe, a closed-loop batch-1
	// window-1 pass on the same nodes right after the open loop (the
	// closed-loop cell measured apart, on a fresh cluster, only sets the
	// rate: on this VM the two have come out 50 and 124 us): every second
	// of an unflagged cell must be within 100 us of it.
	probe := time.Duration(l.ProbeP50NS)
	if excess := time.Duration(worst.P50) - probe; excess > 100*time.Microsecond {
		t.Errorf("unflagged cell: second %d p50 %v is %v above the unloaded round trip %v", worst.T, time.Duration(worst.P50), excess, probe)
	}
	return msg, true, 0
}
