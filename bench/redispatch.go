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
	"github.com/snbench/snbench/internal/timing"
)

// Redispatch mode (on_node_failure: redispatch) hands the batches a failed
// node had in flight, and its unsent share of the ids, to the nodes that
// survive, and finishes the pass.
//
// It is a policy that needs shared state, so it has some, and only in this
// mode (fail mode's drivers share nothing during a pass):
//
//   - remaining, one atomic counter of the tasks not yet answered, which
//     every receiver decrements once per batch: the pass ends when it
//     reaches zero, because until then a failure may still hand work to
//     any survivor;
//   - a mutex-guarded queue of orphaned batches and shares, which senders
//     check with one atomic load per batch and lock only when it is not
//     empty;
//   - a compare-and-swap per answered batch on the batch's slot, which
//     decides between the receiver and a failed driver's harvest who owns
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

// abandonGrace is how long a pass whose live nodes are done waits for a
// failed node's goroutines before it ends the cluster's context to free
// them: only a link that cannot be closed on its own (it is not an
// io.Closer) needs it.
const abandonGrace = time.Second

// errAbandoned ends a cluster whose failed link could not be closed alone.
var errAbandoned = errors.New("a failed node's link could not be closed on its own")

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

// redispatcher is the state the drivers of one redispatch-mode pass share.
// Its mutex guards the fields below it.
type redispatcher struct {
	ctx    context.Context // the cluster's: done when the pass fails
	cancel context.CancelCauseFunc
	ps     passSpec
	base   time.Time

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
	failed *driver       // the last node, when no node was left
	at     time.Duration // when
}

// rdDriver is one driver's part of the redispatch state.
type rdDriver struct {
	*redispatcher
	ctx     context.Context // done when the node fails or the pass does
	cancel  context.CancelCauseFunc
	dead    atomic.Bool
	failure int // index in failures once dead

	// Sender side.
	inHand     work          // drawn, not yet in a slot: the harvest hands it on
	debt       time.Duration // open loop: backpressure not yet made up (see sendOpen)
	ownPending bool          // open loop: load.ids/due hold the next own batch
	own        []uint64      // closed loop: own and share ids, reused
	shIDs      []uint64      // open loop: a share batch, reused
	shDue      []time.Duration
	timer      *time.Timer    // open loop: the coarse, interruptible part of a wait
	waiter     *timing.Waiter // open loop: the precise rest of it
	tasks      int64          // tasks of failed nodes this driver sent
	batches    int64
	resent     int64 // of tasks, those in flight on a failed node before

	// Receiver side.
	dropped   int64          // answers to batches already handed on
	transport int64          // tasks the link itself sent again (topologies.Resender)
	lat       *hdr.Histogram // resent tasks' latency; nil until one
}

// passRedispatch is what redispatch did in one pass.
type passRedispatch struct {
	failures                                   []results.Failure
	dead                                       []bool // per driver
	tasks, batches, resent, dropped, transport int64
	lat                                        *hdr.Histogram
}

