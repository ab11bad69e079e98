// Package multihost holds the test that runs snbench across real network
// stacks: it creates network namespaces joined to the host by veth pairs,
// starts `snbench node` (TCP with a token, and NATS) inside them, runs the
// tcp and nats topologies across them with full verification, and checks
// that a fixed delay on one link (tc netem, or a delaying relay where the
// kernel has no netem) moves the latency distribution by about that delay.
// It needs root and iproute2; elsewhere it skips and says why. It has no
// code outside its tests.
package multihost
