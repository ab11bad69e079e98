// Package proc is the subprocess topology: each node is a separate OS
// process, the snbench binary (or test binary) started again in node mode,
// speaking wire frames over its stdin and stdout.
//
// Binaries other than cmd/snbench that start proc nodes must call
// node.RunIfChild first thing in main (or TestMain).
package proc
