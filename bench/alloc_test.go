package bench

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// TestAllocationsPerBatch: the coordinator's hot path allocates nothing
// per batch (the target is 0 per task for goroutines and at most 1 per
// batch elsewhere; all three measure 0). The per-pass setup (drivers,
// histograms, bitsets) cancels out by comparing two pass sizes.
func TestAllocationsPerBatch(t *testing.T) {
	limits := map[string]float64{"goroutine": 0.01, "subprocess": 0.01, "tcp": 0.01}
	wl := workloads.DefaultRegistry()
	reg := builtin.Registry(wl)
	for topo, limit := range limits {
		t.Run(topo, func(t *testing.T) {
			tp, err := reg.Get(topo)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			spec := workloads.DefaultSpec()
			c, err := tp.Start(ctx, topologies.Config{Workers: 1, Workload: spec, Window: 4, Batch: 64, StartTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			newWL := func() (workloads.Workload, error) { return wl.New(spec) }
			mallocs := func(tasks int) uint64 {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				ps := passSpec{policy: "round-robin", total: tasks, batch: 64, window: 4, timeout: 5 * time.Second, record: true}
				if _, err := runPass(ctx, cancel, c.Links(), newWL, ps); err != nil {
					t.Fatal(err)
				}
				runtime.ReadMemStats(&after)
				return after.Mallocs - before.Mallocs
			}
			mallocs(64 * 100) // warm-up pass
			small, large := mallocs(64*1000), mallocs(64*20000)
			perBatch := (float64(large) - float64(small)) / 19000
			t.Logf("%d mallocs for a pass of 1000 batches, %d for 20000: %.4f per batch", small, large, perBatch)
			if perBatch > limit {
				t.Errorf("%.4f allocations per batch, want at most %v", perBatch, limit)
			}
		})
	}
}
