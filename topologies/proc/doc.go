// Package proc is the subprocess topology: each node is a separate OS
// process, the snbench binary (or test binary) started again in node mode,
// speaking wire frames over its stdin and stdout.
//
// A binary (or test binary) that starts subprocess nodes must serve as one
// when started as one: call snbench.Extensions.ServeIfNode (or
// topologies.Registry.ServeIfNode) first thing in main or TestMain.
package proc
