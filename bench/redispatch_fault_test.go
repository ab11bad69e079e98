package bench_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/goroutine"
	"github.com/snbench/snbench/workloads"
)

// breaking wraps the goroutine topology with links that fail on cue, so
// that the redispatch logic is tested fast and in every combination of
// dispatch policy and loop, without processes. Nodes are named
// goroutine-1.. as usual; fail says when node i's link breaks.
type breaking struct {
	topologies.Topology
	plan func(node int) (after int, mode string) // after that many results; mode "break" or "stall"
}

func (b breaking) Name() string { return "breaking" }

func (b breaking) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	c, err := b.Topology.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	bc := &breakingCluster{Cluster: c}
	for i, l := range c.Links() {
		after, mode := b.plan(i)
		bl := &breakLink{Link: l, after: after, mode: mode, closed: make(chan struct{}), ctx: ctx}
		if mode == "hang" {
			bc.links = append(bc.links, sealed{bl}) // no Close: the coordinator cannot drop it alone
			continue
		}
		bc.links = append(bc.links, bl)
	}
	return bc, nil
}

type breakingCluster struct {
	topologies.Cluster
	links []topologies.Link
}

func (c *breakingCluster) Links() []topologies.Link { return c.links }

// breakLink is a link whose node breaks after a number of results: in mode
// "break" its connection fails; in mode "stall" it stops answering (the
// watchdog must notice), and once the coordinator has given up on it and
// closed the link, it delivers one late answer, which must be dropped; in
// mode "hang" it stops answering and its Recv returns only when the
// cluster's context ends (and it is sealed: no Close).
type breakLink struct {
	topologies.Link
	after  int
	mode   string
	n      int
	closed chan struct{}
	once   sync.Once
	ctx    context.Context
}

// sealed hides every method but the Link interface's.
type sealed struct{ topologies.Link }

var errInjected = errors.New("injected: connection broken")

func (l *breakLink) Recv(r *workloads.Result) error {
	if l.after <= 0 || l.n < l.after {
		l.n++
		return l.Link.Recv(r)
	}
	if l.mode == "hang" {
		<-l.ctx.Done()
		return context.Cause(l.ctx)
	}
	if l.mode == "stall" && l.n == l.after {
		l.n++
		if err := l.Link.Recv(r); err != nil { // an answer to a batch in flight, held back
			return err
		}
		<-l.closed
		time.Sleep(50 * time.Millisecond) // the coordinator has handed the batch on by now
		return nil
	}
	return errInjected
}

func (l *breakLink) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func breakRunner(plan func(int) (int, string)) *bench.Runner {
	wl := workloads.DefaultRegistry()
	reg := topologies.NewRegistry()
	reg.Register(breaking{Topology: goroutine.New(wl), plan: plan}, "links that break")
	return &bench.Runner{Topologies: reg, Workloads: wl}
}

