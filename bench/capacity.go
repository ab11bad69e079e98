package bench

import (
	"context"
	"fmt"

	"github.com/snbench/snbench/bench/results"
)

// search runs a capacity search for every topology and scale of p (Rate
// and Tasks do not apply) and stores the steps as cells and the outcome in
// res.Capacity. It returns the first error that stopped a step (a node
// died, or ctx ended); the search stops there.
func (r *Runner) search(ctx context.Context, p Plan, res *results.Results) error {
	slo, err := results.ParseSLO(p.SLO)
	if err != nil {
		return err
	}
	base := p.Clone()
	base.Rate, base.Tasks = nil, base.Tasks[:1]
	seen := map[results.Key]bool{}
	done := 0
	for _, k := range base.Keys() {
		k.Tasks = 0
		if seen[k] {
			continue
		}
		seen[k] = true
		c := results.Capacity{Key: k}
		err := r.searchOne(ctx, p, slo, &c, res, func() {
			done++
			if r.Progress != nil {
				r.Progress(done, 0, k)
			}
		})
		res.Capacity = append(res.Capacity, c)
		if err != nil {
			return err
		}
	}
	return nil
}

// searchOne doubles the offered rate from Start until a step fails, then
// bisects between the last good and first bad rates to Precision.
func (r *Runner) searchOne(ctx context.Context, p Plan, slo results.SLO, c *results.Capacity, res *results.Results, tick func()) error {
	s := *p.Search
	run := func(rate int) (bool, error) {
		st, err := r.step(ctx, p, slo, c.Key, rate, res)
		c.Steps = append(c.Steps, st)
		tick()
		if err != nil {
			c.Error = err.Error()
			return false, err
		}
		if st.Pass && rate > c.MaxRate {
			c.MaxRate, c.MaxAchieved = rate, st.Achieved
		}
		return st.Pass, nil
	}
	good, bad := 0, 0
	for rate := s.Start; rate <= s.Max; rate *= 2 {
		ok, err := run(rate)
		if err != nil {
			return err
		}
		if !ok {
			bad = rate
			break
		}
		good = rate
		if rate > s.Max/2 {
			break
		}
	}
	for good > 0 && bad > 0 && float64(bad-good) > s.Precision*float64(good) {
		mid := good + (bad-good)/2
		ok, err := run(mid)
		if err != nil {
			return err
		}
		if ok {
			good = mid
		} else {
			bad = mid
		}
	}
	return nil
}

// step runs one offered rate for p.Repetitions repetitions, adds the cell
// to res, and judges it: every result verified, achieved at least
// MinAchieved of offered, and the SLO met on the corrected latency.
func (r *Runner) step(ctx context.Context, p Plan, slo results.SLO, k results.Key, rate int, res *results.Results) (results.Step, error) {
	k.Rate, k.Tasks = rate, p.TasksAt(rate)
	st := results.Step{Offered: rate}
	cell := results.Cell{Key: k, Dispatch: p.Dispatch, Status: results.StatusOK}
	var runErr error
	for round := range p.Repetitions {
		rep, err := r.runRep(ctx, p, k, round)
		if err != nil {
			cell.Status, cell.Error, runErr = results.StatusError, err.Error(), fmt.Errorf("capacity step %s: %w", k, err)
			cell.Abort = abortOf(err)
			st.Reason = "error: " + err.Error()
			break
		}
		cell.Reps = append(cell.Reps, *rep)
		noteRedispatch(&cell, rep)
	}
	if err := results.Summarize(&cell); err != nil {
		return st, err
	}
	res.Cells = append(res.Cells, cell)
	if runErr != nil {
		return st, runErr
	}
	sum := cell.Summary
	st.Achieved, st.P50, st.P99, st.P999 = sum.Load.Achieved.Mean, sum.Latency.P50, sum.Latency.P99, sum.Latency.P999
	st.Thin = sum.Thin
	var reasons []string
	if !cell.Verify.OK() {
		reasons = append(reasons, fmt.Sprintf("verification failed (%+v)", cell.Verify))
	}
	if st.Achieved < p.Search.MinAchieved*float64(rate) {
		reasons = append(reasons, fmt.Sprintf("achieved %.0f%% of offered", 100*st.Achieved/float64(rate)))
	}
	miss, err := slo.Check(cell.Latency)
	if err != nil {
		return st, err
	}
	if miss != "" {
		reasons = append(reasons, "SLO missed: "+miss)
	}
	st.Pass = len(reasons) == 0
	for i, why := range reasons {
		if i > 0 {
			st.Reason += "; "
		}
		st.Reason += why
	}
	return st, nil
}
