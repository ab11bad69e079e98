package bench

import (
	"math"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// TestOccupancyOf: a pass's occupancy comes from the drivers' exact
// latency sums, over the nodes the pass started with.
func TestOccupancyOf(t *testing.T) {
	t.Parallel()
	// Two nodes, window 2, batch 4: 16 task slots. 800 tasks at 3 ms
	// and 200 at 8 ms average 4 ms; 2000 tasks/s x 4 ms = 8 in flight.
	// The first node verified its last result at 400 ms, the second at
	// 500 ms, of a 500 ms pass: the first's slots stood empty a fifth of
	// the time, a tenth of the window's.
	two := []*driver{
		{latSum: 800 * 3 * time.Millisecond, tasks: 800, done: 400 * time.Millisecond},
		{latSum: 200 * 8 * time.Millisecond, tasks: 200, done: 500 * time.Millisecond},
	}
	wall := 500 * time.Millisecond
	tests := []struct {
		name       string
		pr         *passResult
		occ, drain float64
	}{
		{"two nodes", &passResult{wall: wall, drivers: two}, 0.5, 0.1},
		{"a node failed", &passResult{wall: wall, drivers: two, redispatch: &passRedispatch{failures: []results.Failure{{Node: "n1"}}}}, 0, 0},
		{"transport resent, no failure", &passResult{wall: wall, drivers: two, redispatch: &passRedispatch{transport: 4}}, 0.5, 0.1},
		{"nothing recorded", &passResult{wall: wall, drivers: []*driver{{}}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			occ, drain := occupancyOf(tt.pr, 2000, 2, 4)
			if math.Abs(occ-tt.occ) > 1e-12 || math.Abs(drain-tt.drain) > 1e-12 {
				t.Errorf("occupancy %v, drain %v; want %v, %v", occ, drain, tt.occ, tt.drain)
			}
		})
	}
}
