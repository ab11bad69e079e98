// Package node is the node side of every process transport: it serves one
// session of wire frames (Serve), runs a TCP server of such sessions
// (Server), and turns a re-executed snbench binary, or test binary, into a
// node (RunIfChild).
package node
