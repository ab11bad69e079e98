package bench

import (
	"fmt"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// TestSeenSetsExactAndProportional: under every dispatch policy, with and
// without redispatch, the drivers' seen sets count every id of a pass once,
// count an id answered again (on the same or another driver) as a
// duplicate, and hold about total/8 bytes in all, not nodes x total/8.
func TestSeenSetsExactAndProportional(t *testing.T) {
	tests := []struct {
		policy       string
		redispatch   bool
		nodes        int
		total, batch uint64
	}{
		{results.DispatchRoundRobin, false, 1, 1000, 64},
		{results.DispatchRoundRobin, false, 3, 1000, 7},
		{results.DispatchRoundRobin, false, 512, 100_000, 1},
		{results.DispatchRoundRobin, false, 5, 64 * 5 * 3, 64},
		{results.DispatchRoundRobin, true, 3, 1000, 7},
		{results.DispatchHash, false, 4, 1000, 16},
		{results.DispatchLeastOutstanding, false, 3, 1000, 10},
		{results.DispatchLeastOutstanding, true, 2, 999, 64},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/redispatch=%v/nodes=%d/total=%d/batch=%d", tt.policy, tt.redispatch, tt.nodes, tt.total, tt.batch)
		t.Run(name, func(t *testing.T) {
			srcs := newSources(tt.policy, tt.nodes, tt.total, tt.batch)
			sets := newSeenSets(tt.policy, tt.redispatch, tt.nodes, tt.total, tt.batch)
			drivers := make([]*driver, tt.nodes)
			for i := range drivers {
				drivers[i] = &driver{seen: sets[i]}
			}
			var last []uint64
			lastNode := 0
			for busy := true; busy; {
				busy = false
				for i, src := range srcs {
					ids := src.next(nil, int(tt.batch))
					if len(ids) == 0 {
						continue
					}
					busy = true
					if dup := drivers[i].seen.setAll(ids); dup != 0 {
						t.Fatalf("node %d: %d duplicates in a fresh batch %v", i, dup, ids)
					}
					last, lastNode = ids, i
				}
			}
			if got := distinct(drivers); got != int64(tt.total) {
				t.Fatalf("distinct = %d, want %d", got, tt.total)
			}
			if dup := drivers[lastNode].seen.setAll(last); dup != int64(len(last)) {
				t.Errorf("the last batch again: %d duplicates, want %d", dup, len(last))
			}
			if tt.nodes > 1 && (tt.redispatch || tt.policy != results.DispatchRoundRobin) {
				other := (lastNode + 1) % tt.nodes
				if dup := drivers[other].seen.setAll(last); dup != int64(len(last)) {
					t.Errorf("the last batch on another node: %d duplicates, want %d", dup, len(last))
				}
			}
			if dup := drivers[0].seen.setAll([]uint64{tt.total + 5}); dup != 1 {
				t.Errorf("an id past the end: %d duplicates, want 1", dup)
			}
			// Memory: the ids once, plus at most a batch and a word per driver.
			limit := int64(tt.total)/8 + int64(tt.nodes)*(int64(tt.batch)/8+16)
			if b := seenBytes(drivers); b > limit {
				t.Errorf("seen sets hold %d bytes, want at most %d (total/8 = %d)", b, limit, tt.total/8)
			}
		})
	}
}

// TestSeenSetRoundRobinForeignIDs: a round-robin driver's compact set
// counts an id of another driver's share as never new.
func TestSeenSetRoundRobinForeignIDs(t *testing.T) {
	sets := newSeenSets(results.DispatchRoundRobin, false, 2, 256, 8)
	if dup := sets[0].setAll([]uint64{8, 9, 10}); dup != 3 { // batch 1 belongs to node 1
		t.Errorf("node 0 took node 1's ids: %d duplicates, want 3", dup)
	}
	if dup := sets[1].setAll([]uint64{8, 9, 10}); dup != 0 {
		t.Errorf("node 1's own ids: %d duplicates, want 0", dup)
	}
	if dup := sets[1].setAll([]uint64{7, 8}); dup != 2 { // 7 is node 0's; 8 already set
		t.Errorf("across a batch boundary: %d duplicates, want 2", dup)
	}
}

// TestSeenSetRunMatchesSetAll: marking a run of consecutive ids with setRun
// (the receiver's path for a batch its source drew as a run) counts and
// marks exactly as setAll does, for a driver's own share and for the
// shared set, for runs inside a share's batch, across batches and shares,
// and past the pass's last id.
func TestSeenSetRunMatchesSetAll(t *testing.T) {
	runs := [][2]uint64{{0, 8}, {0, 8}, {4, 8}, {8, 8}, {12, 3}, {16, 16}, {30, 4}, {95, 5}, {99, 1}, {100, 3}, {7, 1}}
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			const nodes, total, batch = 2, 100, 8
			a := newSeenSets(results.DispatchRoundRobin, shared, nodes, total, batch)
			b := newSeenSets(results.DispatchRoundRobin, shared, nodes, total, batch)
			for _, r := range runs {
				for node := range nodes {
					ids := make([]uint64, r[1])
					for i := range ids {
						ids[i] = r[0] + uint64(i)
					}
					want := a[node].setAll(ids)
					if got := b[node].setRun(r[0], r[1]); got != want {
						t.Fatalf("node %d, run %v: setRun counts %d already there, setAll %d", node, r, got, want)
					}
				}
			}
			for node := range nodes {
				if a[node].own.count() != b[node].own.count() {
					t.Errorf("node %d: %d ids marked by setRun, %d by setAll", node, b[node].own.count(), a[node].own.count())
				}
			}
			if shared && bitset(a[0].shared.words).count() != bitset(b[0].shared.words).count() {
				t.Error("the shared sets differ")
			}
		})
	}
}
