package bench

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// endTag marks the end-of-stream batch; its low bits carry how many task
// batches the sender sent before it.
const endTag = uint64(1) << 63

// driver is the coordinator's side of one node for one pass: a sender and a
// receiver goroutine, its window of slots, its verifier and histograms.
// Only the watchdog reads it from outside, through the atomic counters.
type driver struct {
	link   topologies.Link
	name   string
	wl     workloads.Workload // the coordinator's own instance: Fill and Verify
	src    source
	batch  int
	record bool
	base   time.Time // the pass's clock origin

	slots []slot
	free  chan int // slot indexes the sender may use; the receiver returns them
	sent  chan int // slot indexes in flight, handed from sender to receiver

	// Written by one goroutine each, read by the watchdog.
	nSent, nRecv atomic.Int64

	// Open-loop state: the schedule and lag (sender), the uncorrected
	// latency and per-second series (receiver). nil in closed loop.
	load *openLoop

	// Redispatch state (on_node_failure: redispatch); nil in fail mode,
	// where the driver shares nothing with the others during the pass.
	rd *rdDriver

	// Receiver state, read after the pass.
	sentView workloads.Batch // the receiver's view of a slot's batch, reused
	lat, svc *hdr.Histogram
	seen     seenSet
	verify   results.Verification
	clamped  int64
	tasks    int64
	claims   serviceClaims // service times that could not be true (claims.go)
}

// slot is one in-flight batch: written by the sender before it hands the
// index over, read by the receiver after it takes it.
type slot struct {
	ids  []uint64
	vals []int64 // the batch's input values, for workloads.BatchVerifier
	sent time.Duration
	due  []time.Duration // open loop: each task's intended send time

	// Redispatch mode only. state decides, between the receiver and the
	// harvest of a failed driver, who owns a batch in flight (see
	// slotSent); resent marks a batch that was in flight on a failed node,
	// whose sent (or due) times are the original ones.
	state  atomic.Uint32
	resent bool
}

func newDriver(link topologies.Link, wl workloads.Workload, src source, batch, window int, seen seenSet, record bool, base time.Time) *driver {
	d := &driver{
		link: link, name: link.Info().String(), wl: wl, src: src, batch: batch, record: record, base: base,
		slots: make([]slot, window),
		free:  make(chan int, window),
		sent:  make(chan int, window),
		seen:  seen,
	}
	for i := range d.slots {
		d.slots[i].ids = make([]uint64, 0, batch)
		d.free <- i
	}
	if record {
		d.lat, d.svc = results.NewHist(), results.NewHist()
	}
	return d
}

