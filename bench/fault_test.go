package bench_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/fakenode"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/internal/proctest"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// announcing wraps a topology and sends each started cluster's node pids
// on up, so that a test injects its fault into a running cluster, never
// into one still starting.
type announcing struct {
	topologies.Topology
	up chan []int
}

func (a announcing) Name() string { return "announcing" }

// Options and CheckOptions are the wrapped topology's, if it has any.
func (a announcing) Options() []topologies.Option {
	if c, ok := a.Topology.(topologies.Configurable); ok {
		return c.Options()
	}
	return nil
}

func (a announcing) CheckOptions(o topologies.Options, workers int) error {
	if c, ok := a.Topology.(topologies.Configurable); ok {
		return c.CheckOptions(o, workers)
	}
	return nil
}

func (a announcing) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	c, err := a.Topology.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, l := range c.Links() {
		pids = append(pids, l.Info().PID)
	}
	select {
	case a.up <- pids:
	default:
	}
	return c, nil
}

// announcingRunner returns a runner whose topology name announces on the
// returned channel.
func announcingRunner(t *testing.T, name string) (*bench.Runner, chan []int) {
	t.Helper()
	wl := workloads.DefaultRegistry()
	reg := builtin.Registry(wl)
	topo, err := reg.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	up := make(chan []int, 1)
	reg.Register(announcing{Topology: topo, up: up}, "announcing")
	return &bench.Runner{Topologies: reg, Workloads: wl}, up
}

type runOut struct {
	res *results.Results
	err error
}

// runAsync runs p on r in a goroutine the test waits for.
func runAsync(t *testing.T, r *bench.Runner, p bench.Plan) <-chan runOut {
	t.Helper()
	done := make(chan runOut, 1)
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	wg.Go(func() {
		res, err := r.Run(context.Background(), p, bench.CaptureEnv())
		done <- runOut{res, err}
	})
	return done
}

// awaitUp returns the pids of the run's cluster once it is up.
func awaitUp(t *testing.T, up <-chan []int, done <-chan runOut) []int {
	t.Helper()
	select {
	case pids := <-up:
		return pids
	case o := <-done:
		t.Fatalf("run ended before its cluster was up: %v", o.err)
	case <-time.After(20 * time.Second):
		t.Fatal("cluster not up within 20 s")
	}
	return nil
}

func waitRun(t *testing.T, done <-chan runOut, limit time.Duration) runOut {
	t.Helper()
	select {
	case o := <-done:
		return o
	case <-time.After(limit):
		t.Fatalf("run did not end within %v of the fault", limit)
		return runOut{}
	}
}

// checkExactlyOnce fails the test unless the run completed with every task
// verified exactly once and a redispatch record naming want. It does not
// look for leftover node processes: its parallel callers run in-process
// nodes, and a check of this process's children there would see other
// parallel tests' nodes (it failed one .ci/run so); a test whose run
// starts node processes calls noNodesLeft itself.
func checkExactlyOnce(t *testing.T, o runOut, want ...string) *results.Redispatch {
	t.Helper()
	if o.err != nil {
		t.Fatalf("run did not survive the fault: %v", o.err)
	}
	c := o.res.Cells[0]
	rep := c.Reps[len(c.Reps)-1]
	if c.Status != results.StatusOK || !c.Verify.OK() || c.Verify.Verified != int64(c.Tasks*len(c.Reps)) {
		t.Fatalf("status %s, verification %+v: want every one of %d tasks verified exactly once", c.Status, c.Verify, c.Tasks)
	}
	x := rep.Redispatch
	if x == nil || len(x.Failures) == 0 {
		t.Fatalf("no failure recorded: %+v", rep)
	}
	all := fmt.Sprintf("%+v", x.Failures)
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("failure record %s lacks %q", all, w)
		}
	}
	return x
}

// noNodesLeft fails the test if this process has a node process left
// (proctest.Nodes). Only a test that is not parallel may call it: every
// test running beside it is then one of its own subtests.
func noNodesLeft(t *testing.T) {
	t.Helper()
	if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
		t.Fatalf("child processes left behind: %v", left)
	}
}

