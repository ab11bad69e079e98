package bench

import (
	"context"
	"math"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/timing"
	"github.com/snbench/snbench/workloads"
)

// sendRedispatch is the sender of a redispatch-mode driver, closed or open
// loop. It sends, in this order of preference, batches that failed nodes
// had in flight, its own share, and failed nodes' unsent shares (in open
// loop, whichever of the last two is due first); with nothing to send it
// waits until a failure hands it work or every task of the pass is
// answered, and then sends the end-of-stream marker.
func (d *driver) sendRedispatch(ctx context.Context) error {
	rd := d.rd
	var b workloads.Batch
	var n uint64
	for {
		w, ok, err := d.nextWork(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		s, err := d.takeSlot(ctx)
		if err != nil {
			return err
		}
		sl := &d.slots[s]
		// Submit, as in send: the clock is read before Fill, so that Fill
		// is inside the batch's latency.
		now := time.Since(d.base)
		sl.ids = append(sl.ids[:0], w.ids...)
		sl.due = append(sl.due[:0], w.due...)
		b.Tag, b.IDs, b.Values = uint64(s), sl.ids, sl.vals
		d.wl.Fill(&b)
		sl.vals = b.Values // the slot keeps the inputs for verification
		sl.sent, sl.resent = now, w.sent >= 0
		if w.sent >= 0 {
			sl.sent = w.sent // a failed node's batch: latency from its first send
		} else if d.load != nil && len(w.due) > 0 {
			results.Record(d.load.lag, now-w.due[len(w.due)-1], 1)
		}
		sl.state.Store(slotSent)
		rd.inHand = work{}
		d.sent <- s // never blocks: at most window slots exist
		if err := d.link.Send(&b); err != nil {
			return err
		}
		n++
		d.nSent.Store(int64(n))
	}
	b.Tag, b.IDs, b.Values = endTag|n, nil, nil
	d.nSent.Store(int64(n + 1))
	return d.link.Send(&b)
}

// takeSlot takes a free window slot, waiting for one if none is free; in
// open loop the wait counts as a bound hit.
func (d *driver) takeSlot(ctx context.Context) (int, error) {
	select {
	case s := <-d.free:
		return s, nil
	default:
	}
	if d.load != nil {
		d.load.boundHits++
	}
	select {
	case s := <-d.free:
		return s, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// nextWork returns the next batch to send and keeps it in rd.inHand until
// it is in a slot, or ok = false when every task of the pass is answered.
func (d *driver) nextWork(ctx context.Context) (w work, ok bool, err error) {
	rd := d.rd
	for {
		wake := rd.wakeChan()
		if rd.nOrphans.Load() > 0 {
			if w, ok := rd.takeOrphan(); ok {
				rd.tasks += int64(len(w.ids))
				rd.batches++
				if w.sent >= 0 {
					rd.resent += int64(len(w.ids))
				}
				rd.inHand = w
				return w, true, nil
			}
		}
		if d.load != nil {
			w, ok, woken, err := d.nextOpen(ctx, wake)
			if err != nil || ok {
				return w, ok, err
			}
			if woken {
				continue
			}
		} else {
			rd.own = d.src.next(rd.own[:0], d.batch)
			if len(rd.own) > 0 {
				rd.inHand = work{ids: rd.own, sent: -1}
				return rd.inHand, true, nil
			}
			if rd.nShares.Load() > 0 {
				if rd.own = rd.takeShare(rd.own[:0], d.batch); len(rd.own) > 0 {
					rd.tasks += int64(len(rd.own))
					rd.batches++
					rd.inHand = work{ids: rd.own, sent: -1}
					return rd.inHand, true, nil
				}
			}
		}
		if rd.remaining.Load() <= 0 {
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
func (d *driver) nextOpen(ctx context.Context, wake <-chan struct{}) (w work, ok, woken bool, err error) {
	o, rd := d.load, d.rd
	if !rd.ownPending {
		o.ids = d.src.next(o.ids[:0], d.batch)
		if len(o.ids) > 0 {
			o.due = o.due[:0]
			for range o.ids {
				o.due = append(o.due, o.arrival())
			}
			rd.ownPending = true
		}
	}
	target, fromShare := time.Duration(math.MaxInt64), false
	if rd.ownPending {
		target = o.due[len(o.due)-1]
	}
	if rd.nShares.Load() > 0 {
		if due, ok := rd.shareDue(); ok && due < target {
			target, fromShare = due, true
		}
	}
	if target == math.MaxInt64 {
		return work{}, false, false, nil
	}
	if woken, err := sleepOrWake(ctx, rd.timer, rd.waiter, d.base.Add(target), wake); err != nil || woken {
		return work{}, false, woken, err
	}
	if fromShare {
		var took bool
		if rd.shIDs, rd.shDue, took = rd.takeShareAt(target, d.batch, rd.shIDs, rd.shDue); !took {
			return work{}, false, true, nil // another survivor took it: look again
		}
		rd.tasks += int64(len(rd.shIDs))
		rd.batches++
		rd.inHand = work{ids: rd.shIDs, due: rd.shDue, sent: -1}
		return rd.inHand, true, false, nil
	}
	rd.ownPending = false
	rd.inHand = work{ids: o.ids, due: o.due, sent: -1}
	return rd.inHand, true, false, nil
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
