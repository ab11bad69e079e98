// Package goroutine is the in-process topology: each node is a goroutine
// with its own inbox and outbox channels and its own workload instance.
//
// Nothing is shared between nodes or with the coordinator. A message is a
// buffer whose ownership moves with it: Send copies the caller's batch into
// the next message of the link's ring and hands it to the node; the node
// owns it until it sends it back with the results; Recv copies the results
// out and counts the message free again. At no time do two goroutines hold
// one message, and the steady state allocates nothing.
package goroutine
