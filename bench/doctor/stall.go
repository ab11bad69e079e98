package doctor

import (
	"math"
	"time"

	"github.com/snbench/snbench/workloads"
)

// The coordinated-omission closed form. Tasks are due every interval I, N
// of them (a run of T = N·I); the system answers at once except that one
// task, due at t, takes S > 0 (a stall), and with one task in flight the
// tasks due during the stall wait behind it. Measured from its due time,
// the task due j intervals after the stalled one then completes at t + S
// and has latency S − j·I, for j = 0 … ceil(S/I) − 1; every other task has
// latency 0. So the latencies of the tasks that arrived during the stall
// fall uniformly from S down to 0, and
//
//	fraction above x = ceil((S − x)/I) / N  ≈  (S − x)/T  for 0 ≤ x < S,
//
// whatever the rate: a stall of S in a run of T puts (S − x)/T of the tasks
// above x. A tool that stamps the actual send instead sees one slow task.

// StallAbove returns the fraction of the N tasks whose latency exceeds x
// (0 ≤ x) under the closed form above.
func StallAbove(s, interval time.Duration, n int, x time.Duration) float64 {
	if x >= s || n <= 0 || interval <= 0 {
		return 0
	}
	k := math.Ceil(float64(s-x) / float64(interval))
	return math.Min(k, float64(n)) / float64(n)
}

// StallQuantile returns the q-quantile (0 < q ≤ 1) of the latencies under
// the closed form above, with HdrHistogram's rank: the r-th smallest of the
// N latencies with r = floor(q·N + 1/2), at least 1. The r-th smallest is
// the (N − r + 1)-th largest, S − (N − r)·I, when that task arrived during
// the stall, else 0.
func StallQuantile(s, interval time.Duration, n int, q float64) time.Duration {
	r := max(1, int(math.Floor(q*float64(n)+0.5)))
	j := n - min(r, n) // the r-th smallest is latency S − j·I
	if interval <= 0 || time.Duration(j)*interval >= s {
		return 0
	}
	return s - time.Duration(j)*interval
}

// stallWorkload is a workload whose node pauses for d once, when it serves
// task id: every task is served once.
type stallWorkload struct {
	workloads.Workload
	id uint64
	d  time.Duration
}

// Serve pauses if the batch holds the stalling task, then serves it.
func (s stallWorkload) Serve(in *workloads.Batch, out *workloads.Result) {
	for _, id := range in.IDs {
		if id == s.id {
			time.Sleep(s.d)
		}
	}
	s.Workload.Serve(in, out)
}

// stallName is the stalling workload's name in the doctor's registry.
const stallName = "doctor-stall"

// registerStall adds the stalling workload (doubling, with a pause of d at
// task id) to wl.
func registerStall(wl *workloads.Registry, id uint64, d time.Duration) {
	wl.Register(stallName, "doubling, with one stall", func(s workloads.Spec) (workloads.Workload, error) {
		s.Name = "doubling"
		w, err := workloads.NewDoubling(s)
		return stallWorkload{Workload: w, id: id, d: d}, err
	})
}
