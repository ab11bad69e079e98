package bench

import (
	"slices"
	"sync/atomic"

	"github.com/snbench/snbench/bench/results"
)

// source yields the task ids one driver sends, a batch at a time. A source
// belongs to its driver's sender goroutine.
type source interface {
	// next appends up to max ids to dst and returns it; an empty result
	// means the driver's share is done.
	next(dst []uint64, max int) []uint64
	// runs reports whether every batch next returns is a run of
	// consecutive ids, which the receiver then marks seen a word at a
	// time without scanning them (its answer's ids are checked equal to
	// the batch's first).
	runs() bool
}

// newSources returns one source per node for a pass of total tasks.
func newSources(policy string, nodes int, total, batch uint64) []source {
	srcs := make([]source, nodes)
	switch policy {
	case results.DispatchLeastOutstanding:
		q := &sharedQueue{total: total}
		for i := range srcs {
			srcs[i] = q
		}
	case results.DispatchHash:
		for i := range srcs {
			srcs[i] = &hashSource{node: uint64(i), nodes: uint64(nodes), total: total}
		}
	default:
		for i := range srcs {
			srcs[i] = &roundRobin{batch: uint64(i), nodes: uint64(nodes), size: batch, total: total}
		}
	}
	return srcs
}

// roundRobin gives node i the batches i, i+N, i+2N, ... of consecutive ids.
type roundRobin struct {
	batch, nodes, size, total uint64
}

func (r *roundRobin) next(dst []uint64, max int) []uint64 {
	start := r.batch * r.size
	if start >= r.total {
		return dst
	}
	end := min(start+uint64(max), r.total)
	r.batch += r.nodes
	return appendRun(dst, start, end)
}

// appendRun appends the ids from start up to end to dst: grown once, then
// written by index, with no capacity check per id.
func appendRun(dst []uint64, start, end uint64) []uint64 {
	n := len(dst)
	dst = slices.Grow(dst, int(end-start))[:n+int(end-start)]
	run := dst[n:]
	for i := range run {
		run[i] = start + uint64(i)
	}
	return dst
}

func (*roundRobin) runs() bool { return true }

// sharedQueue is one queue of ids that every driver pulls from when its
// node has a free slot. It is safe for concurrent use.
type sharedQueue struct {
	head  atomic.Uint64
	total uint64
}

func (q *sharedQueue) next(dst []uint64, max int) []uint64 {
	start := q.head.Add(uint64(max)) - uint64(max)
	if start >= q.total {
		return dst
	}
	return appendRun(dst, start, min(start+uint64(max), q.total))
}

func (*sharedQueue) runs() bool { return true }

// hashSource gives node i the ids whose hash is i mod N, scanning the id
// space in order.
type hashSource struct {
	node, nodes, total, id uint64
}

func (h *hashSource) next(dst []uint64, max int) []uint64 {
	for n := 0; n < max && h.id < h.total; h.id++ {
		if mix(h.id)%h.nodes == h.node {
			dst = append(dst, h.id)
			n++
		}
	}
	return dst
}

func (*hashSource) runs() bool { return false }

// mix is SplitMix64's finaliser, a cheap well-spread hash of an id.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
