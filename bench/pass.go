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

// abandonGrace is how long a pass whose live nodes are done waits for a
// failed node's goroutines before it ends the cluster's context to free
// them: only a link that cannot be closed on its own (it is not an
// io.Closer) needs it.
const abandonGrace = time.Second

// errAbandoned ends a cluster whose failed link could not be closed alone.
var errAbandoned = errors.New("a failed node's link could not be closed on its own")

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
// goes on without the node (see redispatcher) and fails only when no node
// is left.
func runPass(ctx context.Context, cancel context.CancelCauseFunc, links []topologies.Link, newWL func() (workloads.Workload, error), ps passSpec) (*passResult, error) {
	srcs := newSources(ps.policy, len(links), uint64(ps.total), uint64(ps.batch))
	seen := newSeenSets(ps.policy, ps.redispatch, len(links), uint64(ps.total), uint64(ps.batch))
	base := time.Now()
	drivers := make([]*driver, len(links))
	for i, l := range links {
		wl, err := newWL()
		if err != nil {
			return nil, err
		}
		drivers[i] = newDriver(l, wl, srcs[i], ps.batch, ps.window, seen[i], ps.record, base)
		if ps.rate > 0 {
			drivers[i].feedOpen(newOpenLoop(i, len(links), ps.rate, ps.arrivals, ps.seed, ps.batch))
		}
	}
	// Each driver runs in a context of its own, which a failure policy
	// that drops a single node ends alone.
	ctxs := make([]context.Context, len(drivers))
	cancels := make([]context.CancelCauseFunc, len(drivers))
	for i := range drivers {
		ctxs[i], cancels[i] = context.WithCancelCause(ctx)
	}
	defer func() {
		for i, d := range drivers {
			cancels[i](nil)
			if d.load != nil {
				d.load.stop()
			}
		}
	}()
	for i, d := range drivers {
		if d.load != nil {
			if err := d.load.start(ctxs[i]); err != nil {
				return nil, err
			}
		}
	}
	var pol failurePolicy = &failFast{ctx: ctx, cancel: cancel, ps: ps, base: base, failed: -1}
	if ps.redispatch {
		pol = newRedispatcher(ctx, cancel, ps, base, drivers, cancels)
	}
	return runDrivers(ctx, cancel, drivers, ctxs, ps, pol)
}

// failurePolicy is what a node failure does to a pass
// (on_node_failure): failFast ends the pass, redispatcher drops the node
// and hands its work to the others. Its methods are called from the
// drivers' goroutines and the watchdog, concurrently.
type failurePolicy interface {
	// fail handles driver i's failure err (its link broke, it answered
	// wrongly, or the watchdog found it silent) and reports whether the
	// watchdog is done watching.
	fail(i int, err error) bool
	// stopped is called on driver i's sender goroutine once its sender
	// has returned.
	stopped(i int)
	// end returns the pass's outcome, measured over wall, once every
	// driver goroutine has returned.
	end(wall time.Duration, drivers []*driver) (*passResult, error)
}

// runDrivers runs the drivers' senders and receivers, driver i in
// ctxs[i], under the watchdog, until every live driver is done, and lets
// pol decide the outcome. A driver whose own context ended (a node the
// policy dropped) is not waited for: it is done when its link is closed,
// or, if its goroutines are still blocked abandonGrace after the others
// finished, when cancel ends the cluster's context to free them.
func runDrivers(ctx context.Context, cancel context.CancelCauseFunc, drivers []*driver, ctxs []context.Context, ps passSpec, pol failurePolicy) (*passResult, error) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		watchdog(ctx, drivers, ctxs, ps.timeout, ps.redispatch && ps.selfRecover, done, pol.fail)
	})
	start := time.Now()
	var work sync.WaitGroup
	fin := make([]chan struct{}, len(drivers))
	for i, d := range drivers {
		fin[i] = make(chan struct{})
		var both sync.WaitGroup
		if d.queued() {
			both.Go(func() {
				if err := d.loop(ctxs[i]); err != nil {
					pol.fail(i, err)
				}
				pol.stopped(i)
			})
			work.Go(func() {
				both.Wait()
				close(fin[i])
			})
			continue
		}
		both.Go(func() {
			if err := d.send(ctxs[i]); err != nil {
				pol.fail(i, err)
			}
			pol.stopped(i)
		})
		both.Go(func() {
			if err := d.receive(ctxs[i]); err != nil {
				pol.fail(i, err)
			}
		})
		work.Go(func() {
			both.Wait()
			close(fin[i])
		})
	}
	for i := range drivers {
		select {
		case <-fin[i]:
		case <-ctxs[i].Done():
		}
	}
	wall := time.Since(start)
	grace := time.NewTimer(abandonGrace)
	for i := range drivers {
		select {
		case <-fin[i]:
		case <-grace.C:
			cancel(errAbandoned)
			<-fin[i]
		}
	}
	grace.Stop()
	work.Wait()
	close(done)
	wg.Wait()
	return pol.end(wall, drivers)
}

