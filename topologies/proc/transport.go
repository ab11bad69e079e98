package proc

import "github.com/snbench/snbench/topologies"

var _ topologies.Transporter = Topology{}

// Transport returns topologies.TransportPipe.
func (Topology) Transport() string { return topologies.TransportPipe }
