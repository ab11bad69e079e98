package proc

import (
	"context"
	"time"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

var (
	_ topologies.EchoStarter = Topology{}
	_ topologies.NodeModer   = Topology{}
)

// Transport returns topologies.TransportPipe.
func (Topology) Transport() string { return topologies.TransportPipe }

// StartEcho starts the bare pipe transport for a raw baseline:
// cfg.Endpoints child processes that copy their stdin to their stdout, read
// through a buffer as the topology's links read their pipes.
func (Topology) StartEcho(ctx context.Context, cfg topologies.EchoConfig) (topologies.EchoSet, error) {
	return link.StartStreamEchoes(ctx, cfg, "raw-pipe", func(_ context.Context, name string, _ time.Duration) (link.EchoEndpoint, error) {
		return link.StartChildEcho(node.ModeEchoStdio, name, cfg.Log)
	})
}

// NodeModes returns the modes a subprocess node and its raw-baseline echo
// run in.
func (Topology) NodeModes() []topologies.NodeMode {
	return []topologies.NodeMode{
		{Name: node.ModeStdio, Serve: node.ServeStdio},
		{Name: node.ModeEchoStdio, Serve: node.ServeEchoStdio},
	}
}
