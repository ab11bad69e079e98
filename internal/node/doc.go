// Package node is the node side of the byte-stream process transports: it
// serves one session of wire frames (Serve), one session on a listener
// (ServeOne), a TCP server of such sessions (Server), and the node modes of
// the built-in process topologies (ServeStdio, ServeOneTCP and their
// echoes), which those topologies register (topologies.NodeMode). The NATS
// node is natsnode's, so that a binary whose nodes speak only over pipes
// and sockets does not link (and initialise, in every node process) a NATS
// client.
package node
