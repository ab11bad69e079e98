package goroutine

import "github.com/snbench/snbench/topologies"

var _ topologies.Transporter = (*Topology)(nil)

// Transport returns topologies.TransportChannel.
func (*Topology) Transport() string { return topologies.TransportChannel }
