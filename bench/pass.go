package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// errTimeout marks a node that stopped answering.
var errTimeout = errors.New("stopped answering")

// passResult is what one closed-loop pass over a cluster measured.
type passResult struct {
	wall    time.Duration
	drivers []*driver
	verify  results.Verification
	// Redispatch mode: the nodes that failed in this pass, and what the
	// survivors took over from them; nil when none failed.
	redispatch *passRedispatch
}

// passSpec says what one pass over a cluster runs.
type passSpec struct {
	policy               string
	total, batch, window int
	timeout              time.Duration
	record               bool
	// Open loop, when rate > 0: tasks/s over all nodes, the schedule and
	// its seed.
	rate     float64
	arrivals string
	seed     uint64
	// redispatch hands a failed node's work to the other nodes instead of
	// failing the pass (on_node_failure: redispatch); log, if set, gets a
	// line per failure.
	redispatch bool
	log        io.Writer
	// label names the pass in failure records when it is neither the
	// warm-up nor the measured pass.
	label string
	// selfRecover says the topology recovers lost batches itself (it
	// dispatches them, topologies.Dispatcher, and resends them under
	// redispatch, Config.Resend): a batch's deadline then runs from the
	// later of its send and the link's last answer, so the topology has the
	// task timeout of silence to recover it in.
	selfRecover bool
}

// name is the pass's name in failure records.
func (ps passSpec) name() string {
	if ps.label != "" {
		return ps.label
	}
	if ps.record {
		return "measured"
	}
	return "warm-up"
}

