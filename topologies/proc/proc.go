package proc

import (
	"context"
	"fmt"
	"time"

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
	return link.StartCluster(cfg.Workers, func(i int) (*link.Stream, *link.Child, error) {
		return startNode(ctx, fmt.Sprintf("subprocess-%d", i+1), cfg, timeout)
	})
}

func startNode(ctx context.Context, name string, cfg topologies.Config, timeout time.Duration) (*link.Stream, *link.Child, error) {
	env := topologies.NodeEnv(node.ModeStdio, name)
	ch, inW, outR, err := link.StartPiped(name, env, cfg.Log)
	if err != nil {
		return nil, nil, err
	}
	conn := link.Pipes(outR, inW)
	info := topologies.NodeInfo{Name: name, PID: ch.PID()}
	s, err := link.Open(ctx, conn, info, cfg.Workload, link.OpenOptions{Timeout: timeout, Child: ch})
	if err != nil {
		conn.Close()
		return nil, ch, err
	}
	return s, ch, nil
}
