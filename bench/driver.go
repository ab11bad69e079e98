package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"
	"unsafe"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// endTag marks the end-of-stream batch (topologies.EndTag); its low bits
// carry how many batches the sender sent.
const endTag = topologies.EndTag

// driver is the coordinator's side of one node for one pass: a sender and a
// receiver goroutine, its window of slots, its verifier and histograms.
// Its feed (feed.go) says what the sender sends and how the receiver
// counts and records each answer. Only the watchdog reads it from outside,
// through the atomic counters.
type driver struct {
	link   topologies.Link
	name   string
	wl     workloads.Workload // the coordinator's own instance: Fill and Verify
	src    source             // the driver's own share of the ids
	runs   bool               // src.runs(): its batches are runs of consecutive ids
	feed   feed               // closedLoop, the open loop, or redispatch around either
	batch  int
	record bool
	base   time.Time // the pass's clock origin

	slots []slot
	out   workloads.Batch // the sender's batch, reused
	free  chan int        // slot indexes the sender may use; the receiver returns them
	sent  chan int        // slot indexes in flight, handed from sender to receiver
	// pending marks the slots the receiver has taken over from sent: their
	// batches are in flight.
	pending []bool
	// one says the driver runs as one loop (loop): its free slots are on
	// stack and a sent slot is marked pending directly, with no channel;
	// inline says that loop still has batches to send; freed, that the
	// loop's next batch takes the slot an answer verified at done has
	// just freed, so that its submit stamp is that one (closedLoop.next).
	one, inline, freed bool
	stack              []int

	// Written by one goroutine each, read by the watchdog. nRecv counts
	// answers to batches in flight (and the end marker): frames that
	// answer nothing in flight are stray, and are no progress.
	nSent, nRecv, nStray atomic.Int64

	// Open-loop figures, kept by the driver's openLoop feed: its sender
	// side and its receiver side; nil in closed loop. Read after the pass.
	load *openLoop

	// Receiver state, read after the pass.
	sentView workloads.Batch // the receiver's view of a slot's batch, reused
	lat, svc *hdr.Histogram
	seen     seenSet
	verify   results.Verification
	measured int64  // batches recorded: latency measurements
	firstBad string // the first bad thing the node sent, "" if none
	clamped  int64  // tasks whose latency exceeded results.HistMax
	tasks    int64
	// latSum is the sum over the recorded tasks of their closed-loop
	// latency, unclamped, for the window occupancy (Little's law); done is
	// when the driver's last result was verified, from base.
	latSum, done time.Duration
	claims       serviceClaims // service times that could not be true (claims.go)
}

// slot is one in-flight batch: written by the sender before it hands the
// index over, read by the receiver after it takes it.
type slot struct {
	ids  []uint64
	run  bool    // ids are consecutive (set by the feed that filled the slot)
	vals []int64 // the batch's input values, for workloads.BatchVerifier
	// sent is when the batch was submitted: closed loop, when the sender
	// took the slot, before the ids were drawn and Fill ran; latency runs
	// from there to the verified result.
	sent time.Duration
	due  []time.Duration // open loop: each task's intended send time
	// since is 1 + when (from base) the batch last went to the node, 0
	// while the slot holds no batch in flight: the sender sets it, the
	// receiver clears it on the batch's answer, and the watchdog reads it
	// to give every batch in flight its own deadline.
	since atomic.Int64
}

