// Package snbench is the entry point for extending snbench from another Go
// module, the way xk6 extends k6 and xcaddy extends caddy: register
// topologies and workloads in an Extensions, then
//
//   - build a custom snbench command line with them (Main), or
//   - run plans from the module's own tests and benchmarks (Runner), with
//     process-node topologies too: the test binary serves as its own node
//     when a topology starts it as one (ServeIfNode in TestMain).
//
// A custom build:
//
//	func main() {
//		ext := snbench.Builtin()
//		ext.Topologies.Register(mytopo.New(), "my transport")
//		ext.Workloads.Register("sum", "sums the values", mywork.New)
//		snbench.Main(ext)
//	}
//
// A test package that benchmarks a workload on process nodes:
//
//	var ext = newExtensions() // the same topologies and workloads in every process
//
//	func TestMain(m *testing.M) {
//		if code, ok := ext.ServeIfNode(); ok {
//			os.Exit(code)
//		}
//		os.Exit(m.Run())
//	}
//
// How to write a topology or a workload: docs/extending.md, and the
// package documentation of topologies and workloads.
package snbench

import (
	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/internal/app"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// Extensions are the topologies and workloads a binary knows. Every
// process of a run must know the same ones: the coordinator, and each node
// process it starts (which is the same binary, serving through
// ServeIfNode), so build them the same way in each, before main or
// TestMain does anything else.
type Extensions struct {
	// Topologies are the registered topologies, in the order of tables
	// and of the default comparison.
	Topologies *topologies.Registry
	// Workloads are the registered workloads. Topologies that make
	// workloads in the coordinator's process (goroutine) make them from
	// this registry, so register custom workloads here before a run.
	Workloads *workloads.Registry
}

// Builtin returns fresh registries of the topologies and workloads that
// ship with snbench, to add to.
func Builtin() Extensions {
	wl := workloads.DefaultRegistry()
	return Extensions{Topologies: builtin.Registry(wl), Workloads: wl}
}

// ServeIfNode turns the process into a node when a topology started it as
// one, serving e's workloads, and reports ok = true with the exit code to
// exit with; otherwise it returns ok = false at once. Call it first thing
// in main and in TestMain of any package whose tests start process nodes.
// A binary that does not call it, started as a node, runs its tests or
// its command line instead, and the coordinator's error says to call it.
func (e Extensions) ServeIfNode() (code int, ok bool) {
	return e.Topologies.ServeIfNode(e.Workloads)
}

// Runner returns a bench.Runner that runs plans on e's topologies and
// workloads: Run for whole plans, Start for a Session of one cell to
// measure from a Go benchmark.
func (e Extensions) Runner() *bench.Runner {
	return &bench.Runner{Topologies: e.Topologies, Workloads: e.Workloads}
}

// Main runs the snbench command line with e's topologies and workloads
// (every command: run, report, compare, node, list, ...) and exits. It
// serves as a node first when started as one.
func Main(e Extensions) { app.Main(e.Topologies, e.Workloads) }
