package tcp

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/snbench/snbench/topologies"
)

// OptNodes names nodes that already run (`snbench node --listen ADDR`,
// here or on other machines): host:port, comma-separated. The topology
// dials the first Workers of them instead of starting its own.
const OptNodes = "nodes"

// OptLabel labels the row of the nodes --nodes names ("tcp:py"), so that
// a table says whose nodes they are: someone's own worker in another
// language is not snbench's tcp node.
const OptLabel = "nodes-label"

var (
	_ topologies.Configurable   = Topology{}
	_ topologies.RunningNodes   = Topology{}
	_ topologies.DefaultWorkers = Topology{}
	_ topologies.Preflighter    = Topology{}
	_ topologies.Rower          = Topology{}
)

// Options declares --nodes and --nodes-label.
func (Topology) Options() []topologies.Option {
	return []topologies.Option{
		{Name: OptNodes, Kind: topologies.OptionList,
			Usage: "`host:port,...` of running nodes ('snbench node --listen', or your own worker: docs/protocol.md) for the tcp topology (alone, it runs only tcp, on as many workers as nodes)"},
		{Name: OptLabel, Kind: topologies.OptionString,
			Usage: "`LABEL` of the --nodes row (tcp:LABEL), to say whose nodes they are"},
	}
}

// CheckOptions checks that there are nodes enough for the largest cell,
// and that a label labels some.
func (Topology) CheckOptions(o topologies.Options, workers int) error {
	n := len(o.List(OptNodes))
	if n > 0 && workers > n {
		return fmt.Errorf("--%s: %d workers but only %d nodes given", OptNodes, workers, n)
	}
	if l, given := o[OptLabel]; given {
		if n == 0 {
			return fmt.Errorf("--%s labels the nodes --%s names: give them", OptLabel, OptNodes)
		}
		if err := topologies.CheckLabel(l); err != nil {
			return fmt.Errorf("--%s: %w", OptLabel, err)
		}
	}
	return nil
}

// Rows returns the label of the --nodes row, if one is given.
func (Topology) Rows(o topologies.Options) []string {
	if l := o.Get(OptLabel); l != "" && len(o.List(OptNodes)) > 0 {
		return []string{l}
	}
	return nil
}

// UsesRunningNodes says whether o names nodes.
func (Topology) UsesRunningNodes(o topologies.Options) bool { return len(o.List(OptNodes)) > 0 }

// DefaultWorkers is as many workers as nodes given.
func (Topology) DefaultWorkers(o topologies.Options) []int {
	if n := len(o.List(OptNodes)); n > 0 {
		return []int{n}
	}
	return nil
}

// Preflight dials every node once, so that an unreachable address fails
// before anything runs.
func (Topology) Preflight(ctx context.Context, o topologies.Options) error {
	for i, addr := range o.List(OptNodes) {
		d := net.Dialer{Timeout: 3 * time.Second}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("--%s: node %d (%s) cannot be reached: %w", OptNodes, i+1, addr, err)
		}
		_ = c.Close()
	}
	return nil
}
