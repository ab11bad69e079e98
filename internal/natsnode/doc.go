// Package natsnode is the node side of the nats topology: a node that
// serves sessions coordinators open over NATS (Node, as `snbench node
// --nats-url` runs it), the subjects they meet on, and the nats topology's
// node mode and raw-baseline echo (ServeOne, ServeEcho). It is apart from
// node, which it builds on, so that binaries whose nodes do not speak NATS
// do not link its client: initialising nats.go costs every node process
// about 1.6 ms of CPU here.
package natsnode
