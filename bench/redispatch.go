package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
)

// Redispatch mode (on_node_failure: redispatch) hands the batches a failed
// node had in flight, and its unsent share of the ids, to the nodes that
// survive, and finishes the pass.
//
// It is a layer over the fail-mode pass: a failure policy (redispatcher)
// for the pass's shared orchestration (runDrivers), and around each
// driver's own feed, closed or open loop, a feed of its own (rdFeed) that
// holds the driver's part of the state; the drivers and their slots carry
// none of it. It is a policy that needs shared state, so it has some, and
// only in this mode (fail mode's drivers share nothing during a pass):
//
//   - remaining, one atomic counter of the tasks not yet answered, which
//     every receiver decrements once per batch: the pass ends when it
//     reaches zero, because until then a failure may still hand work to
//     any survivor;
//   - a mutex-guarded queue of orphaned batches and shares, which senders
//     check with one atomic load per batch and lock only when it is not
//     empty;
//   - a compare-and-swap per answered batch on the state of the batch's
//     slot (kept by its rdFeed), which decides between the receiver and a failed driver's harvest who owns
//     a batch in flight, so that an answer that comes back after its batch
//     was handed on is dropped and counted, never verified twice.
//
// The counter is the part that costs: every receiver writes the same cache
// line once per batch (see docs/reliability.md for the measured cost).

// Slot states in redispatch mode.
const (
	slotFree     uint32 = iota
	slotSent            // in flight: the receiver or the harvest takes it
	slotDone            // answered, counted by its receiver
	slotOrphaned        // taken by the harvest of a failed driver
)

// work is one batch for a sender to send.
type work struct {
	ids []uint64
	due []time.Duration // open loop: each task's intended send time
	// sent is when a batch in flight on a failed node was first sent (its
	// latency runs from there), or -1 for ids never sent before.
	sent time.Duration
}

// share is a failed node's unsent share of the ids.
type share struct {
	src  source
	load *openLoop // open loop: the failed node's schedule, which the share keeps
	head work      // open loop: the next batch, drawn ahead with its due times
}

// redispatcher is the failure policy of on_node_failure: redispatch, and
// the state the drivers of one pass share under it. It wraps each
// driver's own feed in an rdFeed (redispatch_send.go), which holds that
// driver's part. Its mutex guards the fields below it.
type redispatcher struct {
	ctx    context.Context // the cluster's: done when the pass fails
	cancel context.CancelCauseFunc
	ps     passSpec
	base   time.Time
	feeds  []*rdFeed // by driver

	remaining atomic.Int64 // tasks not yet answered by any node
	nOrphans  atomic.Int64 // len(orphans), for a lock-free check
	nShares   atomic.Int64 // len(shares)
	wake      atomic.Pointer[chan struct{}]

	mu       sync.Mutex
	orphans  []work
	shares   []*share
	live     int
	failures []results.Failure

	closers sync.WaitGroup // closing failed links

	once   sync.Once
	first  error         // why the pass failed
	failed int           // the last node, when no node was left; else -1
	at     time.Duration // when
}

// passRedispatch is what redispatch did in one pass.
type passRedispatch struct {
	failures                                   []results.Failure
	dead                                       []bool // per driver
	tasks, batches, resent, dropped, transport int64
	lat                                        *hdr.Histogram
}

var _ failurePolicy = (*redispatcher)(nil)

// newRedispatcher puts drivers in redispatch mode: a node that fails (its
// link breaks, it answers wrongly, or it has work in flight and answers
// nothing for the timeout) is dropped, its context ended (cancels, by
// driver), its link closed, and its work handed on. The pass fails only
// when no node is left with work to do, or ctx ends.
func newRedispatcher(ctx context.Context, cancel context.CancelCauseFunc, ps passSpec, base time.Time, drivers []*driver, cancels []context.CancelCauseFunc) *redispatcher {
	r := &redispatcher{ctx: ctx, cancel: cancel, ps: ps, base: base, live: len(drivers), failed: -1}
	r.remaining.Store(int64(ps.total))
	wake := make(chan struct{})
	r.wake.Store(&wake)
	r.feeds = make([]*rdFeed, len(drivers))
	for i, d := range drivers {
		r.feeds[i] = newRDFeed(r, d, cancels[i])
	}
	return r
}

func (r *redispatcher) fail(i int, err error) bool {
	r.die(i, err)
	return r.ctx.Err() != nil
}

// stopped hands a failed driver's work on (harvest) once its sender has
// returned.
func (r *redispatcher) stopped(i int) {
	if r.feeds[i].dead.Load() && r.ctx.Err() == nil {
		r.harvest(r.feeds[i])
	}
}