// send runs the sender until the driver's share is sent, then sends the
// end-of-stream marker.
func (d *driver) send(ctx context.Context) error {
	if d.load != nil {
		return d.sendOpen(ctx)
	}
	var b workloads.Batch
	var n uint64
	for {
		var s int
		select { // fast path: a free slot costs no select
		case s = <-d.free:
		default:
			select {
			case s = <-d.free:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		sl := &d.slots[s]
		sl.ids = d.src.next(sl.ids[:0], d.batch)
		if len(sl.ids) == 0 {
			break
		}
		b.Tag, b.IDs, b.Values = uint64(s), sl.ids, sl.vals
		d.wl.Fill(&b)
		sl.vals = b.Values // the slot keeps the inputs for verification
		sl.sent = time.Since(d.base)
		d.sent <- s // never blocks: at most window slots exist
		if err := d.link.Send(&b); err != nil {
			return err
		}
		n++
		d.nSent.Store(int64(n))
	}
	b.Tag, b.IDs, b.Values = endTag|n, nil, nil
	d.nSent.Store(int64(n + 1))
	if err := d.link.Send(&b); err != nil {
		return err
	}
	return nil
}

// receive runs the receiver until the end-of-stream marker and every batch
// before it have come back.
func (d *driver) receive(ctx context.Context) error {
	var r workloads.Result
	var got, want uint64
	pending := make([]bool, len(d.slots))
	ended := false
	for !ended || got < want {
		if err := d.link.Recv(&r); err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
		now := time.Since(d.base)
		d.nRecv.Add(1)
		if r.Tag&endTag != 0 {
			ended, want = true, r.Tag&^endTag
			continue
		}
		// Take over the slots the sender has handed out, until this
		// result's is among them (it was handed over before its batch was
		// sent) or none is left: then the result answers nothing in flight.
		s := r.Tag
		for s < uint64(len(d.slots)) && !pending[s] {
			select {
			case x := <-d.sent:
				pending[x] = true
				continue
			default:
			}
			break
		}
		if s >= uint64(len(d.slots)) || !pending[s] {
			d.verify.Duplicate += int64(len(r.IDs)) // an answer to nothing in flight
			continue
		}
		pending[s] = false
		// Redispatch mode: a failed driver's harvest may have handed this
		// batch to another node already; then the answer is dropped.
		if d.rd != nil && !d.rd.claim(&d.slots[s], len(r.IDs)) {
			continue
		}
		d.check(&d.slots[s], &r, now)
		got++
		if d.rd != nil {
			d.rd.answered(d, &d.slots[s], now, r.Resent)
		}
		d.free <- int(s)
	}
	return nil
}

// check verifies one result against the slot it answers and records it.
func (d *driver) check(sl *slot, r *workloads.Result, now time.Duration) {
	n := int64(len(sl.ids))
	d.verify.Expected += n
	if !slices.Equal(r.IDs, sl.ids) {
		d.verify.Lost += n // the node answered with other ids
		return
	}
	var wrong int64
	if bv, ok := d.wl.(workloads.BatchVerifier); ok {
		d.sentView.K, d.sentView.IDs, d.sentView.Values = r.K, sl.ids, sl.vals
		wrong = int64(bv.VerifyBatch(&d.sentView, r))
	} else {
		wrong = int64(d.wl.Verify(r))
	}
	d.verify.Wrong += wrong
	dup := d.seen.setAll(r.IDs)
	d.verify.Duplicate += dup
	d.verify.Verified += n - wrong - dup
	d.tasks += n
	if !d.record {
		return
	}
	if d.load != nil {
		d.load.recordResult(d, sl, r, now)
		return
	}
	if results.Record(d.lat, now-sl.sent, n) {
		d.clamped += n
	}
	d.recordService(now-sl.sent, r.Service, n)
}

func (d *driver) String() string { return fmt.Sprintf("node %s", d.name) }

// bitset is a set of task ids.
type bitset []uint64

func newBitset(n uint64) bitset { return make(bitset, (n+63)/64) }

// set adds id and reports whether it was new. Ids out of range are never
// new.
func (b bitset) set(id uint64) bool {
	w := id / 64
	if w >= uint64(len(b)) {
		return false
	}
	m := uint64(1) << (id % 64)
	if b[w]&m != 0 {
		return false
	}
	b[w] |= m
	return true
}

// setAll adds ids and returns how many were already there (or out of
// range). A run of consecutive ids, as round-robin and shared-queue
// batches are, is set a word at a time.
func (b bitset) setAll(ids []uint64) int64 {
	if n := uint64(len(ids)); n > 0 && ids[n-1]-ids[0] == n-1 && consecutive(ids) {
		return b.setRange(ids[0], n)
	}
	var dup int64
	for _, id := range ids {
		if !b.set(id) {
			dup++
		}
	}
	return dup
}

func consecutive(ids []uint64) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[i-1]+1 {
			return false
		}
	}
	return true
}

// setRange adds the n ids from first and returns how many were already
// there (or out of range).
func (b bitset) setRange(first, n uint64) int64 {
	end := first + n
	if limit := uint64(len(b)) * 64; end > limit || end < first {
		var dup int64
		for id := first; id < first+n; id++ {
			if !b.set(id) {
				dup++
			}
		}
		return dup
	}
	var dup int64
	for id := first; id < end; {
		w, off := id/64, id%64
		span := min(64-off, end-id)
		mask := ^uint64(0) >> (64 - span) << off
		dup += int64(bits.OnesCount64(b[w] & mask))
		b[w] |= mask
		id += span
	}
	return dup
}

// count returns the number of ids in b.
func (b bitset) count() int64 {
	var n int64
	for _, w := range b {
		n += int64(bits.OnesCount64(w))
	}
	return n
}
