package bench

import (
	"testing"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"
)

// TestMain turns the test binary into a node when a test re-executes it as
// one, and otherwise checks that no test leaks a goroutine.
func TestMain(m *testing.M) {
	reg := builtin.Registry(workloads.DefaultRegistry())
	var topos []topologies.Topology
	for _, n := range reg.Names() {
		t, _ := reg.Get(n)
		topos = append(topos, t)
	}
	topotest.Main(m, topos...)
}