func (r *redispatcher) end(wall time.Duration, drivers []*driver) (*passResult, error) {
	r.closers.Wait()
	for _, f := range r.feeds {
		if f.timer != nil {
			f.timer.Stop()
		}
	}
	if r.first != nil {
		if r.failed >= 0 {
			ne := abortError(r.first, r.failed, r.at, drivers, r.ps, r.inFlight)
			ne.Redispatch = true
			// The orphans not yet resent are in flight too; a harvested
			// node's batches moved to them.
			ne.Abort.InFlight += r.orphanTasks()
			if f := r.failureOf(r.failed); f != nil && f.InFlight > ne.Abort.Failure.InFlight {
				ne.Abort.Failure.InFlight = f.InFlight
			}
			ne.settle()
			return nil, ne
		}
		return nil, r.first
	}
	if err := r.ctx.Err(); err != nil && !errors.Is(context.Cause(r.ctx), errAbandoned) {
		return nil, context.Cause(r.ctx)
	}
	pr := finishPass(wall, drivers, r.ps.total)
	pr.redispatch = r.result(drivers)
	return pr, nil
}

// result collects what redispatch did, once the pass is over; nil when no
// node failed and no link sent a batch again itself.
func (r *redispatcher) result(drivers []*driver) *passRedispatch {
	var transport int64
	for _, f := range r.feeds {
		transport += f.transport
	}
	if len(r.failures) == 0 && transport == 0 {
		return nil
	}
	x := &passRedispatch{failures: r.failures, dead: make([]bool, len(drivers)), lat: results.NewHist()}
	for i, f := range r.feeds {
		x.tasks += f.tasks
		x.batches += f.batches
		x.resent += f.resentTasks
		x.dropped += f.dropped
		x.transport += f.transport
		if f.lat != nil {
			x.lat.Merge(f.lat)
		}
		if f.failure >= 0 {
			x.dead[i] = true
			x.failures[f.failure].Completed = drivers[i].tasks
		}
	}
	return x
}

// die drops driver i from the pass: it records the failure, ends the
// driver's context and closes its link, so that its sender and receiver
// return; its sender then hands its work on (harvest). When it was the
// last node with work left, the pass fails. Safe for concurrent use;
// later calls for the same driver do nothing.
func (r *redispatcher) die(i int, err error) {
	f := r.feeds[i]
	r.mu.Lock()
	if f.dead.Load() {
		r.mu.Unlock()
		return
	}
	if r.ctx.Err() != nil {
		r.mu.Unlock()
		if !errors.Is(context.Cause(r.ctx), errAbandoned) {
			r.failPass(-1, err) // the run ends anyway
		}
		return
	}
	f.dead.Store(true)
	f.failure = len(r.failures)
	at := time.Since(r.base)
	r.failures = append(r.failures, results.Failure{Node: f.d.name, Pass: r.ps.name(), AtNS: int64(at), Error: err.Error()})
	r.live--
	live := r.live
	r.mu.Unlock()
	f.cancel(err)
	if c, ok := f.d.link.(io.Closer); ok {
		r.closers.Go(func() { _ = c.Close() })
	}
	if live == 0 && r.remaining.Load() > 0 {
		r.failPass(i, err)
	}
}

// failPass fails the whole pass with err; i, if not -1, is the node whose
// failure left none.
func (r *redispatcher) failPass(i int, err error) {
	r.once.Do(func() {
		r.first = err
		if i >= 0 {
			r.failed, r.at = i, time.Since(r.base)
		}
		r.cancel(err)
	})
}

