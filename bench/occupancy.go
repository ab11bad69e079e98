package bench

import (
	"time"

	"github.com/snbench/snbench/bench/results"
)

// occupancyOf returns a closed-loop pass's window occupancy (see
// results.Occupancy) from the drivers' exact latency sums: throughput x
// the mean of every recorded task's latency / (nodes x window x batch),
// with the nodes the pass started with. drain is the share of the same
// slot-time that a node's slots stood empty because it had verified its
// last result while another node still worked: sum over nodes of (the
// last node's finish - its finish) / (nodes x wall). Both are 0 for a pass
// in which a node failed, whose window shrank part-way, or one that
// recorded no latency.
func occupancyOf(pr *passResult, throughput float64, window, batch int) (occ, drain float64) {
	if pr.redispatch != nil && len(pr.redispatch.failures) > 0 {
		return 0, 0
	}
	var sum, last, early time.Duration
	var tasks int64
	for _, d := range pr.drivers {
		sum += d.latSum
		tasks += d.tasks
		last = max(last, d.done)
	}
	if tasks == 0 || pr.wall <= 0 {
		return 0, 0
	}
	for _, d := range pr.drivers {
		early += last - d.done
	}
	n := len(pr.drivers)
	occ = results.Occupancy(throughput, sum/time.Duration(tasks), n, window, batch)
	return occ, early.Seconds() / (float64(n) * pr.wall.Seconds())
}
