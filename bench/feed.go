package bench

import (
	"context"
	"errors"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// A driver's sender runs one send loop (send), whatever the pass: a feed,
// its source of work, puts each batch in a window slot, and the loop does
// the rest (Fill, the hand-over to the receiver, Send). There are three
// feeds:
//
//   - closedLoop: the driver's share of the ids, a batch as soon as a slot
//     is free;
//   - openLoop (openloop.go): the same share on a schedule, each batch when
//     its last task is due;
//   - rdFeed (redispatch_send.go), under on_node_failure: redispatch,
//     around either: the batches failed nodes had in flight first, then
//     its own, then the failed nodes' unsent shares.
//
// The receiver hands each answer back to the feed, which counts it and
// records its latency; redispatch first settles who owns the batch. So
// the closed-loop path knows nothing of redispatch: its driver and slots
// carry no redispatch state, and the only cost of the layer is one
// interface call per batch on each side.

// feed is a driver's source of work, and what its receiver tells when a
// batch is answered. next belongs to the driver's sender goroutine; answer,
// stray and record to its receiver.
type feed interface {
	// next takes a free window slot for the next batch and puts the batch
	// in it: its ids, in open loop their due times, and sent, when the
	// batch was submitted (its latency runs from there). It returns the
	// slot's index and now, when the batch went into the slot (from the
	// driver's base: its deadline runs from there), or ok false when the
	// driver has nothing more to send; it blocks while it waits for a
	// slot, a due time or work, until ctx ends.
	next(ctx context.Context) (s int, now time.Duration, ok bool, err error)
	// answer settles the answer r to the batch in slot s, which the
	// receiver judged (see driver.judge): it counts it, and records its
	// latency if the pass records. It reports whether the answer was
	// counted, so that the slot is free again; an error fails the node.
	answer(s int, r *workloads.Result, idsOK bool, wrong int64) (bool, error)
	// stray handles a results frame that answers no batch in flight, which
	// why describes: nil counts its tasks as duplicates and goes on, an
	// error fails the node.
	stray(r *workloads.Result, why string) error
	// record records the latency of the answer r to the batch in sl,
	// verified at now (from base): one measurement.
	record(sl *slot, r *workloads.Result, now time.Duration)
}

var (
	_ feed = closedLoop{}
	_ feed = (*openLoop)(nil)
	_ feed = (*rdFeed)(nil)
)

// send runs the driver's send loop until its feed has nothing more to
// send, then sends the end-of-stream marker.
func (d *driver) send(ctx context.Context) error {
	for {
		more, err := d.sendOne(ctx)
		if err != nil || !more {
			return err
		}
	}
}

// sendOne sends the feed's next batch, or, once the feed has nothing more
// to send, the end-of-stream marker; it reports whether there may be more.
func (d *driver) sendOne(ctx context.Context) (bool, error) {
	s, now, ok, err := d.feed.next(ctx)
	if err != nil {
		return false, err
	}
	b := &d.out
	if !ok {
		n := uint64(d.nSent.Load())
		b.Tag, b.IDs, b.Values = endTag|n, nil, nil
		d.nSent.Store(int64(n + 1))
		return false, d.link.Send(b)
	}
	sl := &d.slots[s]
	b.Tag, b.IDs, b.Values = uint64(s), sl.ids, sl.vals
	d.wl.Fill(b)
	sl.vals = b.Values // the slot keeps the inputs for verification
	sl.since.Store(int64(now) + 1)
	if d.one {
		d.pending[s] = true // the receiver is this goroutine
	} else {
		d.sent <- s // never blocks: at most window slots exist
	}
	if err := d.link.Send(b); err != nil {
		return false, err
	}
	d.nSent.Add(1)
	return true, nil
}

// loop is the driver's sender and receiver in one goroutine, for a link
// that queues (topologies.Queued) under the closed loop: it fills the
// window, then sends each next batch as soon as an answer has freed its
// slot. There is no hand-over between two goroutines per batch, so no
// wake-up of a parked sender, which on a busy machine waits for a core.
func (d *driver) loop(ctx context.Context) error {
	d.one, d.inline = true, true
	for len(d.stack) < len(d.slots) {
		d.stack = append(d.stack, <-d.free) // never blocks: every slot is free
	}
	for range d.slots {
		more, err := d.sendOne(ctx)
		if err != nil {
			return err
		}
		if !more {
			d.inline = false // the end marker is sent
			break
		}
	}
	return d.receive(ctx)
}

// freeSlot takes a free window slot, waiting for one if none is free.
func (d *driver) freeSlot(ctx context.Context) (int, error) {
	if d.one { // the loop sends only when a slot is free
		if len(d.stack) == 0 {
			return 0, errors.New("bench: one loop without a free slot")
		}
		s := d.stack[len(d.stack)-1]
		d.stack = d.stack[:len(d.stack)-1]
		return s, nil
	}
	select { // fast path: a free slot costs no select
	case s := <-d.free:
		return s, nil
	default:
	}
	select {
	case s := <-d.free:
		return s, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// closedLoop feeds a driver its own share of the ids in a closed loop: a
// batch as soon as a window slot is free.
type closedLoop struct{ d *driver }

// next takes a slot, stamps the batch submitted and only then draws its
// ids: drawing them and Fill are inside its latency, so that throughput x
// latency obeys Little's law. In the one loop, a batch sent in the slot an
// answer has just freed is stamped when that answer was verified: the slot
// was the batch's from then on, and one clock read serves both.
func (c closedLoop) next(ctx context.Context) (int, time.Duration, bool, error) {
	d := c.d
	s, err := d.freeSlot(ctx)
	if err != nil {
		return 0, 0, false, err
	}
	sl := &d.slots[s]
	if d.freed {
		// The one loop sends this batch in the slot an answer has just
		// freed: the batch is submitted from the moment that answer was
		// verified, and its stamp is the one clock read for both.
		sl.sent, d.freed = d.done, false
	} else {
		sl.sent = time.Since(d.base) // the first of the batch's two clock reads
	}
	sl.ids, sl.run = d.src.next(sl.ids[:0], d.batch), d.runs
	return s, sl.sent, len(sl.ids) > 0, nil
}

func (c closedLoop) answer(s int, r *workloads.Result, idsOK bool, wrong int64) (bool, error) {
	sl := &c.d.slots[s]
	if now, rec := c.d.accept(sl, r, idsOK, wrong); rec {
		c.record(sl, r, now)
	}
	return true, nil
}

func (c closedLoop) stray(r *workloads.Result, _ string) error {
	c.d.verify.Duplicate += int64(len(r.IDs)) // an answer to nothing in flight
	return nil
}

// record gives every task of the batch the batch's latency, submit to
// verified.
func (c closedLoop) record(sl *slot, r *workloads.Result, now time.Duration) {
	d := c.d
	d.measured++ // one clock reading, whatever the batch's size
	n := int64(len(sl.ids))
	lat := now - sl.sent
	if results.Record(d.lat, lat, n) { // never negative: only above the ceiling
		d.clamped += n
	}
	d.latSum += lat * time.Duration(n)
	d.recordService(lat, r.Service, n)
}
