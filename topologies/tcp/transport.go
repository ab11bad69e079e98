package tcp

import "github.com/snbench/snbench/topologies"

var _ topologies.Transporter = Topology{}

// Transport returns topologies.TransportTCP.
func (Topology) Transport() string { return topologies.TransportTCP }
