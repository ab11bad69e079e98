package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// topology is the topology the doctor's cells run on: the cheapest, so
// that what they measure is the harness.
const topology = "goroutine"

// Search bounds the ceiling search: it starts at Start tasks/s, halves
// until a step holds (not below Min) or doubles until one does not (not
// above Max), then bisects until the highest held and lowest failed rates
// are within Precision of each other.
type Search struct {
	Start, Min, Max int
	Precision       float64
}

// DefaultSearch returns the doctor's ceiling search: from 200k tasks/s,
// between 1k and 64M, to 15%.
func DefaultSearch() Search {
	return Search{Start: 200_000, Min: 1000, Max: 64_000_000, Precision: 0.15}
}

// Find searches for the highest rate try holds. try runs one step and
// reports whether it held; Find returns the highest rate held (0 if none)
// and the lowest that failed (0 if none), stopping at the first error.
func (s Search) Find(try func(rate int) (bool, error)) (held, failed int, err error) {
	rate := s.Start
	for {
		ok, err := try(rate)
		if err != nil {
			return held, failed, err
		}
		if ok {
			held = rate
		} else {
			failed = rate
		}
		switch {
		case ok && failed == 0 && rate <= s.Max/2:
			rate *= 2
			continue
		case !ok && held == 0 && rate > s.Min:
			rate = max(rate/2, s.Min)
			continue
		}
		break
	}
	for held > 0 && failed > 0 && float64(failed-held) > s.Precision*float64(held) {
		mid := held + (failed-held)/2
		ok, err := try(mid)
		if err != nil {
			return held, failed, err
		}
		if ok {
			held = mid
		} else {
			failed = mid
		}
	}
	return held, failed, nil
}

// ceilingWindow is the in-flight window of the ceiling cells: wide, so
// that the node's answers rarely hold the generator back.
const ceilingWindow = 256

// ceilingDefinition defines the generator's ceiling.
const ceilingDefinition = "the highest offered rate at which an open-loop cell (goroutine topology, 1 worker, batch %d, window %d, no work, %v per step) " +
	"achieved at least 95%% of the offered rate and was not flagged unreliable (generator lag p50 under 50µs and p99 under %v, see docs/measurement.md) in one of %d tries; found by halving or doubling from %d/s, then bisecting to %.0f%%"

// stepTries is the most cells a ceiling step runs: one more after a
// flagged one.
const stepTries = 2

// runStep runs one ceiling step: an open-loop cell at rate, once more if
// the first is flagged.
func runStep(ctx context.Context, r *bench.Runner, batch, rate int, step time.Duration) (results.DoctorStep, error) {
	var st results.DoctorStep
	for i := range stepTries {
		var err error
		if st, err = runCell(ctx, r, batch, rate, step); err != nil {
			return st, err
		}
		st.Tries = i + 1
		if st.Held {
			break
		}
	}
	return st, nil
}

// runCell runs one open-loop cell at rate.
func runCell(ctx context.Context, r *bench.Runner, batch, rate int, step time.Duration) (results.DoctorStep, error) {
	p := bench.DefaultPlan([]string{topology})
	p.Workers, p.Batch, p.Window = []int{1}, []int{batch}, []int{ceilingWindow}
	p.Rate, p.Duration = []int{rate}, workloads.Duration(step)
	p.Repetitions, p.Warmup = 1, 1000
	res, err := r.Run(ctx, p, bench.CaptureEnv())
	if err != nil {
		return results.DoctorStep{}, fmt.Errorf("doctor: ceiling at batch %d, %d/s: %w", batch, rate, err)
	}
	c := res.Cells[0]
	l := c.Summary.Load
	held := !l.Unreliable && c.Verify.OK() && l.Achieved.Mean >= results.MinAchieved*float64(rate)
	st := results.DoctorStep{Offered: rate, Achieved: l.Achieved.Mean, LagP99NS: l.LagP99NS, Held: held}
	var why []string
	for _, w := range c.Warnings {
		if strings.HasPrefix(w, "unreliable") || strings.HasPrefix(w, "saturated") {
			why = append(why, w)
		}
	}
	st.Reason = strings.Join(why, "; ")
	return st, nil
}

// measureCeiling searches the generator's ceiling at one batch size.
func measureCeiling(ctx context.Context, r *bench.Runner, s Search, batch int, step time.Duration) (results.DoctorCeiling, error) {
	c := results.DoctorCeiling{Batch: batch,
		Definition: fmt.Sprintf(ceilingDefinition, batch, ceilingWindow, step, results.LagWarn, stepTries, s.Start, 100*s.Precision)}
	var err error
	c.Held, c.Failed, err = s.Find(func(rate int) (bool, error) {
		st, err := runStep(ctx, r, batch, rate, step)
		if err == nil {
			c.Steps = append(c.Steps, st)
		}
		return st.Held, err
	})
	return c, err
}
