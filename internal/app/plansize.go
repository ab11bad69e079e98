package app

import (
	"fmt"
	"runtime"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// longRun is how long a run may take before snbench says, before it
// starts, how big the plan is and how long it will take at least.
const longRun = 30 * time.Second

// planSize returns the plan's cells, repetitions and tasks in all (warm-up
// included), and the least time the plan can take from what is known
// before anything runs: open-loop cells last their --duration, a fixed
// --wait holds each batch at least that long (a node serves at most
// window x batch tasks per wait), and --cpu burns that much CPU per task
// on at most min(workers, cores) cores. Zero when nothing bounds it.
func planSize(p results.Plan, cores int) (cells, reps int, tasks int64, least time.Duration) {
	keys := p.Keys()
	for _, k := range keys {
		n := int64(k.Tasks) + int64(p.Warmup)
		tasks += n * int64(p.Repetitions)
		var per time.Duration
		if k.Rate > 0 {
			per = p.Duration.D()
		}
		if w := p.Wait.D(); w > 0 {
			window := k.Window
			if window == results.WindowAuto {
				window = results.AutoMaxWindow // the largest it can choose: the least time
			}
			batches := float64(n) / float64(k.Workers*window*k.Batch)
			per = max(per, time.Duration(batches*float64(w)))
		}
		if c := p.CPU.D(); c > 0 {
			per = max(per, time.Duration(float64(n)*float64(c)/float64(min(k.Workers, max(cores, 1)))))
		}
		least += per * time.Duration(p.Repetitions)
	}
	return len(keys), p.Repetitions, tasks, least
}

// planLine is the line printed before a run that takes at least longRun,
// or "".
func planLine(p results.Plan) string {
	cells, reps, tasks, least := planSize(p, runtime.NumCPU())
	if least < longRun {
		return ""
	}
	return fmt.Sprintf("plan: %d cells x %d repetitions, %d tasks in all: at least %v (from --wait, --cpu and --duration alone; Ctrl-C stops it, keeping what was measured)",
		cells, reps, tasks, least.Round(time.Second))
}
