package results

import (
	"fmt"
	"time"
)

// OccupancyLow is the window occupancy below which a closed-loop cell is
// flagged as paced by the coordinator rather than by its window. A pass
// whose slots never wait for the coordinator loses only its edges: the
// window fills at the start and drains at the end, at most about one
// round trip per slot, so with R round trips per slot its occupancy is at
// least about 1 - 1/R (a wait-bound cell of 100 round trips per slot
// measures 0.99). Below 0.8 the slots stood empty at least a fifth of
// the time: kept full, the same latencies would give at least 25% more
// throughput, so the throughput is not the topology's.
const OccupancyLow = 0.8

// shortPass is the round trips per slot below which the window's fill and
// drain alone can bring the occupancy under OccupancyLow (1 - 1/R < 0.8).
const shortPass = 5

// Occupancy returns the window occupancy of a closed-loop pass:
// throughput (tasks/s) x mean latency / (workers x window x batch). By
// Little's law throughput x mean latency is the mean number of tasks in
// flight, and workers x window x batch the most there can be; so it is 1
// when every slot of every node's window always holds a full batch, and
// less by the share of the time slots stood empty. It returns 0 when the
// window holds nothing.
func Occupancy(throughput float64, meanLatency time.Duration, workers, window, batch int) float64 {
	slots := float64(workers) * float64(window) * float64(batch)
	if slots <= 0 {
		return 0
	}
	return throughput * meanLatency.Seconds() / slots
}

// summarizeOccupancy sets s.Occupancy to the mean of the repetitions'
// occupancy, over those that have one, and flags a cell whose window was
// mostly empty.
func summarizeOccupancy(c *Cell, s *Summary) {
	var occ, drain float64
	n := 0
	for _, r := range c.Reps {
		if r.Occupancy > 0 {
			occ += r.Occupancy
			drain += r.DrainIdle
			n++
		}
	}
	if n == 0 {
		return
	}
	s.Occupancy = occ / float64(n)
	k := c.Key
	k.Window = c.WindowUsed()
	if w := occupancyWarning(k, s.Occupancy, drain/float64(n)); w != "" {
		c.addWarning(w)
	}
}

// occupancyWarning is the caveat for a cell of key k whose window
// occupancy was occ, drain of it lost to nodes that finished early (see
// Rep.DrainIdle), or "" when occ is not low. It blames what the figures
// show: a pass too short for its window, nodes that finished their
// shares at different times, or else the coordinator.
func occupancyWarning(k Key, occ, drain float64) string {
	if occ >= OccupancyLow {
		return ""
	}
	// The figures first and together, and nothing per cell after them, so
	// that the notes under a table can say the rest once for every cell.
	what := fmt.Sprintf("window occupancy %.2f, slots empty %.0f%% of the time (throughput x mean latency / (workers x window x batch))",
		occ, 100*(1-occ))
	rounds := float64(k.Tasks) / (float64(k.Workers) * float64(k.Window) * float64(k.Batch))
	switch {
	case rounds < shortPass:
		return fmt.Sprintf("short pass: %s, and with only %.1f batches per slot filling and draining the window alone can leave it that empty: run more tasks before reading this throughput as the topology's", what, rounds)
	case drain >= (1-occ)/2:
		return fmt.Sprintf("uneven nodes: %s, %.0f%% after their node had finished its share while another still worked, so the slowest node set the pace, not the window", what, 100*drain)
	}
	return fmt.Sprintf("coordinator-bound: %s, waiting for the coordinator to refill them, so this throughput is the coordinator's pace, not the topology's latency-bound throughput", what)
}
