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
		overrun := got > want+time.Duration(overrunShare*float64(want))+overrunSlack
		if overrun {
			c.Warnings = append(c.Warnings, fmt.Sprintf("overrun: nodes took %v per batch (service p50) for %v of waiting: this machine did not keep the fixed delay, so throughput is below workers x window x batch / (wait + round trip)",
				got.Round(time.Microsecond), want))
		}
		busy := false
		if cores := usableCores(res.Env); cores > 0 {
			share := c.Summary.Throughput.Mean * c.Summary.CPUPerTaskNS / 1e9 / float64(cores)
			if busy = share > cpuBusyShare; busy {
				c.Warnings = append(c.Warnings, fmt.Sprintf("cpu-bound: moving and waking for each task cost %v of CPU, keeping the %d cores %.0f%% busy: CPU, not the wait, may set this cell's throughput",
					time.Duration(c.Summary.CPUPerTaskNS).Round(time.Microsecond), cores, 100*share))
			}
		}
		if !overrun && !busy {
			if w := wakeLate(c, want); w != "" {
				c.Warnings = append(c.Warnings, w)
			}
		}
	}
}

// wakeShare is how far below its known answer a fixed-delay cell's
// throughput may fall before wakeLate explains the shortfall.
const wakeShare = 0.10

// wakeLate is the caveat for a closed-loop fixed-delay cell whose nodes
// kept the wait (service p50 near batch x wait, here want) and whose
// cores were not busy, but whose throughput fell more than wakeShare
// below the known answer workers x window x batch / (want + the no-wait
// round trip): the batches spent longer outside the wait (latency p50 -
// service p50) than the same topology's round trip with no wait. What
// takes the difference is a process, idle through the wait, waking when
// the batch or its result arrives: the platform's wake-up (a VM's idle
// vCPU, a deep C-state), which the hot no-wait round trip does not pay.
// "" when the answer held, or without a no-wait round trip.
func wakeLate(c *results.Cell, want time.Duration) string {
	s := c.Summary
	rt := time.Duration(s.NoWaitRTNS)
	if rt <= 0 || c.Rate > 0 || s.Throughput.Mean <= 0 {
		return ""
	}
	answer := float64(c.Workers*c.WindowUsed()*c.Batch) / (want + rt).Seconds()
	if s.Throughput.Mean >= (1-wakeShare)*answer {
		return ""
	}
	transit := time.Duration(s.Latency.P50 - s.Service.P50)
	return fmt.Sprintf("wake-late: %s is %.1f%% below workers x window x batch / (wait + no-wait round trip %v) = %s: batches spent %v outside the wait (latency p50 - service p50) against %v with no wait, so a process idle through the wait wakes late on this machine; this cell measures the platform's wake-up, not the topology",
		results.FormatRate(s.Throughput.Mean), 100*(1-s.Throughput.Mean/answer), rt.Round(time.Microsecond), results.FormatRate(answer),
		transit.Round(time.Microsecond), rt.Round(time.Microsecond))
}
