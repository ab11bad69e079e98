package bench

import (
	"fmt"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// Bounds of noteOverrun: a node's service time per batch may exceed the
// plan's per-task wait, times the batch, by this share plus this
// much before the cell says the machine did not keep the fixed delay.
const (
	overrunShare = 0.05
	overrunSlack = 20 * time.Microsecond
	// cpuBusyShare is the share of the cores a fixed-delay cell may keep
	// busy before CPU, not the wait, may be what limits it.
	cpuBusyShare = 0.5
)

// usableCores is the smaller of the machine's cores and GOMAXPROCS, or 0
// if the environment does not say.
func usableCores(e results.Env) int {
	if e.GOMAXPROCS > 0 && (e.Cores == 0 || e.GOMAXPROCS < e.Cores) {
		return e.GOMAXPROCS
	}
	return e.Cores
}

// noteOverrun adds a caveat to each cell of a fixed-delay plan (a wait,
// no CPU burn) whose nodes could not keep the delay: the service time a
// node measured per batch (p50) came out above batch x wait by more than
// overrunShare. A wait that wakes late (a coarse or busy timer) shows
// here, and the known answer of a fixed-delay run (throughput = workers x
// window x batch / (wait + round trip)) does not hold for that cell. With
// a CPU burn, service time above the burn is the scheduler sharing the
// cores, which the throughput already shows, so no caveat is added. A
// fixed-delay cell whose CPU per task kept the cores over half busy says
// that CPU may set its throughput instead of the wait.
func noteOverrun(res *results.Results) {
	per := res.Plan.Wait.D()
	if per <= 0 || res.Plan.CPU > 0 {
		return
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Summary.Reps == 0 {
			continue
		}
		want := per * time.Duration(c.Batch)
		got := time.Duration(c.Summary.Service.P50)
		if got > want+time.Duration(overrunShare*float64(want))+overrunSlack {
			c.Warnings = append(c.Warnings, fmt.Sprintf("overrun: nodes took %v per batch (service p50) for %v of waiting: this machine did not keep the fixed delay, so throughput is below workers x window x batch / (wait + round trip)",
				got.Round(time.Microsecond), want))
		}
		if cores := usableCores(res.Env); cores > 0 {
			busy := c.Summary.Throughput.Mean * c.Summary.CPUPerTaskNS / 1e9 / float64(cores)
			if busy > cpuBusyShare {
				c.Warnings = append(c.Warnings, fmt.Sprintf("cpu-bound: moving and waking for each task cost %v of CPU, keeping the %d cores %.0f%% busy: CPU, not the wait, may set this cell's throughput",
					time.Duration(c.Summary.CPUPerTaskNS).Round(time.Microsecond), cores, 100*busy))
			}
		}
	}
}
