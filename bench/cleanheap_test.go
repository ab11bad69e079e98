package bench_test

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/goroutine"
	"github.com/snbench/snbench/workloads"
)

// gcCounting is the goroutine topology under another name, whose links
// note the process's completed GC cycles at every Send of a batch with
// tasks (each pass ends with an empty one).
type gcCounting struct {
	*goroutine.Topology
	mu     sync.Mutex
	cycles []uint64 // at each batch sent, in order (one worker: one sender)
}

func (*gcCounting) Name() string { return "gc-counting" }

func (t *gcCounting) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	c, err := t.Topology.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return gcCountingCluster{Cluster: c, t: t}, nil
}

type gcCountingCluster struct {
	topologies.Cluster
	t *gcCounting
}

func (c gcCountingCluster) Links() []topologies.Link {
	var ls []topologies.Link
	for _, l := range c.Cluster.Links() {
		ls = append(ls, gcCountingLink{Link: l, t: c.t})
	}
	return ls
}

type gcCountingLink struct {
	topologies.Link
	t *gcCounting
}

func (l gcCountingLink) Send(b *workloads.Batch) error {
	if len(b.IDs) == 0 {
		return l.Link.Send(b)
	}
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	l.t.mu.Lock()
	l.t.cycles = append(l.t.cycles, s[0].Value.Uint64())
	l.t.mu.Unlock()
	return l.Link.Send(b)
}

// TestMeasuredPassStartsOnCleanHeap: the coordinator collects its garbage
// between a repetition's warm-up and its measured pass, and not inside
// the pass. With the collector's own pacing off, the only cycles are the
// ones snbench asks for, so the count the links see rises exactly once,
// between the warm-up's last batch and the measured pass's first.
func TestMeasuredPassStartsOnCleanHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	wl := workloads.DefaultRegistry()
	topo := &gcCounting{Topology: goroutine.New(wl)}
	reg := topologies.NewRegistry()
	reg.Register(topo, "")
	const warm, tasks = 20, 30
	p := bench.DefaultPlan([]string{topo.Name()})
	p.Workers, p.Batch, p.Window, p.Tasks = []int{1}, []int{1}, []int{1}, []int{tasks}
	p.Repetitions, p.Warmup = 1, warm
	if _, err := (&bench.Runner{Topologies: reg, Workloads: wl}).Run(context.Background(), p, bench.CaptureEnv()); err != nil {
		t.Fatal(err)
	}
	c := topo.cycles
	if len(c) != warm+tasks {
		t.Fatalf("%d batches sent, want %d warm-up and %d measured", len(c), warm, tasks)
	}
	for i := 1; i < len(c); i++ {
		switch rise := c[i] - c[i-1]; {
		case i == warm && rise != 1:
			t.Errorf("between the warm-up and the measured pass the GC count rose by %d, want one collection", rise)
		case i != warm && rise != 0:
			t.Errorf("before batch %d (warm-up %d, then measured) the GC count rose by %d, want no collection but the one before the pass", i, warm, rise)
		}
	}
}
