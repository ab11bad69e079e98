package bench_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/goroutine"
	"github.com/snbench/snbench/workloads"
)

// faulty wraps the goroutine topology with links that damage results, to
// show that the verifier catches each kind of damage.
type faulty struct {
	topologies.Topology
	damage func(n int, r *workloads.Result) (again bool)
	// queued makes the links topologies.Queued, so that the coordinator
	// drives each from one loop rather than a sender and a receiver.
	queued bool
}

func (f faulty) Name() string { return "faulty" }

func (f faulty) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	c, err := f.Topology.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return faultyCluster{Cluster: c, damage: f.damage, queued: f.queued}, nil
}

type faultyCluster struct {
	topologies.Cluster
	damage func(int, *workloads.Result) bool
	queued bool
}

func (c faultyCluster) Links() []topologies.Link {
	var ls []topologies.Link
	for _, l := range c.Cluster.Links() {
		fl := &faultyLink{Link: l, damage: c.damage}
		if c.queued {
			ls = append(ls, queuedLink{fl})
		} else {
			ls = append(ls, fl)
		}
	}
	return ls
}

// queuedLink is a faultyLink over a goroutine link, which queues.
type queuedLink struct{ *faultyLink }

func (queuedLink) Queued() bool { return true }

type faultyLink struct {
	topologies.Link
	damage func(int, *workloads.Result) bool
	n      int
	again  *workloads.Result
}

func (l *faultyLink) Recv(r *workloads.Result) error {
	if l.again != nil {
		*r, l.again = *l.again, nil
		return nil
	}
	if err := l.Link.Recv(r); err != nil {
		return err
	}
	l.n++
	if len(r.IDs) > 0 && l.damage(l.n, r) {
		cp := *r
		cp.IDs = append([]uint64(nil), r.IDs...)
		cp.Values = append([]int64(nil), r.Values...)
		l.again = &cp
	}
	return nil
}

func TestVerifierCatchesDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(n int, r *workloads.Result) bool
		check  func(v results.Verification) bool
	}{
		{"wrong value", func(n int, r *workloads.Result) bool {
			if n == 3 {
				r.Values[0]++
			}
			return false
		}, func(v results.Verification) bool { return v.Wrong == 1 }},
		{"duplicated result", func(n int, r *workloads.Result) bool { return n == 2 },
			func(v results.Verification) bool { return v.Duplicate == 16 }},
		{"answer under other ids", func(n int, r *workloads.Result) bool {
			if n == 4 {
				r.IDs[0] += 100000
			}
			return false
		}, func(v results.Verification) bool { return v.Lost == 16 }},
	}
	for _, tt := range tests {
		for _, queued := range []bool{false, true} {
			name := tt.name + "/sender and receiver"
			if queued {
				name = tt.name + "/one loop"
			}
			t.Run(name, func(t *testing.T) { verifierCatches(t, tt.damage, tt.check, queued) })
		}
	}
}

func verifierCatches(t *testing.T, damage func(int, *workloads.Result) bool, check func(results.Verification) bool, queued bool) {
	wl := workloads.DefaultRegistry()
	reg := topologies.NewRegistry()
	reg.Register(faulty{Topology: goroutine.New(wl), damage: damage, queued: queued}, "damages results")
	r := &bench.Runner{Topologies: reg, Workloads: wl}
	p := bench.DefaultPlan([]string{"faulty"})
	p.Workers, p.Tasks, p.Batch, p.Repetitions, p.Warmup, p.Window = []int{1}, []int{1600}, []int{16}, 1, 0, []int{4}
	res, err := r.Run(context.Background(), p, bench.CaptureEnv())
	if !errors.Is(err, bench.ErrVerification) {
		t.Fatalf("Run = %v, want ErrVerification", err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusFailed || !check(c.Verify) || c.Verify.OK() {
		t.Fatalf("status %s, verification %+v", c.Status, c.Verify)
	}
	if !strings.Contains(err.Error(), "1 of 1 cells") {
		t.Errorf("error %q does not count the failed cells", err)
	}
}
