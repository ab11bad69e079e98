package bench_test

import (
	"context"
	"testing"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/topologies"
)

// TestBaselines runs every registered topology that has a raw baseline
// (topologies.EchoStarter) with --baselines and checks that each cell has
// a raw baseline of its bare transport, measured each round, with a
// throughput the topology's does not exceed by much.
func TestBaselines(t *testing.T) {
	r := newRunner()
	for _, name := range r.Topologies.Defaults() {
		topo, _ := r.Topologies.Get(name)
		es, ok := topo.(topologies.EchoStarter)
		if !ok {
			continue
		}
		// Enough tasks that each baseline takes some 50-100 ms: shorter
		// ones (10 ms) were at the mercy of a single scheduling delay on a
		// busy machine, and read 160-310% efficiency under load.
		tc := struct {
			topology, transport string
			tasks               int
		}{name, es.Transport(), 200_000}
		if _, processes := topo.(topologies.NodeModer); !processes {
			tc.tasks = 2_000_000 // goroutine nodes are fast
		}
		t.Run(tc.topology, func(t *testing.T) {
			p := bench.DefaultPlan([]string{tc.topology})
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{1, 2}, []int{tc.tasks}, 2, 1000
			p.Baselines = true
			res, err := r.Run(context.Background(), p, bench.CaptureEnv())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Cells) != 2 {
				t.Fatalf("%d cells, want 2", len(res.Cells))
			}
			for _, c := range res.Cells {
				checkCell(t, p, c)
				b := c.Baseline
				if b == nil {
					t.Fatalf("%s: no baseline", c.Key)
				}
				if b.Transport != tc.transport || len(b.Reps) != p.Repetitions {
					t.Fatalf("%s: baseline of %q with %d reps, want %q with %d", c.Key, b.Transport, len(b.Reps), tc.transport, p.Repetitions)
				}
				for _, rep := range b.Reps {
					if rep.Tasks < int64(c.Tasks) || rep.P50NS <= 0 || rep.P99NS < rep.P50NS {
						t.Fatalf("%s: baseline repetition %+v", c.Key, rep)
					}
				}
				if b.Throughput.Mean <= 0 || b.P50NS <= 0 {
					t.Fatalf("%s: baseline throughput %v, p50 %d ns", c.Key, b.Throughput.Mean, b.P50NS)
				}
				if e := c.Efficiency(); e <= 0 || e > 1.5 {
					t.Errorf("%s: efficiency %.2f (throughput %.0f/s, baseline %.0f/s), want (0, 1.5]",
						c.Key, e, c.Summary.Throughput.Mean, b.Throughput.Mean)
				}
				t.Logf("%s: %.0f tasks/s, baseline %.0f tasks/s (%.0f%%), p50 %d ns", c.Key,
					c.Summary.Throughput.Mean, b.Throughput.Mean, 100*c.Efficiency(), b.P50NS)
			}
		})
	}
}
