// Package tcp is the TCP topology: each node is a separate OS process that
// listens on 127.0.0.1 on a port the OS picks, and the coordinator dials it.
// With Config.Nodes it instead dials nodes that already run (started with
// `snbench node --listen ADDR`, here or on other machines).
package tcp
