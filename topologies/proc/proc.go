package proc

import (
	"context"
	"fmt"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

// Topology starts subprocess nodes. It is stateless and safe for concurrent
// use.
type Topology struct{}

var _ topologies.Topology = Topology{}

// New returns the subprocess topology.
func New() Topology { return Topology{} }

// Name returns "subprocess".
func (Topology) Name() string { return "subprocess" }

// Start starts cfg.Workers node processes and completes the handshake with
// each.
func (Topology) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("subprocess: %w", err)
	}
	timeout := cfg.StartBound()
	return link.StartCluster(ctx, cfg.Workers, func(ctx context.Context, i int) (*link.Stream, *link.Child, error) {
		name := fmt.Sprintf("subprocess-%d", i+1)
		return link.OpenPiped(ctx, name, link.Command{Env: topologies.NodeEnv(node.ModeStdio, name)}, cfg.Workload, timeout, link.InFlightBytes(cfg), cfg.Log)
	})
}