// TestRedispatchSurvivesFaults kills or freezes one of three node
// processes mid-run under on_node_failure: redispatch, closed and open
// loop: the run must complete with every task verified exactly once, the
// failure recorded with the node's pid, and the redispatched tasks'
// latency measured from their first send.
func TestRedispatchSurvivesFaults(t *testing.T) {
	for _, tc := range []struct {
		topo, fault, want string
		sig               syscall.Signal
		rate              int
		resume            bool // SIGCONT once the coordinator has dropped the node
	}{
		{"subprocess", "SIGKILL", "signal: killed", syscall.SIGKILL, 0, false},
		{"tcp", "SIGKILL", "signal: killed", syscall.SIGKILL, 15000, false},
		{"tcp", "SIGSTOP", "stopped answering", syscall.SIGSTOP, 0, false},
		{"subprocess", "SIGSTOP+SIGCONT", "stopped answering", syscall.SIGSTOP, 15000, true},
	} {
		loop := "closed"
		if tc.rate > 0 {
			loop = "open"
		}
		t.Run(tc.topo+"/"+tc.fault+"/"+loop, func(t *testing.T) {
			r, up := announcingRunner(t, tc.topo)
			dropped := &logWatch{want: "redispatching", seen: make(chan struct{})}
			r.Log = dropped
			p := bench.DefaultPlan([]string{"announcing"})
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{3}, []int{15000}, 1, 0
			p.Batch, p.Window = []int{4}, []int{2}
			p.Wait = workloads.Duration(100 * time.Microsecond) // about 0.5 s of work
			p.TaskTimeout = workloads.Duration(400 * time.Millisecond)
			p.OnNodeFailure = results.OnFailureRedispatch
			if tc.rate > 0 {
				p.Rate, p.Duration, p.Batch, p.Window = []int{tc.rate}, workloads.Duration(800*time.Millisecond), []int{1}, []int{64}
				p.Wait = workloads.Duration(30 * time.Microsecond)
			}
			done := runAsync(t, r, p)
			pids := awaitUp(t, up, done)
			time.Sleep(150 * time.Millisecond)
			victim := pids[1]
			if err := syscall.Kill(victim, tc.sig); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if tc.resume {
				select {
				case <-dropped.seen:
				case <-time.After(10 * time.Second):
					t.Error("the node was not dropped within 10 s")
				}
				_ = syscall.Kill(victim, syscall.SIGCONT)
			}
			o := waitRun(t, done, 20*time.Second)
			t.Logf("ended %v after the fault", time.Since(start).Round(time.Millisecond))
			x := checkExactlyOnce(t, o, fmt.Sprintf("pid %d", victim), tc.want)
			noNodesLeft(t)
			for _, line := range bench.RedispatchNotes(&o.res.Cells[0].Reps[0]) {
				t.Log(line)
			}
			if x.Tasks == 0 || x.Batches == 0 {
				t.Errorf("nothing redispatched: %+v", x)
			}
			lat, err := results.PercentilesOf(x.Latency)
			if err != nil {
				t.Fatal(err)
			}
			if x.Resent != x.Failures[0].InFlight || lat.Count != x.Resent {
				t.Errorf("%d tasks resent, %d latencies recorded, want the %d in flight on the failed node", x.Resent, lat.Count, x.Failures[0].InFlight)
			}
			if tc.sig == syscall.SIGSTOP && x.Resent > 0 && lat.Max < int64(p.TaskTimeout) {
				t.Errorf("resent tasks' max latency %v is below the task timeout %v: not measured from the first send",
					time.Duration(lat.Max), p.TaskTimeout)
			}
		})
	}
}

// logWatch is a Runner.Log that closes seen when a line contains want.
type logWatch struct {
	mu   sync.Mutex
	want string
	seen chan struct{}
	done bool
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done && strings.Contains(string(p), w.want) {
		w.done = true
		close(w.seen)
	}
	return len(p), nil
}

// nodeServers runs n node servers on loopback in this process until the
// test ends and returns their addresses.
func nodeServers(t *testing.T, n int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	var addrs []string
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &node.Server{Registry: workloads.DefaultRegistry(), Name: fmt.Sprintf("server-%d", i+1), Log: log.New(io.Discard, "", 0)}
		wg.Go(func() { _ = srv.Serve(ctx, ln) })
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs
}

