package workloads

import "time"

// Batch is a group of tasks sent to one node together. Tag is chosen by the
// coordinator and echoed in the Result; a batch with no tasks is the
// end-of-stream marker. K is the number of values per task, so Values holds
// len(IDs)*K values, task i's at Values[i*K:(i+1)*K].
type Batch struct {
	Tag    uint64
	K      int
	IDs    []uint64
	Values []int64
}

// Len returns the number of tasks in b.
func (b *Batch) Len() int { return len(b.IDs) }

// Result is a node's answer to a Batch: the same ids in the same order with
// the computed values, and the node's own service time for the whole batch,
// measured on the node's clock.
type Result struct {
	Tag     uint64
	K       int
	IDs     []uint64
	Values  []int64
	Service time.Duration
}

// Len returns the number of tasks in r.
func (r *Result) Len() int { return len(r.IDs) }

// Resize sets r to hold n tasks of k values, reusing its slices when they
// are large enough.
func (r *Result) Resize(n, k int) {
	r.K = k
	r.IDs = growU64(r.IDs, n)
	r.Values = growI64(r.Values, n*k)
}

// Resize sets b to hold n tasks of k values, reusing its slices when they
// are large enough.
func (b *Batch) Resize(n, k int) {
	b.K = k
	b.IDs = growU64(b.IDs, n)
	b.Values = growI64(b.Values, n*k)
}

func growU64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}

func growI64(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	return s[:n]
}
