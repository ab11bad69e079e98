// Package tcp is the TCP topology: each node is a separate OS process that
// listens on 127.0.0.1 on a port the OS picks, and the coordinator dials it.
// With --nodes (OptNodes) it instead dials nodes that already run (started with
// `snbench node --listen ADDR`, here or on other machines); when
// Config.Token is set, each such node and the coordinator prove the token
// to each other in the handshake (see internal/auth). The nodes it starts
// itself get a fresh token each.
package tcp
