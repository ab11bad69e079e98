// Package doctor measures what this machine lets snbench measure honestly,
// runs the harness's known-answer checks, and says in plain words what runs
// here can and cannot be trusted for (`snbench doctor`).
//
// The figures, each defined where it is stored (results.Doctor):
//
//   - timer wake-up error: how late a short wait returns, for the wait the
//     --wait and the generator use (timing.Waiter) and for Go's time.Sleep;
//   - clock cost: ns per time.Now;
//   - the generator's ceiling: the highest open-loop rate one driver holds
//     on the goroutine topology with no work, at batch 1 and 8, where
//     "holds" is the criterion that marks an open-loop cell unreliable
//     (results.LagWarn and the 95% achieved rate);
//   - cores against GOMAXPROCS and the cgroup CPU quota.
//
// The known-answer checks run the harness through its public API (bench,
// reports) on inputs whose answer is known in advance: a fixed 1 ms wait in
// a closed loop, a node that stalls once in an open loop against the
// coordinated-omission closed form (StallQuantile), and a USL fit of a
// published data set against its published parameters.
//
// The package sits above bench and reports (it runs the one and calls the
// other); only the command line (internal/app) imports it.
package doctor