// newDriver returns a driver of link whose feed is a closed loop over its
// share src; openLoop (openloop.go) and redispatch (redispatch.go) replace
// the feed before the pass starts.
func newDriver(link topologies.Link, wl workloads.Workload, src source, batch, window int, seen seenSet, record bool, base time.Time) *driver {
	d := &driver{
		link: link, name: link.Info().String(), wl: wl, src: src, batch: batch, record: record, base: base,
		slots: make([]slot, window), pending: make([]bool, window),
		free: make(chan int, window),
		sent: make(chan int, window),
		seen: seen,
	}
	d.feed = closedLoop{d}
	if src != nil {
		d.runs = src.runs()
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

// queued says the driver runs as one loop (see loop): its link queues
// (topologies.Queued) and its feed is the plain closed loop.
func (d *driver) queued() bool {
	q, ok := d.link.(topologies.Queued)
	_, closed := d.feed.(closedLoop)
	return ok && closed && q.Queued()
}

// receive runs the receiver until the end-of-stream marker and every batch
// before it have come back.
func (d *driver) receive(ctx context.Context) error {
	var r workloads.Result
	var got, want uint64
	ended := false
	for !ended || got < want {
		if err := d.link.Recv(&r); err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
		if r.Tag&endTag != 0 {
			d.nRecv.Add(1)
			// The marker must count what was sent and come back last: a
			// node that miscounts would otherwise end the pass early (the
			// rest counted lost) or hold it until the task timeout.
			n := r.Tag &^ endTag
			if sent := uint64(d.nSent.Load()) - 1; n != sent {
				why := fmt.Sprintf("its end marker counts %d batches, but %d were sent", n, sent)
				d.noteBad(why)
				return fmt.Errorf("node %s: %w: %s", d.name, errWrongAnswer, why)
			}
			if got != n {
				why := fmt.Sprintf("its end marker came back with no result for %d of the %d batches sent", n-got, n)
				d.noteBad(why)
				return fmt.Errorf("node %s: %w: %s", d.name, errWrongAnswer, why)
			}
			ended, want = true, n
			continue
		}
		// Take over the slots the sender has handed out, until this
		// result's is among them (it was handed over before its batch was
		// sent) or none is left: then the result answers nothing in flight.
		s := r.Tag
		for s < uint64(len(d.slots)) && !d.pending[s] {
			select {
			case x := <-d.sent:
				d.pending[x] = true
				continue
			default:
			}
			break
		}
		if s >= uint64(len(d.slots)) || !d.pending[s] {
			d.nStray.Add(1)
			why := fmt.Sprintf("a results frame tagged %d with %d tasks answered no batch in flight", r.Tag, len(r.IDs))
			d.noteBad(why)
			if err := d.feed.stray(&r, why); err != nil {
				return err
			}
			continue
		}
		d.pending[s] = false
		d.slots[s].since.Store(0)
		d.nRecv.Add(1)
		idsOK, wrong := d.judge(&d.slots[s], &r)
		counted, err := d.feed.answer(int(s), &r, idsOK, wrong)
		if err != nil {
			return err
		}
		if !counted {
			continue // the slot is no longer the driver's (redispatch)
		}
		got++
		if !d.one {
			d.free <- int(s)
			continue
		}
		d.stack = append(d.stack, int(s))
		if d.inline {
			d.freed = true
			more, err := d.sendOne(ctx)
			if err != nil {
				return err
			}
			d.inline = more
		}
	}
	return nil
}

// check verifies one result against the slot it answers and counts it;
// it reports whether the result answered the slot's ids, so that its
// latency is to be recorded.
func (d *driver) check(sl *slot, r *workloads.Result) bool {
	idsOK, wrong := d.judge(sl, r)
	return d.count(sl, r, idsOK, wrong)
}

// judge verifies r against the batch in sl without counting anything:
// whether it answered the batch's ids, in order, and how many of its tasks
// carry wrong values.
func (d *driver) judge(sl *slot, r *workloads.Result) (idsOK bool, wrong int64) {
	if !equalIDs(r.IDs, sl.ids) {
		return false, 0
	}
	if bv, ok := d.wl.(workloads.BatchVerifier); ok {
		d.sentView.K, d.sentView.IDs, d.sentView.Values = r.K, sl.ids, sl.vals
		return true, int64(bv.VerifyBatch(&d.sentView, r))
	}
	return true, int64(d.wl.Verify(r))
}

// accept counts the judged answer r to the batch in sl and stamps it
// verified: the batch's second clock read, after the check, so that
// verification is inside its latency. It returns when (from base), and
// whether the answer's latency is to be recorded.
func (d *driver) accept(sl *slot, r *workloads.Result, idsOK bool, wrong int64) (time.Duration, bool) {
	ok := d.count(sl, r, idsOK, wrong)
	now := time.Since(d.base)
	d.done = now
	return now, ok && d.record
}

// count adds a judged result to the driver's verification, and notes the
// first bad thing the node sent.
func (d *driver) count(sl *slot, r *workloads.Result, idsOK bool, wrong int64) bool {
	n := int64(len(sl.ids))
	d.verify.Expected += n
	if !idsOK {
		d.verify.Lost += n // the node answered with other ids
		d.noteBad(badIDs(sl, r))
		return false
	}
	d.verify.Wrong += wrong
	var dup int64
	if sl.run && n > 0 { // r.IDs equal the batch's, a run: no scan
		dup = d.seen.setRun(r.IDs[0], uint64(n))
	} else {
		dup = d.seen.setAll(r.IDs)
	}
	d.verify.Duplicate += dup
	d.verify.Verified += n - wrong - dup
	d.tasks += n
	if wrong > 0 {
		d.noteBad(d.badValue(r, wrong))
	} else if dup > 0 {
		d.noteBad(fmt.Sprintf("%d tasks of the batch tagged %d answered before (task %d among them)", dup, r.Tag, r.IDs[0]))
	}
	return true
}

// equalIDs reports whether a and b hold the same ids, compared as bytes:
// the runtime's vectorised memequal is several times faster than an
// element loop over a batch of 64.
func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	return bytes.Equal(
		unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a)*8),
		unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), len(b)*8))
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

// errWrongAnswer marks a node failed for answering wrongly (under
// redispatch, where the batch is then redone elsewhere).
var errWrongAnswer = errors.New("wrong answer")

// noteBad keeps the first bad thing the node sent.
func (d *driver) noteBad(why string) {
	if d.firstBad == "" {
		d.firstBad = why
	}
}

// badIDs describes an answer whose ids are not its batch's.
func badIDs(sl *slot, r *workloads.Result) string {
	if len(r.IDs) != len(sl.ids) {
		return fmt.Sprintf("the batch tagged %d of %d tasks was answered with %d results", r.Tag, len(sl.ids), len(r.IDs))
	}
	for i := range r.IDs {
		if r.IDs[i] != sl.ids[i] {
			return fmt.Sprintf("the batch tagged %d was answered with task %d where task %d was sent", r.Tag, r.IDs[i], sl.ids[i])
		}
	}
	return fmt.Sprintf("the batch tagged %d was answered with other ids", r.Tag)
}

// badValue describes the first wrongly answered task of r, found by
// verifying its tasks one at a time (the slow path: only after a batch
// failed verification).
func (d *driver) badValue(r *workloads.Result, wrong int64) string {
	k := r.K
	if k <= 0 || len(r.Values) != len(r.IDs)*k {
		return fmt.Sprintf("a result of %d tasks carried %d values (payload %d)", len(r.IDs), len(r.Values), k)
	}
	for i, id := range r.IDs {
		one := workloads.Result{Tag: r.Tag, K: k, IDs: r.IDs[i : i+1], Values: r.Values[i*k : (i+1)*k]}
		if d.wl.Verify(&one) > 0 {
			return fmt.Sprintf("wrong value for task %d: %d (%d of the batch's %d tasks wrong)", id, r.Values[i*k], wrong, len(r.IDs))
		}
	}
	return fmt.Sprintf("%d of the batch's %d tasks wrong", wrong, len(r.IDs))
}
