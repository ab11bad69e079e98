// Package unix is the Unix-domain-socket topology: each node is a separate
// OS process of the snbench binary that listens on a socket file in a
// directory of its cluster's own (mode 0700, under the system's temporary
// directory), and the coordinator connects to it. Node and coordinator
// prove a fresh per-node token to each other in the handshake, as tcp's
// nodes do, so another local user's process that reaches the socket
// cannot take the session. Frames are the wire protocol's, as over tcp and
// pipes.
//
// The whole topology is this package and one registration line in
// topologies/builtin: its node modes (NodeModes), its raw baseline
// (StartEcho: echo processes on sockets of their own, read through the
// same buffer as the links) and its conformance test.
package unix