// runPass sends ps.total tasks through the links, in a closed loop or on an
// open-loop schedule, and waits for every result. cancel ends the cluster's
// context: on the first error, or when a node with work in flight answers
// nothing for the timeout, it is called so that every blocked Send and Recv
// returns. A node failure is returned as a *NodeError that counts the
// tasks completed, in flight and lost; with ps.redispatch the pass instead
// goes on without the node (see runRedispatch) and fails only when no node
// is left.
func runPass(ctx context.Context, cancel context.CancelCauseFunc, links []topologies.Link, newWL func() (workloads.Workload, error), ps passSpec) (*passResult, error) {
	total, timeout := ps.total, ps.timeout
	srcs := newSources(ps.policy, len(links), uint64(total), uint64(ps.batch))
	seen := newSeenSets(ps.policy, ps.redispatch, len(links), uint64(total), uint64(ps.batch))
	base := time.Now()
	drivers := make([]*driver, len(links))
	for i, l := range links {
		wl, err := newWL()
		if err != nil {
			return nil, err
		}
		drivers[i] = newDriver(l, wl, srcs[i], ps.batch, ps.window, seen[i], ps.record, base)
		if ps.rate > 0 {
			drivers[i].load = newOpenLoop(i, len(links), ps.rate, ps.arrivals, ps.seed, ps.batch)
		}
	}
	if ps.redispatch {
		return runRedispatch(ctx, cancel, drivers, ps, base)
	}

	var wg sync.WaitGroup
	var once sync.Once
	var first error
	var failed *driver   // the node whose failure stopped the pass
	var at time.Duration // when, from base
	fail := func(d *driver, err error) {
		once.Do(func() {
			first = err
			if ctx.Err() == nil { // a node failed, not the run
				failed, at = d, time.Since(base)
			}
			cancel(err)
		})
	}
	done := make(chan struct{})
	wg.Go(func() {
		watchdog(ctx, drivers, timeout, false, done, func(d *driver, err error) bool {
			fail(d, err)
			return true
		})
	})
	var work sync.WaitGroup
	start := time.Now()
	for _, d := range drivers {
		work.Go(func() {
			if err := d.send(ctx); err != nil {
				fail(d, err)
			}
		})
		work.Go(func() {
			if err := d.receive(ctx); err != nil {
				fail(d, err)
			}
		})
	}
	work.Wait()
	wall := time.Since(start)
	close(done)
	wg.Wait()
	if first != nil {
		if failed != nil {
			return nil, abortError(first, failed, at, drivers, ps, nil)
		}
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	return finishPass(wall, drivers, total), nil
}

// finishPass merges the drivers' verification once the pass is over.
func finishPass(wall time.Duration, drivers []*driver, total int) *passResult {
	pr := &passResult{wall: wall, drivers: drivers}
	// Exactly once across nodes: every id verified twice was counted as a
	// duplicate where it was set (see seen.go).
	for _, d := range drivers {
		pr.verify = pr.verify.Add(d.verify)
	}
	// Lost is what never came back under its own id: the distinct ids say
	// so exactly, whatever each driver saw.
	pr.verify.Lost = int64(total) - distinct(drivers)
	pr.verify.Expected = int64(total)
	return pr
}

// NodeError is a node failure that stopped a pass: under on_node_failure:
// fail at the first failure, under redispatch when no node was left. It
// wraps the link's error, which names the node, and counts the pass's
// tasks.
type NodeError struct {
	// Abort is the failure and the pass's counts.
	Abort results.Abort
	// Redispatch is set when the pass had been redispatching.
	Redispatch bool
	err        error
}

func (e *NodeError) Error() string {
	a := e.Abort
	var why string
	if e.Redispatch {
		why = "; no node left to redispatch to"
	}
	return fmt.Sprintf("%v%s; tasks: %d of %d completed, %d in flight (%d on the failed node), %d not sent, so %d lost to this %s pass",
		e.err, why, a.Completed, a.Total, a.InFlight, a.Failure.InFlight, a.Unsent, a.Lost, a.Failure.Pass)
}

// Unwrap returns the link's error.
func (e *NodeError) Unwrap() error { return e.err }

// abortError counts what the pass had done when failed stopped it at at;
// every driver goroutine has returned. rd is the redispatch state, if any:
// its orphans not yet resent are in flight too.
func abortError(err error, failed *driver, at time.Duration, drivers []*driver, ps passSpec, rd *redispatcher) *NodeError {
	a := results.Abort{Total: int64(ps.total)}
	a.Failure = results.Failure{Node: failed.name, Pass: ps.name(), AtNS: int64(at), Error: err.Error(), Completed: failed.tasks}
	for _, d := range drivers {
		a.Completed += d.tasks
		n := d.inFlight()
		a.InFlight += n
		if d == failed {
			a.Failure.InFlight = n
		}
	}
	if rd != nil {
		a.InFlight += rd.orphanTasks()
		// A harvested node's batches moved to the orphans (counted above).
		if f := rd.failureOf(failed); f != nil && f.InFlight > a.Failure.InFlight {
			a.Failure.InFlight = f.InFlight
		}
	}
	a.Unsent = max(0, a.Total-a.Completed-a.InFlight)
	a.Lost = a.Total - a.Completed
	return &NodeError{Abort: a, Redispatch: rd != nil, err: err}
}

// watchdog reports a driver with batches in flight that receives nothing
// for timeout to onTimeout, which returns whether to stop watching (fail
// mode: the pass fails) or go on with the other drivers (redispatch mode:
// the driver is dropped). It polls at a quarter of the timeout (at most
// every 100 ms) and reads only the drivers' atomic counters.
func watchdog(ctx context.Context, drivers []*driver, timeout time.Duration, selfRecover bool, done <-chan struct{}, onTimeout func(*driver, error) bool) {
	tick := min(timeout/4, 100*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := make([]int64, len(drivers))
	since := make([]time.Time, len(drivers))
	now := time.Now()
	for i := range since {
		since[i] = now
	}
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case now = <-t.C:
		}
		for i, d := range drivers {
			if d.rd != nil && d.rd.dead.Load() {
				continue
			}
			recv, sent := d.nRecv.Load(), d.nSent.Load()
			if recv != last[i] || recv >= sent {
				last[i], since[i] = recv, now
			}
			// Every batch in flight has its own deadline, whatever else
			// the node sends (see passSpec.selfRecover for the exception).
			age := d.oldestInFlight(now)
			if selfRecover {
				age = min(age, now.Sub(since[i]))
			}
			if age >= timeout {
				err := fmt.Errorf("node %s: %w: a batch in flight for %v has had no answer (task timeout %v)%s",
					d.name, errTimeout, age.Round(time.Millisecond), timeout, strays(d))
				if onTimeout(d, err) {
					return
				}
				continue
			}
			// And the end marker, which no slot holds: answers to batches
			// in flight are progress, stray frames are not.
			if recv < sent && now.Sub(since[i]) >= timeout {
				err := fmt.Errorf("node %s: %w: no result for %v with %d batches in flight (task timeout %v)%s",
					d.name, errTimeout, now.Sub(since[i]).Round(time.Millisecond), sent-recv, timeout, strays(d))
				if onTimeout(d, err) {
					return
				}
			}
		}
	}
}

// oldestInFlight returns how long the driver's oldest batch in flight has
// waited for its answer at now, or 0 if none is in flight.
func (d *driver) oldestInFlight(now time.Time) time.Duration {
	at := now.Sub(d.base)
	var oldest time.Duration
	for i := range d.slots {
		if v := d.slots[i].since.Load(); v > 0 {
			oldest = max(oldest, at-time.Duration(v-1))
		}
	}
	return oldest
}

// strays says how many frames the node sent that answered nothing in
// flight, if any: a node that keeps talking without answering.
func strays(d *driver) string {
	if n := d.nStray.Load(); n > 0 {
		return fmt.Sprintf("; meanwhile it sent %d frames that answered no batch in flight", n)
	}
	return ""
}
