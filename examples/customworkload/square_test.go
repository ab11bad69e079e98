package square_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/snbench/snbench"
	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"

	"example.com/customworkload"
)

// extensions are snbench's built-ins and the square workload: built the
// same way in the coordinator and in every node process (this test
// binary, started again as a node).
func extensions() snbench.Extensions {
	e := snbench.Builtin()
	square.Register(e)
	return e
}

var ext = extensions()

// TestMain serves as a node when a topology starts the test binary as one.
func TestMain(m *testing.M) {
	if code, ok := ext.ServeIfNode(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// plan is a small plan of the square workload on the subprocess topology.
func plan(workers int) bench.Plan {
	p := bench.DefaultPlan([]string{"subprocess"})
	p.Workload = square.Name
	p.Workers, p.Tasks, p.Batch, p.Window, p.Payload = []int{workers}, []int{20_000}, []int{64}, []int{4}, []int{2}
	p.Repetitions, p.Warmup = 2, 1000
	return p
}

// TestSquareOnSubprocessNodes runs the workload on two subprocess nodes:
// every result is verified by the coordinator, so a node that did not
// square (or did not run this workload at all) fails the run.
func TestSquareOnSubprocessNodes(t *testing.T) {
	res, err := ext.Runner().Run(context.Background(), plan(2), bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusOK || !c.Verify.OK() || c.Verify.Verified != 2*20_000 {
		t.Fatalf("cell %s: status %s, verification %+v; want ok with 40000 verified", c.Key, c.Status, c.Verify)
	}
	for _, r := range c.Reps {
		if len(r.NodeTasks) != 2 || r.NodeTasks[0]+r.NodeTasks[1] != 20_000 || r.NodeCPUNS == nil {
			t.Fatalf("repetition %+v: want 20000 tasks over 2 node processes, with their CPU", r)
		}
	}
}

// BenchmarkSquare measures the square workload on the subprocess topology
// at 1 and 2 nodes, from this module's own go test -bench:
//
//	go test -bench Square -benchtime 100000x
func BenchmarkSquare(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("subprocess/workers=%d", workers), func(b *testing.B) {
			p := plan(workers)
			k := results.Key{Topology: "subprocess", Workers: workers, Tasks: b.N, Payload: 2, Window: 4, Batch: 64}
			s, err := ext.Runner().Start(context.Background(), p, k)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ResetTimer()
			rep, err := s.Measure(context.Background(), b.N)
			if err != nil {
				b.Fatal(err)
			}
			if !rep.Verify.OK() {
				b.Fatalf("verification %+v", rep.Verify)
			}
			b.ReportMetric(rep.Throughput, "tasks/s")
		})
	}
}
