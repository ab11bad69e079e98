package bench_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/proctest"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

func newRunner() *bench.Runner {
	wl := workloads.DefaultRegistry()
	return &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}
}

func smallPlan(topos ...string) bench.Plan {
	p := bench.DefaultPlan(topos)
	p.Workers = []int{1, 3}
	p.Tasks = []int{5000}
	p.Repetitions = 2
	p.Warmup = 200
	return p
}

// TestEveryTopologyVerifies runs every built-in topology at several scales
// and dispatch policies and checks that every task came back exactly once
// with the right value, and that the work spread over every node.
func TestEveryTopologyVerifies(t *testing.T) {
	r := newRunner()
	for _, topo := range r.Topologies.Defaults() {
		for _, tc := range []struct {
			dispatch string
			batch    int
			window   int
			payload  int
		}{
			{results.DispatchRoundRobin, 64, 4, 1},
			{results.DispatchLeastOutstanding, 7, 2, 3},
			{results.DispatchHash, 1, 1, 1},
		} {
			name := fmt.Sprintf("%s/%s/batch=%d", topo, tc.dispatch, tc.batch)
			t.Run(name, func(t *testing.T) {
				p := smallPlan(topo)
				p.Dispatch, p.Batch, p.Window, p.Payload = tc.dispatch, []int{tc.batch}, []int{tc.window}, []int{tc.payload}
				if tc.batch == 1 {
					p.Tasks = []int{1500}
				}
				res, err := r.Run(context.Background(), p, bench.CaptureEnv())
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Cells) != 2 {
					t.Fatalf("%d cells, want 2", len(res.Cells))
				}
				for _, c := range res.Cells {
					checkCell(t, p, c)
				}
			})
		}
	}
}

func checkCell(t *testing.T, p bench.Plan, c results.Cell) {
	t.Helper()
	if c.Status != results.StatusOK || !c.Verify.OK() {
		t.Fatalf("%s: status %s, verify %+v, error %q", c.Key, c.Status, c.Verify, c.Error)
	}
	if want := int64(c.Tasks * p.Repetitions); c.Verify.Verified != want || c.Summary.Latency.Count != want {
		t.Fatalf("%s: verified %d, latency count %d, want %d", c.Key, c.Verify.Verified, c.Summary.Latency.Count, want)
	}
	for _, rep := range c.Reps {
		if len(rep.NodeTasks) != c.Workers {
			t.Fatalf("%s: tasks of %d nodes reported, want %d", c.Key, len(rep.NodeTasks), c.Workers)
		}
		var sum int64
		for i, n := range rep.NodeTasks {
			// A shared queue may legitimately let one fast node take it all.
			if n == 0 && c.Tasks >= 64*c.Workers && p.Dispatch != results.DispatchLeastOutstanding {
				t.Errorf("%s: node %d served nothing", c.Key, i+1)
			}
			sum += n
		}
		if sum != int64(c.Tasks) || rep.Throughput <= 0 || rep.WallNS <= 0 {
			t.Fatalf("%s: node tasks sum %d of %d, throughput %v", c.Key, sum, c.Tasks, rep.Throughput)
		}
		if c.Topology != "goroutine" && (rep.NodeCPUNS == nil || rep.NodeMaxRSSKB <= 0) {
			t.Errorf("%s: process nodes reported no CPU or RSS", c.Key)
		}
	}
	if c.Summary.Service.P50 <= 0 || c.Summary.Latency.P50 < c.Summary.Service.P50 {
		t.Errorf("%s: latency p50 %d below service p50 %d", c.Key, c.Summary.Latency.P50, c.Summary.Service.P50)
	}
}

// TestFixedWaitIsMeasured: with a 2 ms wait per task and one task at a
// time, every latency and service time must be at least 2 ms: a known
// answer the measurement must reproduce.
func TestFixedWaitIsMeasured(t *testing.T) {
	p := smallPlan("goroutine", "subprocess")
	p.Workers, p.Tasks, p.Batch, p.Window, p.Warmup = []int{2}, []int{40}, []int{1}, []int{1}, 0
	p.Wait = workloads.Duration(2 * time.Millisecond)
	res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		s := c.Summary
		if s.Service.P50 < int64(2*time.Millisecond) || s.Latency.P50 < s.Service.P50 {
			t.Errorf("%s: service p50 %v, latency p50 %v; want both >= 2ms", c.Key, time.Duration(s.Service.P50), time.Duration(s.Latency.P50))
		}
		// Two nodes, one task each in flight, 2 ms each: at most 1000/s.
		if tp := s.Throughput.Mean; tp > 1000 {
			t.Errorf("%s: %v tasks/s exceeds what 2 nodes x 2 ms allow", c.Key, tp)
		}
	}
}

