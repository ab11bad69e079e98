package doctor

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// NearestRank returns the q-quantile (0 < q ≤ 1) of xs by nearest rank:
// the r-th smallest value with r = ceil(q·n), at least 1. It sorts xs in
// place and returns 0 for an empty slice.
func NearestRank(xs []int64, q float64) int64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	r := int(math.Ceil(q * float64(len(xs))))
	r = min(max(r, 1), len(xs))
	return xs[r-1]
}

// Lateness runs wait(d) n times and returns how late each returned:
// elapsed (time.Now before and after) minus d, in ns.
func Lateness(wait func(time.Duration), d time.Duration, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		start := time.Now()
		wait(d)
		out[i] = int64(time.Since(start) - d)
	}
	return out
}

// wakeDefinition defines the wake-up figures.
const wakeDefinition = "lateness of a %v wait: its elapsed time (time.Now before and after) minus %v, " +
	"over %d waits in a row; p50 and p99 by nearest rank"

// measureWake measures the wake-up error of one wait primitive.
func measureWake(name string, wait func(time.Duration), d time.Duration, n int) results.DoctorWake {
	late := Lateness(wait, d, n)
	return results.DoctorWake{
		Primitive: name, RequestedNS: int64(d), Samples: n,
		P50NS: NearestRank(late, 0.50), P99NS: NearestRank(late, 0.99),
		Definition: fmt.Sprintf(wakeDefinition, d, d, n),
	}
}

// PerCall returns the median over runs of the time per call of f, in ns,
// each run timing n calls in a loop (the loop's own cost is included).
func PerCall(f func(), n, runs int) float64 {
	per := make([]int64, runs)
	for i := range per {
		start := time.Now()
		for range n {
			f()
		}
		per[i] = int64(time.Since(start))
	}
	return float64(NearestRank(per, 0.5)) / float64(n)
}

// clockCalls and clockRuns size the clock-cost measurement: many short
// runs, so that most are not interrupted by other processes on a busy
// machine and the median is the clock's own cost.
const clockCalls, clockRuns = 2000, 101

// measureClock measures the cost of time.Now.
func measureClock() results.DoctorFigure {
	var last time.Time
	ns := PerCall(func() { last = time.Now() }, clockCalls, clockRuns)
	_ = last
	return results.DoctorFigure{Value: ns, Unit: "ns",
		Definition: fmt.Sprintf("cost of one time.Now: the median over %d runs of (elapsed of %d calls in a loop) / %d", clockRuns, clockCalls, clockCalls)}
}
