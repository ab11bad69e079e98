// Package bench runs plans: the cross product of topologies and scale axes,
// each cell measured in repetitions whose rounds interleave across cells, so
// that drift of the machine spreads over every cell instead of biasing one.
//
// Each repetition starts its cluster, warms it up (verified, not measured),
// then runs a closed loop: every node gets its own driver on the
// coordinator's side (a sender and a receiver goroutine, or one loop over
// a link that queues, topologies.Queued, which sends each batch as soon as
// the answer that freed its window slot is verified) that owns its share
// of the task ids, its window of in-flight batches, its verifier state and
// its HDR histograms. Nothing on the per-task path is shared between
// drivers, except the one atomic counter of the least-outstanding policy's
// shared queue, which is that policy's cost. Driver figures are merged once,
// after the measured window.
//
// Every pass runs one send loop per driver, fed by a source of work (feed.go):
// the closed loop, the open loop's schedule (openloop.go), or, under
// on_node_failure: redispatch, a feed around either that first sends what
// failed nodes had in flight or left unsent (redispatch_send.go). Every pass
// shares one orchestration (runDrivers, pass.go) under a failure policy:
// failFast ends the pass at the first node failure; the redispatcher
// (redispatch.go) drops the node, closes its link and hands its work on. So
// fault handling is a layer: the fail-mode driver and its slots carry no
// redispatch state, and a topology gets every policy through its links
// alone (an io.Closer link can be dropped on its own; a
// topologies.Resender link says which answers it sent again itself).
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
