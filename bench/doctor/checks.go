package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// Check names.
const (
	CheckFixedWait = "fixed wait"
	CheckStall     = "coordinated omission"
	CheckUSL       = "usl fit"
)

// part compares got with the band [lo, hi] around want.
func part(figure, unit string, got, want, lo, hi float64) results.DoctorPart {
	return results.DoctorPart{Figure: figure, Unit: unit, Got: got, Want: want, Lo: lo, Hi: hi, Pass: got >= lo && got <= hi}
}

// check makes a known-answer check that passes when all its parts do.
func check(name, definition string, parts ...results.DoctorPart) results.DoctorCheck {
	c := results.DoctorCheck{Name: name, Pass: true, Parts: parts, Tries: 1, Definition: definition}
	for _, p := range parts {
		c.Pass = c.Pass && p.Pass
	}
	return c
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// The fixed-wait cell: closed loop, one worker, batch 1, window 1, every
// task waiting waitFor on its node.
const (
	waitFor   = time.Millisecond
	waitTasks = 200
)

// FixedWaitCheck judges a fixed-wait cell's service and latency medians:
// the service p50 must be within 5% of the 1 ms wait, and the latency p50
// between 1 ms (no task finishes before its wait) and 1.1 ms (the 10% above
// covers a round trip through the goroutine topology on a busy machine).
func FixedWaitCheck(serviceP50, latencyP50 time.Duration) results.DoctorCheck {
	w := ms(waitFor)
	return check(CheckFixedWait,
		fmt.Sprintf("closed loop, goroutine topology, 1 worker, batch 1, window 1, %d tasks each waiting %v (the node wait, timing.Waiter) on the node: "+
			"service p50 (the node's own time per task) within 5%% of %v, latency p50 (submit to verified) in [%v, %v]",
			waitTasks, waitFor, waitFor, waitFor, waitFor*11/10),
		part("service p50", "ms", ms(serviceP50), w, 0.95*w, 1.05*w),
		part("latency p50", "ms", ms(latencyP50), w, w, 1.1*w))
}

// runFixedWait runs the fixed-wait cell and judges it.
func runFixedWait(ctx context.Context, r *bench.Runner) (results.DoctorCheck, error) {
	p := bench.DefaultPlan([]string{topology})
	p.Workers, p.Batch, p.Window, p.Tasks = []int{1}, []int{1}, []int{1}, []int{waitTasks}
	p.Repetitions, p.Warmup = 1, 20
	p.Wait = workloads.Duration(waitFor)
	res, err := r.Run(ctx, p, bench.CaptureEnv())
	if err != nil {
		return results.DoctorCheck{}, fmt.Errorf("doctor: %s: %w", CheckFixedWait, err)
	}
	s := res.Cells[0].Summary
	return FixedWaitCheck(time.Duration(s.Service.P50), time.Duration(s.Latency.P50)), nil
}

// The stall cell: open loop at stallRate for stallRun (stallTasks tasks),
// one worker, batch 1, window 1; the node pauses stallFor at task stallID.
const (
	stallRate  = 2000
	stallRun   = 500 * time.Millisecond
	stallTasks = 1000 // stallRate x stallRun
	stallID    = 200
	stallFor   = 50 * time.Millisecond
)

// StallFigures is what the stall cell measured.
type StallFigures struct {
	// Stall is the node's longest service time: the stall as it happened.
	Stall time.Duration
	// P99 and Max are the corrected latency's (from each task's due time);
	// UncorrectedP99 is from each task's actual send.
	P99, Max, UncorrectedP99 time.Duration
}

// StallCheck compares a stall cell's latencies with the closed form
// (StallQuantile) for the stall it measured: corrected p99 and max within
// 1 ms + 5% of the stall of the closed form's, and the uncorrected p99
// below a tenth of the stall (coordinated omission hides it there).
func StallCheck(f StallFigures) results.DoctorCheck {
	interval := time.Second / stallRate
	s := f.Stall
	tol := ms(time.Millisecond) + 0.05*ms(s)
	want99 := ms(StallQuantile(s, interval, stallTasks, 0.99))
	return check(CheckStall,
		fmt.Sprintf("open loop at %d/s for %v (%d tasks), goroutine topology, 1 worker, batch 1, window 1; the node stalls once, for about %v, at task %d, and S is that stall as the node measured it (its longest service time). "+
			"Closed form: the corrected latencies of the tasks due during the stall fall uniformly from S to 0, so p99 = S - %d x %v; "+
			"corrected p99 and max within 1 ms + 5%% of S of it, uncorrected p99 (from the actual send) under S/10",
			stallRate, stallRun, stallTasks, stallFor, stallID, stallTasks-stallTasks*99/100, interval),
		part("corrected p99", "ms", ms(f.P99), want99, want99-tol, want99+tol),
		part("corrected max", "ms", ms(f.Max), ms(s), ms(s)-tol, ms(s)+tol),
		part("uncorrected p99", "ms", ms(f.UncorrectedP99), 0, 0, ms(s)/10))
}

// runStall runs the stall cell and judges it.
func runStall(ctx context.Context, r *bench.Runner) (results.DoctorCheck, error) {
	p := bench.DefaultPlan([]string{topology})
	p.Workload = stallName
	p.Workers, p.Batch, p.Window = []int{1}, []int{1}, []int{1}
	p.Rate, p.Duration = []int{stallRate}, workloads.Duration(stallRun)
	p.Repetitions, p.Warmup = 1, 0
	res, err := r.Run(ctx, p, bench.CaptureEnv())
	if err != nil {
		return results.DoctorCheck{}, fmt.Errorf("doctor: %s: %w", CheckStall, err)
	}
	c := res.Cells[0]
	if c.Verify.Verified != stallTasks || c.Summary.Load == nil {
		return results.DoctorCheck{}, fmt.Errorf("doctor: %s: %d of %d tasks verified", CheckStall, c.Verify.Verified, stallTasks)
	}
	s := c.Summary
	return StallCheck(StallFigures{Stall: time.Duration(s.Service.Max), P99: time.Duration(s.Latency.P99),
		Max: time.Duration(s.Latency.Max), UncorrectedP99: time.Duration(s.Load.Uncorrected.P99)}), nil
}

// retry runs f until its check passes or it has run tries times, and
// records the tries in the check.
func retry(ctx context.Context, tries int, f func(context.Context) (results.DoctorCheck, error)) (results.DoctorCheck, error) {
	var c results.DoctorCheck
	for i := range max(tries, 1) {
		var err error
		if c, err = f(ctx); err != nil {
			return c, err
		}
		c.Tries = i + 1
		if c.Pass {
			break
		}
	}
	return c, nil
}
