// Package node is the node side of every process transport: it serves one
// session of wire frames (Serve), one session on a listener (ServeOne),
// a TCP server of such sessions (Server), and the node modes of the
// built-in process topologies (ServeStdio, ServeOneTCP, ServeOneNATS and
// their echoes), which those topologies register (topologies.NodeMode).
package node
