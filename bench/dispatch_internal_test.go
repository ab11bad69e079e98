package bench

import (
	"fmt"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// TestSourcesCoverEveryID: under every dispatch policy the drivers'
// sources together give every id below the total exactly once, in batches
// of at most the batch size, and a source that says its batches are runs
// (runs) gives only runs of consecutive ids.
func TestSourcesCoverEveryID(t *testing.T) {
	for _, policy := range []string{results.DispatchRoundRobin, results.DispatchLeastOutstanding, results.DispatchHash} {
		for _, tc := range []struct{ nodes, total, batch int }{{1, 1000, 64}, {3, 1000, 64}, {4, 7, 3}, {2, 64, 64}, {5, 3, 8}} {
			t.Run(fmt.Sprintf("%s/%d nodes/%d tasks/batch %d", policy, tc.nodes, tc.total, tc.batch), func(t *testing.T) {
				srcs := newSources(policy, tc.nodes, uint64(tc.total), uint64(tc.batch))
				seen := make([]int, tc.total)
				for i := 0; i < tc.nodes; i++ {
					src := srcs[i]
					for {
						ids := src.next(make([]uint64, 0, 2), tc.batch) // a small cap: next grows it
						if len(ids) == 0 {
							break
						}
						if len(ids) > tc.batch {
							t.Fatalf("node %d: a batch of %d ids, batch size %d", i, len(ids), tc.batch)
						}
						for j, id := range ids {
							if id >= uint64(tc.total) {
								t.Fatalf("node %d: id %d of %d", i, id, tc.total)
							}
							if src.runs() && j > 0 && id != ids[j-1]+1 {
								t.Fatalf("node %d: batch %v is not a run, but its source says runs", i, ids)
							}
							seen[id]++
						}
					}
				}
				for id, n := range seen {
					if n != 1 {
						t.Fatalf("id %d given %d times, want once", id, n)
					}
				}
			})
		}
	}
}
