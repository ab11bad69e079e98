package topotest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// Main is the TestMain of packages whose tests start node processes of
// topos: it turns the test binary into a node when a test re-executes it
// as one (serving the default workloads), and otherwise runs the tests and
// fails them if any goroutine leaks.
//
// A node process it serves first does what StartFailures asks of node
// processes: it records its pid and, if it is the one named, fails on
// purpose.
func Main(m *testing.M, topos ...topologies.Topology) {
	if os.Getenv(topologies.EnvNodeMode) != "" {
		failOnPurpose()
	}
	reg := topologies.NewRegistry()
	for _, t := range topos {
		reg.Register(t, "")
	}
	if code, ok := reg.ServeIfNode(workloads.DefaultRegistry()); ok {
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}

// Conformance starts clusters of topo at a few shapes (workers, batch,
// window, payload) and Exercises each: every result verified, every task
// back once, each link's end marker last.
func Conformance(t *testing.T, topo topologies.Topology) { ConformanceOptions(t, topo, nil) }

// ConformanceOptions is Conformance with the topology's options o (and
// row, for a topology whose options make rows: see topologies.Rower).
func ConformanceOptions(t *testing.T, topo topologies.Topology, o topologies.Options, row ...string) {
	for _, tc := range []struct{ workers, batch, window, payload int }{
		{1, 1, 1, 1}, {2, 64, 4, 1}, {3, 7, 2, 5},
	} {
		t.Run(fmt.Sprintf("workers=%d/batch=%d/window=%d/payload=%d", tc.workers, tc.batch, tc.window, tc.payload), func(t *testing.T) {
			spec := workloads.DefaultSpec()
			spec.Payload = tc.payload
			cfg := topologies.Config{Workers: tc.workers, Workload: spec, Window: tc.window, Batch: tc.batch,
				Options: o, StartTimeout: 10 * time.Second}
			if len(row) > 0 {
				cfg.Row = row[0]
			}
			c, err := topo.Start(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			Exercise(t, c, spec, 50, tc.batch, tc.window)
		})
	}
}
