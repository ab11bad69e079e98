package bench

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/timing"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// rdFeed is a driver's feed under redispatch, around the driver's own
// (closedLoop or openLoop, inner), and the driver's part of the redispatch
// state. Its sender sends, in this order of preference, batches that
// failed nodes had in flight, its own share, and failed nodes' unsent
// shares (in open loop, whichever of the last two is due first); with
// nothing to send it waits until a failure hands it work or every task of
// the pass is answered. Its receiver fails the node at its first wrong
// answer, drops an answer to a batch already handed on, and has inner
// count and record the rest.
type rdFeed struct {
	*redispatcher
	d        *driver
	inner    feed                // the driver's own feed: it records answers
	load     *openLoop           // open loop: the driver's schedule and figures; nil in closed loop
	resender topologies.Resender // the link, if it sends batches again itself; else nil
	cancel   context.CancelCauseFunc
	dead     atomic.Bool
	failure  int // index in failures once dead

	// By slot. states decide, between the receiver and the harvest of a
	// failed driver, who owns a batch in flight (see slotSent); resent
	// marks a batch that was in flight on a failed node, whose sent (or
	// due) times are the original ones.
	states []atomic.Uint32
	resent []bool

	// Sender side.
	inHand      work     // drawn, not yet in a slot: the harvest hands it on
	ownPending  bool     // open loop: load.ids/due hold the next own batch
	own         []uint64 // closed loop: own and share ids, reused
	shIDs       []uint64 // open loop: a share batch, reused
	shDue       []time.Duration
	timer       *time.Timer // open loop: the coarse, interruptible part of a wait
	tasks       int64       // tasks of failed nodes this driver sent
	batches     int64
	resentTasks int64 // of tasks, those in flight on a failed node before

	// Receiver side.
	dropped   int64          // answers to batches already handed on
	transport int64          // tasks the link itself sent again (topologies.Resender)
	lat       *hdr.Histogram // resent tasks' latency; nil until one
}

// newRDFeed puts an rdFeed of r around d's own feed; cancel ends d's
// context.
func newRDFeed(r *redispatcher, d *driver, cancel context.CancelCauseFunc) *rdFeed {
	f := &rdFeed{redispatcher: r, d: d, inner: d.feed, load: d.load, cancel: cancel, failure: -1,
		states: make([]atomic.Uint32, len(d.slots)), resent: make([]bool, len(d.slots))}
	f.resender, _ = d.link.(topologies.Resender)
	if d.load != nil {
		f.timer = time.NewTimer(time.Hour)
	}
	d.feed = f
	return f
}

// next takes the next batch of work, then a slot for it (in open loop a
// wait for one is backpressure, as in openLoop.slot), and stamps it
// submitted before Fill, as the closed loop does; a failed node's batch
// keeps its first send as its sent time.
func (f *rdFeed) next(ctx context.Context) (int, time.Duration, bool, error) {
	w, ok, err := f.nextWork(ctx)
	if err != nil || !ok {
		return 0, 0, false, err
	}
	d := f.d
	var s int
	if f.load != nil {
		s, err = f.load.slot(ctx)
	} else {
		s, err = d.freeSlot(ctx)
	}
	if err != nil {
		return 0, 0, false, err
	}
	sl := &d.slots[s]
	now := time.Since(d.base)
	sl.ids, sl.run = append(sl.ids[:0], w.ids...), false
	sl.due = append(sl.due[:0], w.due...)
	sl.sent, f.resent[s] = now, w.sent >= 0
	if w.sent >= 0 {
		sl.sent = w.sent // a failed node's batch: latency from its first send
	} else if f.load != nil && len(w.due) > 0 {
		f.load.lagged(now, w.due[len(w.due)-1])
	}
	f.states[s].Store(slotSent)
	f.inHand = work{}
	return s, now, true, nil
}

// answer fails a node that answers wrongly before the answer is counted,
// so that the batch, still in flight, is redone elsewhere exactly once; a
// failed driver's harvest may have handed the batch to another node
// already, and then the answer is dropped.
func (f *rdFeed) answer(s int, r *workloads.Result, idsOK bool, wrong int64) (bool, error) {
	d := f.d
	sl := &d.slots[s]
	if !idsOK || wrong > 0 {
		why := badIDs(sl, r)
		if idsOK {
			why = d.badValue(r, wrong)
		}
		d.noteBad(why)
		return false, fmt.Errorf("node %s: %w: %s", d.name, errWrongAnswer, why)
	}
	if !f.states[s].CompareAndSwap(slotSent, slotDone) {
		f.dropped += int64(len(r.IDs))
		return false, nil
	}
	now, rec := d.accept(sl, r, idsOK, wrong)
	if rec {
		f.inner.record(sl, r, now)
	}
	f.answered(s, now, f.resender != nil && f.resender.LastResent())
	return true, nil
}

// stray fails the node: under redispatch an answer to nothing in flight
// is a wrong answer.
func (f *rdFeed) stray(_ *workloads.Result, why string) error {
	return fmt.Errorf("node %s: %w: %s", f.d.name, errWrongAnswer, why)
}