// failFast is on_node_failure: fail: the first node failure ends the
// pass, whose drivers share nothing while it runs.
type failFast struct {
	ctx    context.Context // the cluster's
	cancel context.CancelCauseFunc
	ps     passSpec
	base   time.Time

	once   sync.Once
	first  error         // the first failure
	failed int           // the node whose failure stopped the pass, -1 for none
	at     time.Duration // when, from base
}

func (f *failFast) fail(i int, err error) bool {
	f.once.Do(func() {
		f.first = err
		if f.ctx.Err() == nil { // a node failed, not the run
			f.failed, f.at = i, time.Since(f.base)
		}
		f.cancel(err)
	})
	return true
}

func (f *failFast) stopped(int) {}

func (f *failFast) end(wall time.Duration, drivers []*driver) (*passResult, error) {
	if f.first != nil {
		if f.failed >= 0 {
			inFlight := func(i int) int64 { return drivers[i].inFlight() }
			return nil, abortError(f.first, f.failed, f.at, drivers, f.ps, inFlight)
		}
		return nil, f.first
	}
	if err := f.ctx.Err(); err != nil {
		return nil, context.Cause(f.ctx)
	}
	return finishPass(wall, drivers, f.ps.total), nil
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

// abortError counts what the pass had done when drivers[failed] stopped
// it at at; every driver goroutine has returned, and inFlight(i) counts
// driver i's tasks in flight.
func abortError(err error, failed int, at time.Duration, drivers []*driver, ps passSpec, inFlight func(int) int64) *NodeError {
	a := results.Abort{Total: int64(ps.total)}
	f := drivers[failed]
	a.Failure = results.Failure{Node: f.name, Pass: ps.name(), AtNS: int64(at), Error: err.Error(), Completed: f.tasks}
	for i, d := range drivers {
		a.Completed += d.tasks
		n := inFlight(i)
		a.InFlight += n
		if i == failed {
			a.Failure.InFlight = n
		}
	}
	ne := &NodeError{Abort: a, err: err}
	ne.settle()
	return ne
}

// settle derives the abort's unsent and lost tasks from its other counts.
func (e *NodeError) settle() {
	a := &e.Abort
	a.Unsent = max(0, a.Total-a.Completed-a.InFlight)
	a.Lost = a.Total - a.Completed
}

// inFlight returns the tasks of the driver's batches sent (or being sent)
// and not answered, under on_node_failure: fail. Call it only once the
// pass's goroutines have returned: it drains the free list to find them.
func (d *driver) inFlight() int64 {
	free := make([]bool, len(d.slots))
	for _, s := range d.stack { // one loop: its free slots
		free[s] = true
	}
	for drained := false; !drained; {
		select {
		case s := <-d.free:
			free[s] = true
		default:
			drained = true
		}
	}
	var n int64
	for i := range d.slots {
		if !free[i] {
			n += int64(len(d.slots[i].ids))
		}
	}
	return n
}

// watchdog reports a driver with batches in flight that receives nothing
// for timeout to onTimeout, by index, which returns whether to stop
// watching (fail mode: the pass fails) or go on with the other drivers
// (redispatch mode: the driver is dropped). A driver whose context
// (ctxs[i]) ended is not watched any more. It polls at a quarter of the
// timeout (at most every 100 ms) and reads only the drivers' atomic
// counters.
func watchdog(ctx context.Context, drivers []*driver, ctxs []context.Context, timeout time.Duration, selfRecover bool, done <-chan struct{}, onTimeout func(int, error) bool) {
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
			if ctxs[i].Err() != nil {
				continue // dropped, or the pass is over
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
				if onTimeout(i, err) {
					return
				}
				continue
			}
			// And the end marker, which no slot holds: answers to batches
			// in flight are progress, stray frames are not.
			if recv < sent && now.Sub(since[i]) >= timeout {
				err := fmt.Errorf("node %s: %w: no result for %v with %d batches in flight (task timeout %v)%s",
					d.name, errTimeout, now.Sub(since[i]).Round(time.Millisecond), sent-recv, timeout, strays(d))
				if onTimeout(i, err) {
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
