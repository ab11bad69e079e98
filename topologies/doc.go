// Package topologies defines how tasks reach nodes: the Topology interface,
// the Cluster a topology starts, the Link to each node, and a Registry of
// topologies by name.
//
// A node owns its CPU, memory and state; tasks and results cross only as
// messages. The implementations live in subpackages: goroutine (a goroutine
// per node with its own inbox), proc (a child process per node over
// stdin/stdout pipes) and tcp (a process per node on a loopback port, or
// nodes that already run elsewhere). Package builtin assembles them.
package topologies
