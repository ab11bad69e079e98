package nats

import (
	"context"
	"fmt"

	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
)

var (
	_ topologies.Transporter = Topology{}
	_ topologies.EchoStarter = Topology{}
)

// Transport returns topologies.TransportNATS.
func (Topology) Transport() string { return topologies.TransportNATS }

// StartEcho starts the bare transport under the topology, for a raw
// baseline: an embedded server on loopback (a port the OS picks, a fresh
// token), cfg.Endpoints echo processes in one queue group, each answering
// every request with its payload unchanged, and cfg.Endpoints requester
// connections, one per endpoint, each publishing requests with its own
// inbox as the reply subject, as the topology's links do. An endpoint's
// Write publishes one request; its Reads return the replies' payloads.
//
// The baseline always uses an embedded server, whatever --nats-url says:
// it measures NATS on this machine, not a remote server.
func (Topology) StartEcho(ctx context.Context, cfg topologies.EchoConfig) (topologies.EchoSet, error) {
	e, err := startEchoes(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("nats echo: %w", err)
	}
	return e, nil
}

var _ topologies.NodeModer = Topology{}

// NodeModes returns the modes a nats node and its raw-baseline echo run
// in.
func (Topology) NodeModes() []topologies.NodeMode {
	return []topologies.NodeMode{
		{Name: node.ModeNATS, Serve: natsnode.ServeOne},
		{Name: node.ModeEchoNATS, Serve: natsnode.ServeEcho},
	}
}
