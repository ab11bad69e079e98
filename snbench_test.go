package snbench_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/snbench/snbench"
	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// TestNotANodeHint: this test binary does not serve as a node (its
// TestMain is the default), so process nodes it starts run its tests
// instead; the run must fail fast with an error that says what to call.
func TestNotANodeHint(t *testing.T) {
	if os.Getenv(topologies.EnvNodeMode) != "" {
		return // started as a node: run nothing, exit 0, as an unprepared binary does
	}
	ext := snbench.Builtin()
	for _, topo := range []string{"subprocess", "unix", "tcp"} {
		t.Run(topo, func(t *testing.T) {
			p := bench.DefaultPlan([]string{topo})
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{1}, []int{100}, 1, 0
			_, err := ext.Runner().Run(context.Background(), p, bench.CaptureEnv())
			if err == nil || !strings.Contains(err.Error(), "call ServeIfNode first in TestMain or main") {
				t.Fatalf("err = %v, want the hint to call ServeIfNode", err)
			}
			t.Log(err)
		})
	}
}

// A module registers its own workload next to the built-ins and runs a
// plan on it; on process topologies its TestMain (or main) must also call
// ServeIfNode, so that the nodes know the workload too.
func Example() {
	ext := snbench.Builtin()
	ext.Workloads.Register("negate", "returns every value negated", newNegate)

	p := bench.DefaultPlan([]string{"goroutine"})
	p.Workload = "negate"
	p.Workers, p.Tasks, p.Repetitions = []int{2}, []int{10_000}, 1
	res, err := ext.Runner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		fmt.Println(err)
		return
	}
	c := res.Cells[0]
	fmt.Println(c.Key, c.Status, "verified:", c.Verify.Verified)
	// Output: goroutine/workers=2/tasks=10000/payload=1/window=auto/batch=64 ok verified: 10000
}

// negate is a workload: every value comes back negated.
type negate struct{ seed uint64 }

func newNegate(s workloads.Spec) (workloads.Workload, error) {
	if s.Payload != 1 {
		return nil, fmt.Errorf("negate: payload %d, want 1", s.Payload)
	}
	return &negate{seed: s.Seed}, nil
}

func (n *negate) Fill(b *workloads.Batch) {
	b.Resize(len(b.IDs), 1)
	for i, id := range b.IDs {
		b.Values[i] = workloads.Value(n.seed, id, 0)
	}
}

func (n *negate) Serve(in *workloads.Batch, out *workloads.Result) {
	out.Tag = in.Tag
	out.Resize(len(in.IDs), 1)
	copy(out.IDs, in.IDs)
	for i, v := range in.Values {
		out.Values[i] = -v
	}
}

func (n *negate) Verify(r *workloads.Result) (wrong int) {
	for i, id := range r.IDs {
		if r.Values[i] != -workloads.Value(n.seed, id, 0) {
			wrong++
		}
	}
	return wrong
}