// harvest hands a failed driver's work on: the batches in flight that no
// answer has claimed, the batch its sender held, and its unsent share. It
// runs on the failed driver's sender goroutine, after the sender returned.
func (r *redispatcher) harvest(f *rdFeed) {
	d := f.d
	var orphans []work
	var inFlight int64
	for i := range d.slots {
		sl := &d.slots[i]
		if f.states[i].CompareAndSwap(slotSent, slotOrphaned) {
			orphans = append(orphans, work{ids: slices.Clone(sl.ids), due: slices.Clone(sl.due), sent: sl.sent})
			inFlight += int64(len(sl.ids))
		}
	}
	if w := f.inHand; len(w.ids) > 0 {
		orphans = append(orphans, work{ids: slices.Clone(w.ids), due: slices.Clone(w.due), sent: w.sent})
	}
	var sh *share
	if _, shared := d.src.(*sharedQueue); !shared { // the others pull from a shared queue anyway
		sh = &share{src: d.src, load: d.load}
		if o := d.load; o != nil {
			if f.ownPending {
				sh.head = work{ids: slices.Clone(o.ids), due: slices.Clone(o.due), sent: -1}
			} else {
				sh.draw(d.batch)
			}
			if len(sh.head.ids) == 0 {
				sh = nil
			}
		}
	}
	r.mu.Lock()
	r.failures[f.failure].InFlight = inFlight
	fl := r.failures[f.failure]
	r.orphans = append(r.orphans, orphans...)
	r.nOrphans.Store(int64(len(r.orphans)))
	if sh != nil {
		r.shares = append(r.shares, sh)
		r.nShares.Store(int64(len(r.shares)))
	}
	live := r.live
	r.broadcastLocked()
	r.mu.Unlock()
	if r.ps.log != nil {
		fmt.Fprintf(r.ps.log, "snbench: node %s failed %v into the %s pass: %s; redispatching its %d tasks in flight and its unsent share to %d other nodes\n",
			fl.Node, time.Duration(fl.AtNS).Round(time.Millisecond), fl.Pass, fl.Error, inFlight, live)
	}
}

// broadcastLocked wakes every sender waiting for work. r.mu is held.
func (r *redispatcher) broadcastLocked() {
	next := make(chan struct{})
	old := r.wake.Swap(&next)
	close(*old)
}

// wakeChan returns the channel the next broadcast closes. Load it before
// checking for work, so that work added after the check wakes the waiter.
func (r *redispatcher) wakeChan() <-chan struct{} { return *r.wake.Load() }

// orphanTasks returns the tasks of orphaned batches not yet resent.
func (r *redispatcher) orphanTasks() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for _, w := range r.orphans {
		n += int64(len(w.ids))
	}
	return n
}

// failureOf returns driver i's failure record, if it failed.
func (r *redispatcher) failureOf(i int) *results.Failure {
	if f := r.feeds[i]; f.failure >= 0 {
		return &r.failures[f.failure]
	}
	return nil
}

// inFlight returns the tasks of driver i's batches sent (or being sent)
// and not answered; call it once the pass's goroutines have returned.
func (r *redispatcher) inFlight(i int) int64 {
	f := r.feeds[i]
	var n int64
	for s := range f.states {
		if f.states[s].Load() == slotSent {
			n += int64(len(f.d.slots[s].ids))
		}
	}
	return n
}

// takeOrphan pops the oldest orphaned batch.
func (r *redispatcher) takeOrphan() (work, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.orphans) == 0 {
		return work{}, false
	}
	w := r.orphans[0]
	r.orphans[0] = work{}
	r.orphans = r.orphans[1:]
	r.nOrphans.Store(int64(len(r.orphans)))
	return w, true
}

// takeShare appends up to max ids of a closed-loop share to dst.
func (r *redispatcher) takeShare(dst []uint64, max int) []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.shares) > 0 {
		n := len(dst)
		if dst = r.shares[0].src.next(dst, max); len(dst) > n {
			return dst
		}
		r.shares = r.shares[1:] // done
		r.nShares.Store(int64(len(r.shares)))
	}
	return dst
}

// shareDue returns the intended time of the earliest open-loop share
// batch.
func (r *redispatcher) shareDue() (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	best, ok := time.Duration(0), false
	for _, sh := range r.shares {
		if due := sh.head.due[len(sh.head.due)-1]; !ok || due < best {
			best, ok = due, true
		}
	}
	return best, ok
}

// takeShareAt copies the open-loop share batch due at due, if nobody took
// it yet, into ids and dues, and draws that share's next batch.
func (r *redispatcher) takeShareAt(due time.Duration, batch int, ids []uint64, dues []time.Duration) ([]uint64, []time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, sh := range r.shares {
		if sh.head.due[len(sh.head.due)-1] != due {
			continue
		}
		ids = append(ids[:0], sh.head.ids...)
		dues = append(dues[:0], sh.head.due...)
		if sh.draw(batch); len(sh.head.ids) == 0 {
			r.shares = slices.Delete(r.shares, i, i+1)
			r.nShares.Store(int64(len(r.shares)))
		}
		return ids, dues, true
	}
	return ids, dues, false
}

// draw draws an open-loop share's next batch on its schedule.
func (sh *share) draw(batch int) {
	sh.head.ids, sh.head.due = sh.load.draw(sh.src, batch, sh.head.ids, sh.head.due)
	sh.head.sent = -1
}