func (f *rdFeed) record(sl *slot, r *workloads.Result, now time.Duration) {
	f.inner.record(sl, r, now)
}

// answered records a verified batch in slot s: a resent batch's latency
// (resent by the coordinator, or by the link itself: byLink), and one
// batch fewer in the pass; the last one wakes the senders to end it.
func (f *rdFeed) answered(s int, now time.Duration, byLink bool) {
	d := f.d
	sl := &d.slots[s]
	if byLink && d.record {
		f.transport += int64(len(sl.ids))
	}
	if (f.resent[s] || byLink) && d.record {
		if f.lat == nil {
			f.lat = results.NewHist()
		}
		if len(sl.due) > 0 {
			for _, due := range sl.due {
				results.Record(f.lat, now-due, 1)
			}
		} else {
			results.Record(f.lat, now-sl.sent, int64(len(sl.ids)))
		}
	}
	if f.remaining.Add(-int64(len(sl.ids))) == 0 {
		f.mu.Lock()
		f.broadcastLocked()
		f.mu.Unlock()
	}
}

// nextWork returns the next batch to send and keeps it in inHand until
// it is in a slot, or ok = false when every task of the pass is answered.
func (f *rdFeed) nextWork(ctx context.Context) (w work, ok bool, err error) {
	d := f.d
	for {
		wake := f.wakeChan()
		if f.nOrphans.Load() > 0 {
			if w, ok := f.takeOrphan(); ok {
				f.tasks += int64(len(w.ids))
				f.batches++
				if w.sent >= 0 {
					f.resentTasks += int64(len(w.ids))
				}
				f.inHand = w
				return w, true, nil
			}
		}
		if f.load != nil {
			w, ok, woken, err := f.nextOpen(ctx, wake)
			if err != nil || ok {
				return w, ok, err
			}
			if woken {
				continue
			}
		} else {
			f.own = d.src.next(f.own[:0], d.batch)
			if len(f.own) > 0 {
				f.inHand = work{ids: f.own, sent: -1}
				return f.inHand, true, nil
			}
			if f.nShares.Load() > 0 {
				if f.own = f.takeShare(f.own[:0], d.batch); len(f.own) > 0 {
					f.tasks += int64(len(f.own))
					f.batches++
					f.inHand = work{ids: f.own, sent: -1}
					return f.inHand, true, nil
				}
			}
		}
		if f.remaining.Load() <= 0 {
			return work{}, false, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return work{}, false, context.Cause(ctx)
		}
	}
}

// nextOpen waits for the earlier of the driver's own next batch and a
// failed node's share batch, on their schedules, and returns it. woken
// says that a broadcast cut the wait short (look for orphans again); ok
// false and woken false mean there is nothing scheduled at all.
func (f *rdFeed) nextOpen(ctx context.Context, wake <-chan struct{}) (w work, ok, woken bool, err error) {
	d, o := f.d, f.load
	if !f.ownPending {
		if o.ids, o.due = o.draw(d.src, d.batch, o.ids, o.due); len(o.ids) > 0 {
			f.ownPending = true
		}
	}
	target, fromShare := time.Duration(math.MaxInt64), false
	if f.ownPending {
		target = o.due[len(o.due)-1]
	}
	if f.nShares.Load() > 0 {
		if due, ok := f.shareDue(); ok && due < target {
			target, fromShare = due, true
		}
	}
	if target == math.MaxInt64 {
		return work{}, false, false, nil
	}
	if woken, err := sleepOrWake(ctx, f.timer, o.wait, d.base.Add(target), wake); err != nil || woken {
		return work{}, false, woken, err
	}
	if fromShare {
		var took bool
		if f.shIDs, f.shDue, took = f.takeShareAt(target, d.batch, f.shIDs, f.shDue); !took {
			return work{}, false, true, nil // another survivor took it: look again
		}
		f.tasks += int64(len(f.shIDs))
		f.batches++
		f.inHand = work{ids: f.shIDs, due: f.shDue, sent: -1}
		return f.inHand, true, false, nil
	}
	f.ownPending = false
	f.inHand = work{ids: o.ids, due: o.due, sent: -1}
	return f.inHand, true, false, nil
}

// wakeSlack is how much of a wait sleepOrWake leaves to the precise
// waiter: Go's timers may wake a millisecond late, and a wake-up cannot
// cut the precise part short, which delays a redispatched batch by at most
// this much.
const wakeSlack = 2 * time.Millisecond

// sleepOrWake waits until due: on the timer, where a broadcast on wake
// ends the wait early (woken true: a failure may have handed this driver
// work that is already overdue), for all but the last wakeSlack, then on
// the precise waiter.
func sleepOrWake(ctx context.Context, timer *time.Timer, w *timing.Waiter, due time.Time, wake <-chan struct{}) (woken bool, err error) {
	if wait := time.Until(due); wait > wakeSlack {
		timer.Reset(wait - wakeSlack)
		select {
		case <-timer.C:
		case <-wake:
			timer.Stop()
			return true, nil
		case <-ctx.Done():
			timer.Stop()
			return false, context.Cause(ctx)
		}
	}
	return false, w.Until(due)
}
