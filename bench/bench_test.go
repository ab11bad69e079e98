package bench_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// benchWorkers are the node counts every topology is benchmarked at.
var benchWorkers = [...]int{1, 2, 4, 8}

// benchWarmup is the tasks each sub-benchmark's cluster runs, verified but
// outside the timer, before its first timed pass.
const benchWarmup = 10_000

// BenchmarkDoubling runs the doubling workload on every registered topology
// at 1, 2, 4 and 8 workers, as BenchmarkDoubling/topology=T/workers=N.
// One op is one task: b.N tasks go through the cluster in one closed-loop,
// verified pass, so ns/op is nanoseconds per task. Each sub-benchmark starts
// its cluster once, outside the timer, and keeps it for every b.N the
// testing package tries. Extra metrics: tasks/s (throughput of the pass),
// p50-ns and p99-ns (per-task latency from submit to verified result) and
// cpu-ns/task (coordinator plus node CPU time per task). The window is
// a fixed 4, not the default run's auto: a probe may choose differently
// from one run of the benchmark to the next, and the benchmark is there
// to compare runs.
func BenchmarkDoubling(b *testing.B) {
	wl := workloads.DefaultRegistry()
	r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}
	p := bench.DefaultPlan(r.Topologies.Defaults())
	p.Warmup, p.Window = benchWarmup, []int{4}
	for _, topo := range p.Topologies {
		for _, workers := range benchWorkers {
			k := results.Key{Topology: topo, Workers: workers, Tasks: 1,
				Payload: p.Payload[0], Window: p.Window[0], Batch: p.Batch[0]}
			var sess *bench.Session
			b.Run(fmt.Sprintf("topology=%s/workers=%d", topo, workers), func(b *testing.B) {
				if sess == nil {
					var err error
					if sess, err = r.Start(context.Background(), p, k); err != nil {
						b.Fatal(err)
					}
					if _, err := sess.Measure(b.Context(), benchWarmup); err != nil {
						b.Fatal(err)
					}
				}
				benchPass(b, sess)
			})
			if sess != nil {
				if err := sess.Close(); err != nil {
					b.Error(err)
				}
			}
		}
	}
}

// benchPass times one pass of b.N tasks and reports its metrics.
func benchPass(b *testing.B, sess *bench.Session) {
	b.ResetTimer()
	rep, err := sess.Measure(b.Context(), b.N)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	lat, err := rep.Latency.Decode()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rep.Throughput, "tasks/s")
	b.ReportMetric(float64(lat.ValueAtQuantile(50)), "p50-ns")
	b.ReportMetric(float64(lat.ValueAtQuantile(99)), "p99-ns")
	cpu := float64(rep.CoordCPUNS)
	if rep.NodeCPUNS != nil {
		cpu += float64(*rep.NodeCPUNS)
	}
	b.ReportMetric(cpu/float64(rep.Tasks), "cpu-ns/task")
}

// TestSession is the smoke test of the API the benchmarks use: a cluster
// started once serves several verified passes.
func TestSession(t *testing.T) {
	wl := workloads.DefaultRegistry()
	r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}
	p := bench.DefaultPlan(r.Topologies.Defaults())
	p.Warmup = 500
	for _, topo := range []string{"goroutine", "subprocess"} {
		t.Run(topo, func(t *testing.T) {
			k := results.Key{Topology: topo, Workers: 2, Tasks: 1, Payload: 1, Window: 4, Batch: 64}
			sess, err := r.Start(t.Context(), p, k)
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			for _, n := range []int{1, 1000, 3000} {
				rep, err := sess.Measure(t.Context(), n)
				if err != nil {
					t.Fatalf("Measure(%d): %v", n, err)
				}
				if rep.Tasks != int64(n) || rep.Verify.Verified != int64(n) || rep.Throughput <= 0 {
					t.Errorf("Measure(%d): tasks %d, verified %d, throughput %g", n, rep.Tasks, rep.Verify.Verified, rep.Throughput)
				}
			}
			if _, err := sess.Measure(t.Context(), 0); err == nil {
				t.Error("Measure(0): no error")
			}
			if err := sess.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := sess.Measure(t.Context(), 10); err == nil {
				t.Error("Measure after Close: no error")
			}
		})
	}
}
