package bench

import (
	"sync/atomic"

	"github.com/snbench/snbench/bench/results"
)

// source yields the task ids one driver sends, a batch at a time. A source
// belongs to its driver's sender goroutine.
type source interface {
	// next appends up to max ids to dst and returns it; an empty result
	// means the driver's share is done.
	next(dst []uint64, max int) []uint64
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
	for id := start; id < end; id++ {
		dst = append(dst, id)
	}
	r.batch += r.nodes
	return dst
}

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
	end := min(start+uint64(max), q.total)
	for id := start; id < end; id++ {
		dst = append(dst, id)
	}
	return dst
}

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

// mix is SplitMix64's finaliser, a cheap well-spread hash of an id.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