// resetProxy forwards connections to backend and resets the client's
// connection (SO_LINGER 0, then close: the kernel sends RST) once the
// client has sent after bytes.
func resetProxy(t *testing.T, backend string, after int64) string {
	return fakenode.Listen(t, 16, func(client net.Conn) {
		server, err := net.Dial("tcp", backend)
		if err != nil {
			client.Close()
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = io.Copy(client, server)
			client.Close()
		}()
		_, _ = io.CopyN(server, client, after)
		_ = client.(*net.TCPConn).SetLinger(0)
		client.Close()
		server.Close()
		<-done
	})
}

// TestTCPReset resets one of three TCP connections mid-run (a proxy sends
// RST after 32 KiB from the coordinator): under fail the run ends with an
// error naming the node and the counts; under redispatch it completes,
// every task verified exactly once.
func TestTCPReset(t *testing.T) {
	for _, policy := range results.OnNodeFailures() {
		t.Run(policy, func(t *testing.T) {
			addrs := nodeServers(t, 3)
			addrs[1] = resetProxy(t, addrs[1], 32<<10)
			p := bench.DefaultPlan([]string{"tcp"})
			setNodes(&p, addrs...)
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{3}, []int{30000}, 1, 0
			p.Batch, p.Window, p.Wait = []int{4}, []int{2}, workloads.Duration(10*time.Microsecond)
			p.OnNodeFailure = policy
			start := time.Now()
			res, err := newRunner().Run(context.Background(), p, bench.CaptureEnv())
			t.Logf("%v: %v", time.Since(start).Round(time.Millisecond), err)
			// The in-process node reports this process's pid.
			node := fmt.Sprintf("tcp-2 (pid %d, %s)", os.Getpid(), addrs[1])
			if policy == results.OnFailureRedispatch {
				checkExactlyOnce(t, runOut{res, err}, node, "reset by peer")
				return
			}
			var ne *bench.NodeError
			if !errors.As(err, &ne) || !strings.Contains(err.Error(), node) || !strings.Contains(err.Error(), "reset by peer") {
				t.Fatalf("error %v: want a NodeError naming %s and the reset", err, node)
			}
			if a := res.Cells[0].Abort; a == nil || a.Completed <= 0 || a.Completed+a.Lost != a.Total || a.Failure.Node != node {
				t.Fatalf("abort record %+v", a)
			}
		})
	}
}

