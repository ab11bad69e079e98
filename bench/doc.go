// Package bench runs plans: the cross product of topologies and scale axes,
// each cell measured in repetitions whose rounds interleave across cells, so
// that drift of the machine spreads over every cell instead of biasing one.
//
// Each repetition starts its cluster, warms it up (verified, not measured),
// then runs a closed loop: every node gets its own driver on the
// coordinator's side (a sender and a receiver goroutine) that owns its share
// of the task ids, its window of in-flight batches, its verifier state and
// its HDR histograms. Nothing on the per-task path is shared between
// drivers, except the one atomic counter of the least-outstanding policy's
// shared queue, which is that policy's cost. Driver figures are merged once,
// after the measured window.
//
// Latency is measured per batch: the sender reads the clock when it takes a
// window slot for a batch (before drawing its ids and Fill), the receiver
// after the batch's result is verified, and every task in the batch is
// recorded with that latency (they travelled together). So the
// coordinator's work on a batch is inside its latency, throughput x mean
// latency is the mean number of tasks in flight (Little's law), and that
// over the window's task slots is the pass's occupancy: 1 when no slot
// ever waits for the coordinator (see results.Occupancy). Nodes
// report their service time per batch on their own clock, so no two
// processes' clocks are ever compared. With batch 1 this is exact per-task
// measurement. A repetition counts its measurements (one per batch) and the
// tasks whose latency exceeded the histogram's 60 s ceiling (see
// results.SamplesOf).
package bench