// TestRedispatchLogic breaks or stalls one or more of three in-process
// nodes at different points, closed and open loop, under every dispatch
// policy: each run must complete with every task verified exactly once,
// record the failures, redispatch the failed nodes' tasks in flight, and
// drop (and count) any late answer.
func TestRedispatchLogic(t *testing.T) {
	t.Parallel()
	// Node 1 breaks after 10 results. Under least-outstanding its share is
	// whatever it pulls from the shared queue: on a loaded machine (CI, the
	// race detector, these subtests in parallel) its driver can start late
	// enough that the other two take all but a few dozen batches (at 40, in
	// one run of .ci/run, it never broke).
	breakOne := func(i int) (int, string) {
		if i == 1 {
			return 10, "break"
		}
		return 0, ""
	}
	tests := []struct {
		name     string
		dispatch string
		rate     int
		warmup   int
		plan     func(int) (int, string)
		failures int
		dropped  bool
	}{
		{"closed/round-robin/one breaks", results.DispatchRoundRobin, 0, 0, breakOne, 1, false},
		{"closed/hash/one breaks", results.DispatchHash, 0, 0, breakOne, 1, false},
		{"closed/least-outstanding/one breaks", results.DispatchLeastOutstanding, 0, 0, breakOne, 1, false},
		{"closed/round-robin/two of three break", results.DispatchRoundRobin, 0, 0, func(i int) (int, string) {
			return []int{0, 30, 90}[i], "break"
		}, 2, false},
		{"closed/one stalls, answers late", results.DispatchRoundRobin, 0, 0, func(i int) (int, string) {
			if i == 2 {
				return 30, "stall"
			}
			return 0, ""
		}, 1, true},
		{"closed/one hangs, its link cannot be closed", results.DispatchRoundRobin, 0, 0, func(i int) (int, string) {
			if i == 1 {
				return 30, "hang"
			}
			return 0, ""
		}, 1, false},
		{"closed/breaks in the warm-up", results.DispatchRoundRobin, 0, 400, func(i int) (int, string) {
			if i == 0 {
				return 5, "break"
			}
			return 0, ""
		}, 1, false},
		{"open/round-robin/one breaks", results.DispatchRoundRobin, 12000, 0, breakOne, 1, false},
		{"open/hash/two of three break", results.DispatchHash, 12000, 0, func(i int) (int, string) {
			return []int{20, 0, 60}[i], "break"
		}, 2, false},
		{"open/one stalls, answers late", results.DispatchRoundRobin, 12000, 0, func(i int) (int, string) {
			if i == 0 {
				return 100, "stall"
			}
			return 0, ""
		}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := bench.DefaultPlan([]string{"breaking"})
			p.Workers, p.Tasks, p.Batch, p.Window = []int{3}, []int{3000}, []int{8}, []int{4}
			p.Repetitions, p.Warmup, p.Dispatch = 1, tt.warmup, tt.dispatch
			p.Wait = workloads.Duration(20 * time.Microsecond)
			p.TaskTimeout = workloads.Duration(300 * time.Millisecond)
			p.OnNodeFailure = results.OnFailureRedispatch
			if tt.rate > 0 {
				p.Rate, p.Duration, p.Batch, p.Window = []int{tt.rate}, workloads.Duration(250*time.Millisecond), []int{1}, []int{64}
			}
			res, err := breakRunner(tt.plan).Run(context.Background(), p, bench.CaptureEnv())
			if err != nil {
				t.Fatalf("run did not survive: %v", err)
			}
			c := res.Cells[0]
			rep := c.Reps[0]
			if c.Status != results.StatusOK || !rep.Verify.OK() || rep.Verify.Verified != int64(c.Tasks) {
				t.Fatalf("status %s, verify %+v, want all %d tasks verified once", c.Status, rep.Verify, c.Tasks)
			}
			x := rep.Redispatch
			if x == nil || len(x.Failures) != tt.failures {
				t.Fatalf("redispatch record %+v, want %d failures", x, tt.failures)
			}
			var sum int64
			for _, n := range rep.NodeTasks {
				sum += n
			}
			if sum != int64(c.Tasks) {
				t.Errorf("node tasks %v sum to %d, want %d", rep.NodeTasks, sum, c.Tasks)
			}
			if tt.warmup > 0 {
				if x.Failures[0].Pass != "warm-up" || rep.NodeTasks[0] != 0 || x.Tasks != 0 {
					t.Errorf("a node failed in the warm-up: %+v, node tasks %v; want it out of the measured pass", x, rep.NodeTasks)
				}
				return
			}
			f := x.Failures[0]
			// In open loop a node may have nothing in flight when it fails.
			if f.Pass != "measured" || f.AtNS <= 0 || (f.InFlight <= 0 && tt.rate == 0) || !strings.HasPrefix(f.Node, "goroutine-") {
				t.Errorf("failure record %+v", f)
			}
			// Under least-outstanding a slow node may have had nothing left
			// to lose when it broke.
			nothingLeft := tt.dispatch == results.DispatchLeastOutstanding && f.InFlight == 0
			if x.Tasks < f.InFlight || (x.Tasks < 1 || x.Batches < 1) && !nothingLeft || x.Resent > x.Tasks {
				t.Errorf("%d tasks in %d batches redispatched (%d resent), want at least the %d in flight", x.Tasks, x.Batches, x.Resent, f.InFlight)
			}
			if tt.failures == 1 && x.Resent != f.InFlight {
				t.Errorf("%d tasks resent, want the %d in flight on the failed node", x.Resent, f.InFlight)
			}
			if tt.dropped != (x.Dropped > 0) {
				t.Errorf("%d late answers dropped, want some: %v", x.Dropped, tt.dropped)
			}
			lat, err := results.PercentilesOf(x.Latency)
			if err != nil {
				t.Fatal(err)
			}
			// A task resent to a node that fails too is resent again, but
			// answered (and recorded) once.
			if lat.Count > x.Resent || tt.failures == 1 && lat.Count != x.Resent {
				t.Errorf("%d resent latencies recorded, want %d", lat.Count, x.Resent)
			}
			if tt.dropped && lat.Max < int64(p.TaskTimeout) {
				t.Errorf("redispatched max latency %v below the task timeout %v: not measured from the first send", time.Duration(lat.Max), p.TaskTimeout)
			}
			if len(c.Warnings) < tt.failures+1 || !strings.Contains(strings.Join(c.Warnings, "\n"), "redispatch in round 1") {
				t.Errorf("warnings do not show the failure: %q", c.Warnings)
			}
		})
	}
}

// TestRedispatchNoSurvivor: when every node fails, a redispatch run ends
// with a NodeError that says so and counts the tasks.
func TestRedispatchNoSurvivor(t *testing.T) {
	t.Parallel()
	for _, policy := range results.OnNodeFailures() {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			r := breakRunner(func(i int) (int, string) { return 10 + 10*i, "break" })
			p := bench.DefaultPlan([]string{"breaking"})
			p.Workers, p.Tasks, p.Batch, p.Window, p.Repetitions, p.Warmup = []int{3}, []int{5000}, []int{4}, []int{2}, 1, 0
			p.Wait, p.OnNodeFailure = workloads.Duration(20*time.Microsecond), policy
			start := time.Now()
			res, err := r.Run(context.Background(), p, bench.CaptureEnv())
			var ne *bench.NodeError
			if !errors.As(err, &ne) || !errors.Is(err, errInjected) {
				t.Fatalf("Run = %v, want a NodeError", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v to fail", d)
			}
			a := ne.Abort
			if a.Total != 5000 || a.Completed <= 0 || a.Completed+a.Lost != a.Total || a.Completed+a.InFlight+a.Unsent != a.Total {
				t.Errorf("counts do not add up: %+v", a)
			}
			// Which node fails first (or last) is up to the scheduler.
			if ne.Redispatch != (policy == results.OnFailureRedispatch) || !strings.HasPrefix(a.Failure.Node, "goroutine-") ||
				!strings.Contains(err.Error(), fmt.Sprintf("%d of 5000 completed", a.Completed)) {
				t.Errorf("error %q, abort %+v", err, a)
			}
			if c := res.Cells[0]; c.Abort == nil || *c.Abort != a || c.Status != results.StatusError || !res.Incomplete {
				t.Errorf("results do not record the abort: %+v", c)
			}
		})
	}
}