// TestNodeFaults kills or freezes a node mid-run and checks that the run
// ends with an error naming the node, within a bounded time, with partial
// results marked incomplete and no child process left behind.
func TestNodeFaults(t *testing.T) {
	for _, tc := range []struct {
		topo, fault, want string
		sig               syscall.Signal
	}{
		{"subprocess", "SIGKILL", "signal: killed", syscall.SIGKILL},
		{"tcp", "SIGKILL", "signal: killed", syscall.SIGKILL},
		{"subprocess", "SIGSTOP", "stopped answering", syscall.SIGSTOP},
		{"tcp", "SIGSTOP", "stopped answering", syscall.SIGSTOP},
	} {
		t.Run(tc.topo+"/"+tc.fault, func(t *testing.T) {
			p := smallPlan(tc.topo)
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{2}, []int{20000}, 1, 0
			p.Batch, p.Window = []int{4}, []int{2}
			p.Wait = workloads.Duration(100 * time.Microsecond) // about 2 s of work: the fault lands mid-run
			p.TaskTimeout = workloads.Duration(time.Second)
			o := proctest.Inject(t, proctest.Fault{Nodes: 2, After: 300 * time.Millisecond, Signal: tc.sig, Within: 15 * time.Second},
				func() (*results.Results, error) { return newRunner().Run(context.Background(), p, bench.CaptureEnv()) })
			t.Logf("ended %v after the fault: %v", o.Took.Round(time.Millisecond), o.Err)
			victim := o.Victim
			if o.Err == nil || !strings.Contains(o.Err.Error(), tc.want) || !strings.Contains(o.Err.Error(), fmt.Sprintf("pid %d", victim)) {
				t.Fatalf("error %v: want it to name pid %d and say %q", o.Err, victim, tc.want)
			}
			if errors.Is(o.Err, bench.ErrVerification) || o.Result == nil || !o.Result.Incomplete || o.Result.Cells[0].Status != results.StatusError {
				t.Fatalf("partial results not marked: %+v", o.Result)
			}
			if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
				t.Fatalf("child processes left behind: %v", left)
			}
		})
	}
}

func TestCancelStopsTheRun(t *testing.T) {
	p := smallPlan("subprocess")
	p.Tasks, p.Wait = []int{100000}, workloads.Duration(50*time.Microsecond)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := newRunner().Run(ctx, p, bench.CaptureEnv())
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run after cancel: %v", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("Run took %v to stop", d)
	}
	if res == nil || !res.Incomplete {
		t.Fatal("results of an interrupted run are not marked incomplete")
	}
	if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
		t.Fatalf("child processes left behind: %v", left)
	}
}

func TestCheckRejectsUnknownNames(t *testing.T) {
	t.Parallel()
	r := newRunner()
	for _, tc := range []struct {
		mod  func(*bench.Plan)
		want string
	}{
		{func(p *bench.Plan) { p.Topologies = []string{"carrier-pigeon"} }, `unknown topology "carrier-pigeon"`},
		{func(p *bench.Plan) { p.Workload = "tripling" }, `unknown workload "tripling"`},
		{func(p *bench.Plan) { p.Workers = []int{0} }, "workers: 0 out of range"},
	} {
		p := smallPlan("goroutine")
		tc.mod(&p)
		if err := r.Check(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check = %v, want %q", err, tc.want)
		}
	}
}

// setNodes has p's tcp cells use the nodes at addrs (--nodes).
func setNodes(p *bench.Plan, addrs ...string) {
	p.Options = map[string]map[string]string{"tcp": {"nodes": strings.Join(addrs, ",")}}
}

// setNATS has p's cells of topo (nats, or a wrapper of it) use the server
// at url and, with a subject, the nodes already running there
// (--nats-url, --nats-subject).
func setNATS(p *bench.Plan, topo, url, subject string) {
	o := map[string]string{"nats-url": url}
	if subject != "" {
		o["nats-subject"] = subject
	}
	p.Options = map[string]map[string]string{topo: o}
}
