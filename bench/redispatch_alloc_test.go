package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// TestRedispatchAllocationsPerBatch: redispatch mode's shared state (a
// counter, a queue check, a compare-and-swap per batch) allocates nothing
// per batch either, closed or open loop, while no node fails.
func TestRedispatchAllocationsPerBatch(t *testing.T) {
	tp, err := builtin.Registry(workloads.DefaultRegistry()).Get("goroutine")
	if err != nil {
		t.Fatal(err)
	}
	for _, rate := range []float64{0, 2e6} {
		name := "closed"
		if rate > 0 {
			name = "open"
		}
		t.Run(name, func(t *testing.T) {
			ps := passSpec{policy: "round-robin", rate: rate, arrivals: "constant", redispatch: true}
			if perBatch := allocsPerBatch(t, tp, 2, ps, 1000, 10000); perBatch > 0.01 {
				t.Errorf("%.4f allocations per batch in redispatch mode, want none", perBatch)
			}
		})
	}
}

// BenchmarkPassPolicy measures a closed-loop pass over two goroutine nodes
// under each node failure policy, per task, at batch 1 and 64: the
// difference is the cost of redispatch mode's shared state while no node
// fails (see docs/reliability.md).
func BenchmarkPassPolicy(b *testing.B) {
	wl := workloads.DefaultRegistry()
	tp, err := builtin.Registry(wl).Get("goroutine")
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{1, 64} {
		for _, redispatch := range []bool{false, true} {
			name := fmt.Sprintf("batch=%d/policy=fail", batch)
			if redispatch {
				name = fmt.Sprintf("batch=%d/policy=redispatch", batch)
			}
			b.Run(name, func(b *testing.B) {
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				spec := workloads.DefaultSpec()
				c, err := tp.Start(ctx, topologies.Config{Workers: 2, Workload: spec, Window: 4, Batch: batch, StartTimeout: 10 * time.Second})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				newWL := func() (workloads.Workload, error) { return wl.New(spec) }
				b.ResetTimer()
				ps := passSpec{policy: "round-robin", total: b.N, batch: batch, window: 4, timeout: 5 * time.Second, redispatch: redispatch}
				if _, err := runPass(ctx, cancel, c.Links(), newWL, ps); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
