package bench

import (
	"math/bits"
	"sync/atomic"

	"github.com/snbench/snbench/bench/results"
)

// A pass checks exactly once with one set of verified task ids, and the
// set's memory is proportional to the ids, not to ids x nodes:
//
//   - round-robin without redispatch: each driver's ids are known in
//     advance (its batches i, i+N, i+2N, ...), so each driver keeps a
//     compact bitset of its own share only, indexed by the id's place in
//     that share; the shares are disjoint, so the distinct ids verified in
//     the pass are the sum of the drivers' counts;
//   - hash, least-outstanding, and every policy under redispatch: a driver
//     may verify ids that no rule assigns it in advance (a hash share has
//     no cheap rank, a shared queue or a failed node hands any id to any
//     driver), so the pass keeps one bitset of all its ids, built as one:
//     every receiver sets its bits with an atomic OR per word of 64 ids,
//     which tells it exactly which ids were already there. That shared
//     cache traffic is the policy's cost, measured in docs/reliability.md.

// seenSet is one driver's view of the pass's verified ids. Only its
// driver's receiver writes own; shared is safe for concurrent use.
type seenSet struct {
	own               bitset // round-robin: this driver's share, compact
	node, nodes, size uint64 // round-robin: which share, of how many, batch size
	total             uint64 // ids are below it
	shared            *sharedBitset
}

// newSeenSets returns one seen set per driver for a pass of total ids in
// batches of batch.
func newSeenSets(policy string, redispatch bool, nodes int, total, batch uint64) []seenSet {
	sets := make([]seenSet, nodes)
	if policy != results.DispatchRoundRobin || redispatch {
		sh := &sharedBitset{words: make([]uint64, (total+63)/64), total: total}
		for i := range sets {
			sets[i].shared = sh
		}
		return sets
	}
	n := uint64(nodes)
	batches := (total + batch - 1) / batch
	for i := range sets {
		mine := (batches + n - 1 - uint64(i)) / n // batches i, i+N, ... below batches
		sets[i] = seenSet{own: newBitset(mine * batch), node: uint64(i), nodes: n, size: batch, total: total}
	}
	return sets
}

// index returns id's place in a round-robin share, and whether the id
// belongs to it.
func (s *seenSet) index(id uint64) (uint64, bool) {
	k := id / s.size
	if id >= s.total || k%s.nodes != s.node {
		return 0, false
	}
	return k/s.nodes*s.size + id%s.size, true
}

// setAll adds ids and returns how many were already there (or are not
// this driver's at all).
func (s *seenSet) setAll(ids []uint64) int64 {
	if s.shared != nil {
		return s.shared.setAll(ids)
	}
	n := uint64(len(ids))
	if n == 0 {
		return 0
	}
	// One batch of consecutive ids, as the round-robin source sends:
	// consecutive places in the share too.
	if first, ok := s.index(ids[0]); ok && ids[n-1] < s.total && ids[n-1]-ids[0] == n-1 && ids[0]/s.size == ids[n-1]/s.size && consecutive(ids) {
		return s.own.setRange(first, n)
	}
	var dup int64
	for _, id := range ids {
		if i, ok := s.index(id); !ok || !s.own.set(i) {
			dup++
		}
	}
	return dup
}

// setRun adds the n consecutive ids from first, as setAll would, without
// scanning them.
func (s *seenSet) setRun(first, n uint64) int64 {
	if s.shared != nil {
		return s.shared.setRange(first, n)
	}
	last := first + n - 1
	if i, ok := s.index(first); ok && last >= first && last < s.total && first/s.size == last/s.size {
		return s.own.setRange(i, n)
	}
	var dup int64
	for id := first; id < first+n; id++ {
		if i, ok := s.index(id); !ok || !s.own.set(i) {
			dup++
		}
	}
	return dup
}

// distinct returns the distinct ids the drivers of a pass verified; call
// it once the pass's goroutines have returned.
func distinct(drivers []*driver) int64 {
	if len(drivers) == 0 {
		return 0
	}
	if sh := drivers[0].seen.shared; sh != nil {
		return bitset(sh.words).count()
	}
	var n int64
	for _, d := range drivers {
		n += d.seen.own.count() // the shares are disjoint
	}
	return n
}

// seenBytes returns the memory the drivers' seen sets hold.
func seenBytes(drivers []*driver) int64 {
	if len(drivers) == 0 {
		return 0
	}
	if sh := drivers[0].seen.shared; sh != nil {
		return int64(len(sh.words)) * 8
	}
	var n int64
	for _, d := range drivers {
		n += int64(len(d.seen.own)) * 8
	}
	return n
}

// sharedBitset is a set of task ids that several receivers add to at once.
type sharedBitset struct {
	words []uint64
	total uint64 // ids are below it
}

// setAll adds ids and returns how many were already there (or out of
// range), a word at a time for consecutive ids.
func (b *sharedBitset) setAll(ids []uint64) int64 {
	n := uint64(len(ids))
	if n > 0 && ids[n-1]-ids[0] == n-1 && consecutive(ids) {
		return b.setRange(ids[0], n)
	}
	var dup int64
	for _, id := range ids {
		dup += b.setRange(id, 1)
	}
	return dup
}

func (b *sharedBitset) setRange(first, n uint64) int64 {
	limit := b.total
	if first >= limit {
		return int64(n)
	}
	if n > limit-first { // the part past the end is never new
		return int64(n-(limit-first)) + b.setRange(first, limit-first)
	}
	var dup int64
	for id, end := first, first+n; id < end; {
		w, off := id/64, id%64
		span := min(64-off, end-id)
		mask := ^uint64(0) >> (64 - span) << off
		old := atomic.OrUint64(&b.words[w], mask)
		dup += int64(bits.OnesCount64(old & mask))
		id += span
	}
	return dup
}