// TestNATSFaults restarts the NATS server under a run, freezes a NATS node
// process (SIGSTOP) or kills one (SIGKILL). Every link of a nats cluster
// shares the server and the queue group, so under fail each fault fails
// every link at once, and the run ends, within a bounded time, with an
// error naming a node and the counts; the restarted server then serves the
// next run (checked once). Under redispatch (topologies.Config.Resend) the
// run completes with every task verified exactly once: the links ride out
// the restart and send their outstanding batches again; the cluster kills
// the frozen process once it answers no ping, and the survivors take its
// batches; a dead process's batches go to the survivors. The repetition's
// record says what happened.
func TestNATSFaults(t *testing.T) {
	const token = "nats-fault-token-0123456789"
	for _, tc := range []struct {
		fault, policy string
		want          string   // under fail: in the error (alternatives split by |)
		record        []string // under redispatch: in the failures and incidents ("%d": the victim's pid)
	}{
		// The server's "no responders" answer can beat the notice that the
		// connection closed: either error describes the restart.
		{"server restart", results.OnFailureFail, "NATS connection closed|no node is subscribed", nil},
		{"server restart", results.OnFailureRedispatch, "", []string{"lost their server 2 times and were back 2 times"}},
		{"node SIGSTOP", results.OnFailureFail, "stopped answering", nil},
		{"node SIGSTOP", results.OnFailureRedispatch, "", []string{"pid %d", "signal: killed", "snbench killed it: it answered no ping", "killing its process"}},
		{"node SIGKILL", results.OnFailureFail, "signal: killed", nil},
		{"node SIGKILL", results.OnFailureRedispatch, "", []string{"pid %d", "signal: killed", "1 node processes left"}},
	} {
		t.Run(tc.fault+"/"+tc.policy, func(t *testing.T) {
			srv, err := natsserver.Start("127.0.0.1:0", token, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			addr := strings.TrimPrefix(srv.URL(), "nats://")
			defer func() { srv.Close() }()
			r, up := announcingRunner(t, "nats")
			r.Secrets = map[string]topologies.Secrets{"announcing": {"nats-token": token}, "nats": {"nats-token": token}}
			p := bench.DefaultPlan([]string{"announcing"})
			setNATS(&p, "announcing", srv.URL(), "")
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{2}, []int{20000}, 1, 0
			p.Batch, p.Window, p.Wait = []int{4}, []int{2}, workloads.Duration(50*time.Microsecond)
			p.OnNodeFailure, p.TaskTimeout = tc.policy, workloads.Duration(3*time.Second)
			done := runAsync(t, r, p)
			pids := awaitUp(t, up, done)
			time.Sleep(150 * time.Millisecond)
			start := time.Now()
			switch tc.fault {
			case "node SIGKILL", "node SIGSTOP":
				sig := map[string]syscall.Signal{"node SIGKILL": syscall.SIGKILL, "node SIGSTOP": syscall.SIGSTOP}[tc.fault]
				if err := syscall.Kill(pids[0], sig); err != nil {
					t.Fatal(err)
				}
				if sig == syscall.SIGSTOP {
					// If the run ends first, the cluster's stop kills it.
					defer func() { _ = syscall.Kill(pids[0], syscall.SIGCONT) }()
				}
			default:
				srv.Close()
				if srv, err = natsserver.Start(addr, token, 5*time.Second); err != nil {
					t.Fatalf("restarting the server on %s: %v", addr, err)
				}
			}
			o := waitRun(t, done, 20*time.Second)
			t.Logf("ended %v after the fault: %v", time.Since(start).Round(time.Millisecond), o.err)
			if tc.policy == results.OnFailureRedispatch {
				checkResent(t, o, pids[0], tc.record)
				return
			}
			var ne *bench.NodeError
			if !errors.As(o.err, &ne) || !strings.Contains(o.err.Error(), "node nats-") ||
				!slices.ContainsFunc(strings.Split(tc.want, "|"), func(w string) bool { return strings.Contains(o.err.Error(), w) }) {
				t.Fatalf("error %v: want a NodeError naming a node and %q", o.err, tc.want)
			}
			if a := o.res.Cells[0].Abort; a == nil || a.Completed+a.Lost != a.Total {
				t.Fatalf("abort record %+v", a)
			}
			if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
				t.Fatalf("child processes left behind: %v", left)
			}
			if tc.fault == "server restart" {
				p.Topologies, p.Tasks = []string{"nats"}, []int{2000}
				setNATS(&p, "nats", srv.URL(), "")
				if _, err := r.Run(context.Background(), p, bench.CaptureEnv()); err != nil {
					t.Fatalf("a run on the restarted server: %v", err)
				}
			}
		})
	}
}

// checkResent fails the test unless a nats run under redispatch completed
// with every task verified exactly once, tasks sent again by the links
// (their latency recorded), a record whose failures and incidents hold
// each of want (with the victim's pid for "%d"), the notes saying so, and
// no child process left.
func checkResent(t *testing.T, o runOut, victim int, want []string) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("run did not survive the fault: %v", o.err)
	}
	c := o.res.Cells[0]
	if c.Status != results.StatusOK || !c.Verify.OK() || c.Verify.Verified != int64(c.Tasks) || c.Verify.Duplicate != 0 {
		t.Fatalf("status %s, verification %+v: want every one of %d tasks verified exactly once", c.Status, c.Verify, c.Tasks)
	}
	rep := &c.Reps[0]
	x := rep.Redispatch
	if x == nil || x.TransportResent == 0 || x.Dropped != 0 {
		t.Fatalf("redispatch record %+v: want tasks sent again by the links and none dropped by the driver", x)
	}
	if lat, err := results.PercentilesOf(x.Latency); err != nil || lat.Max <= 0 {
		t.Errorf("resent tasks' latency %+v, %v: want it recorded", lat, err)
	}
	all := fmt.Sprintf("%+v %q", x.Failures, x.Incidents)
	for _, w := range want {
		if strings.Contains(w, "%d") {
			w = fmt.Sprintf(w, victim)
		}
		if !strings.Contains(all, w) {
			t.Errorf("record %s lacks %q", all, w)
		}
	}
	notes := strings.Join(bench.RedispatchNotes(rep), "\n")
	t.Logf("notes:\n%s", notes)
	if !strings.Contains(notes, "sent again by the topology itself") {
		t.Errorf("notes lack the topology's resends:\n%s", notes)
	}
	if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
		t.Fatalf("child processes left behind: %v", left)
	}
}