// runRedispatch runs a pass of drivers in redispatch mode: a node that
// fails (its link breaks, or it has work in flight and answers nothing for
// the timeout) is dropped, its link closed, and its work handed on. The
// pass fails only when no node is left with work to do, or ctx ends.
func runRedispatch(ctx context.Context, cancel context.CancelCauseFunc, drivers []*driver, ps passSpec, base time.Time) (*passResult, error) {
	r := &redispatcher{ctx: ctx, cancel: cancel, ps: ps, base: base, live: len(drivers)}
	r.remaining.Store(int64(ps.total))
	wake := make(chan struct{})
	r.wake.Store(&wake)
	fin := make([]chan struct{}, len(drivers))
	for i, d := range drivers {
		dctx, dcancel := context.WithCancelCause(ctx)
		d.rd = &rdDriver{redispatcher: r, ctx: dctx, cancel: dcancel, failure: -1}
		if d.load != nil {
			d.rd.timer = time.NewTimer(time.Hour)
			w, err := timing.NewWaiter(dctx)
			if err != nil {
				for _, d := range drivers[:i+1] {
					d.rd.cancel(nil)
					if d.rd.waiter != nil {
						_ = d.rd.waiter.Close()
					}
				}
				return nil, err
			}
			d.rd.waiter = w
		}
		fin[i] = make(chan struct{})
	}
	defer func() {
		for _, d := range drivers {
			d.rd.cancel(nil)
			if d.rd.timer != nil {
				d.rd.timer.Stop()
				_ = d.rd.waiter.Close()
			}
		}
	}()
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		watchdog(ctx, drivers, ps.timeout, ps.selfRecover, done, func(d *driver, err error) bool {
			r.die(d, err)
			return ctx.Err() != nil
		})
	})
	start := time.Now()
	var work sync.WaitGroup
	for i, d := range drivers {
		var both sync.WaitGroup
		both.Go(func() {
			if err := d.sendRedispatch(d.rd.ctx); err != nil {
				r.die(d, err)
			}
			if d.rd.dead.Load() && ctx.Err() == nil {
				r.harvest(d)
			}
		})
		both.Go(func() {
			if err := d.receive(d.rd.ctx); err != nil {
				r.die(d, err)
			}
		})
		work.Go(func() {
			both.Wait()
			close(fin[i])
		})
	}
	// The live drivers finish when every task is answered; a failed one
	// when its link is closed.
	for i, d := range drivers {
		select {
		case <-fin[i]:
		case <-d.rd.ctx.Done():
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
	r.closers.Wait()
	if r.first != nil {
		if r.failed != nil {
			return nil, abortError(r.first, r.failed, r.at, drivers, ps, r)
		}
		return nil, r.first
	}
	if err := ctx.Err(); err != nil && !errors.Is(context.Cause(ctx), errAbandoned) {
		return nil, context.Cause(ctx)
	}
	pr := finishPass(wall, drivers, ps.total)
	pr.redispatch = r.result(drivers)
	return pr, nil
}

// result collects what redispatch did, once the pass is over; nil when no
// node failed and no link sent a batch again itself.
func (r *redispatcher) result(drivers []*driver) *passRedispatch {
	var transport int64
	for _, d := range drivers {
		transport += d.rd.transport
	}
	if len(r.failures) == 0 && transport == 0 {
		return nil
	}
	x := &passRedispatch{failures: r.failures, dead: make([]bool, len(drivers)), lat: results.NewHist()}
	for i, d := range drivers {
		rd := d.rd
		x.tasks += rd.tasks
		x.batches += rd.batches
		x.resent += rd.resent
		x.dropped += rd.dropped
		x.transport += rd.transport
		if rd.lat != nil {
			x.lat.Merge(rd.lat)
		}
		if rd.failure >= 0 {
			x.dead[i] = true
			x.failures[rd.failure].Completed = d.tasks
		}
	}
	return x
}

// die drops d from the pass: it records the failure, ends the driver's
// context and closes its link, so that its sender and receiver return;
// its sender then hands its work on (harvest). When it was the last node
// with work left, the pass fails. Safe for concurrent use; later calls for
// the same driver do nothing.
func (r *redispatcher) die(d *driver, err error) {
	r.mu.Lock()
	if d.rd.dead.Load() {
		r.mu.Unlock()
		return
	}
	if r.ctx.Err() != nil {
		r.mu.Unlock()
		if !errors.Is(context.Cause(r.ctx), errAbandoned) {
			r.failPass(nil, err) // the run ends anyway
		}
		return
	}
	d.rd.dead.Store(true)
	d.rd.failure = len(r.failures)
	at := time.Since(r.base)
	r.failures = append(r.failures, results.Failure{Node: d.name, Pass: r.ps.name(), AtNS: int64(at), Error: err.Error()})
	r.live--
	live := r.live
	r.mu.Unlock()
	d.rd.cancel(err)
	if c, ok := d.link.(io.Closer); ok {
		r.closers.Go(func() { _ = c.Close() })
	}
	if live == 0 && r.remaining.Load() > 0 {
		r.failPass(d, err)
	}
}

// failPass fails the whole pass with err; d, if set, is the node whose
// failure left none.
func (r *redispatcher) failPass(d *driver, err error) {
	r.once.Do(func() {
		r.first = err
		if d != nil {
			r.failed, r.at = d, time.Since(r.base)
		}
		r.cancel(err)
	})
}

// harvest hands a failed driver's work on: the batches in flight that no
// answer has claimed, the batch its sender held, and its unsent share. It
// runs on the failed driver's sender goroutine, after the sender returned.
func (r *redispatcher) harvest(d *driver) {
	rd := d.rd
	var orphans []work
	var inFlight int64
	for i := range d.slots {
		sl := &d.slots[i]
		if sl.state.CompareAndSwap(slotSent, slotOrphaned) {
			orphans = append(orphans, work{ids: slices.Clone(sl.ids), due: slices.Clone(sl.due), sent: sl.sent})
			inFlight += int64(len(sl.ids))
		}
	}
	if w := rd.inHand; len(w.ids) > 0 {
		orphans = append(orphans, work{ids: slices.Clone(w.ids), due: slices.Clone(w.due), sent: w.sent})
	}
	var sh *share
	if _, shared := d.src.(*sharedQueue); !shared { // the others pull from a shared queue anyway
		sh = &share{src: d.src, load: d.load}
		if d.load != nil {
			o := d.load
			if rd.ownPending {
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
	r.failures[rd.failure].InFlight = inFlight
	f := r.failures[rd.failure]
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
			f.Node, time.Duration(f.AtNS).Round(time.Millisecond), f.Pass, f.Error, inFlight, live)
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

// failureOf returns d's failure record, if d failed.
func (r *redispatcher) failureOf(d *driver) *results.Failure {
	if d.rd == nil || d.rd.failure < 0 {
		return nil
	}
	return &r.failures[d.rd.failure]
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
	sh.head.ids = sh.src.next(sh.head.ids[:0], batch)
	sh.head.due = sh.head.due[:0]
	for range sh.head.ids {
		sh.head.due = append(sh.head.due, sh.load.arrival())
	}
	sh.head.sent = -1
}

// claim reports whether the receiver owns the answered batch in sl: false
// when a failed driver's harvest handed it on first, and the answer is
// dropped.
func (rd *rdDriver) claim(sl *slot, n int) bool {
	if sl.state.CompareAndSwap(slotSent, slotDone) {
		return true
	}
	rd.dropped += int64(n)
	return false
}

// answered records a verified batch: a resent batch's latency (resent by
// the coordinator, or by the link itself: byLink), and one batch fewer in
// the pass; the last one wakes the senders to end it.
func (rd *rdDriver) answered(d *driver, sl *slot, now time.Duration, byLink bool) {
	if byLink && d.record {
		rd.transport += int64(len(sl.ids))
	}
	if (sl.resent || byLink) && d.record {
		if rd.lat == nil {
			rd.lat = results.NewHist()
		}
		if len(sl.due) > 0 {
			for _, due := range sl.due {
				results.Record(rd.lat, now-due, 1)
			}
		} else {
			results.Record(rd.lat, now-sl.sent, int64(len(sl.ids)))
		}
	}
	if rd.remaining.Add(-int64(len(sl.ids))) == 0 {
		rd.mu.Lock()
		rd.broadcastLocked()
		rd.mu.Unlock()
	}
}

// inFlight returns the tasks of the driver's batches sent (or being sent)
// and not answered. Call it only once the pass's goroutines have
// returned: in fail mode it drains the free list to find them.
func (d *driver) inFlight() int64 {
	var n int64
	if d.rd != nil {
		for i := range d.slots {
			if d.slots[i].state.Load() == slotSent {
				n += int64(len(d.slots[i].ids))
			}
		}
		return n
	}
	free := make([]bool, len(d.slots))
	for drained := false; !drained; {
		select {
		case s := <-d.free:
			free[s] = true
		default:
			drained = true
		}
	}
	for i := range d.slots {
		if !free[i] {
			n += int64(len(d.slots[i].ids))
		}
	}
	return n
}
