// Package link is the coordinator's end of every process transport: a
// topologies.Link over a byte stream of wire frames (Stream), and the
// start, stop and reaping of node child processes (Child).
package link
