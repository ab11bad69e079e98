package nats_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/natsserver"
	"github.com/snbench/snbench/internal/proctest"
	"github.com/snbench/snbench/internal/syncbuf"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// redispatchRun returns a runner that logs to the returned buffer, and a
// plan of one nats cell under on_node_failure: redispatch, one repetition,
// no warm-up, with the given scale, per-task wait and task timeout.
func redispatchRun(workers, tasks, batch, window int, wait, taskTimeout time.Duration) (*bench.Runner, bench.Plan, *syncbuf.Buffer) {
	wl := workloads.DefaultRegistry()
	log := &syncbuf.Buffer{}
	r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl, Log: log}
	p := bench.DefaultPlan([]string{"nats"})
	p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{workers}, []int{tasks}, 1, 0
	p.Batch, p.Window = []int{batch}, []int{window}
	p.Wait, p.TaskTimeout = workloads.Duration(wait), workloads.Duration(taskTimeout)
	p.OnNodeFailure = results.OnFailureRedispatch
	return r, p, log
}

// exactlyOnce fails t unless cell c completed with every task verified
// exactly once.
func exactlyOnce(t *testing.T, c results.Cell) {
	t.Helper()
	if c.Status != results.StatusOK || !c.Verify.OK() || c.Verify.Verified != int64(c.Tasks) || c.Verify.Duplicate != 0 {
		t.Fatalf("status %s, verification %+v: want every one of %d tasks verified exactly once", c.Status, c.Verify, c.Tasks)
	}
}

// TestRedispatchSIGKILL kills one of three NATS node processes mid-run
// under on_node_failure: redispatch: the links send their outstanding
// batches again to the two survivors and drop the duplicate replies, so
// the run completes with every task verified exactly once. The dead node's
// link fails only its stats request after the pass, which the repetition
// records as a failure naming the process.
func TestRedispatchSIGKILL(t *testing.T) {
	// About 2 s of work: the kill lands mid-run.
	r, p, log := redispatchRun(3, 30000, 4, 4, 100*time.Microsecond, 2*time.Second)
	o := proctest.Inject(t, proctest.Fault{Nodes: 3, Victim: 1, After: 500 * time.Millisecond, Signal: syscall.SIGKILL, Within: 20 * time.Second},
		func() (*results.Results, error) { return r.Run(context.Background(), p, bench.CaptureEnv()) })
	victim := o.Victim
	t.Logf("ended %v after the kill; log:\n%s", o.Took.Round(time.Millisecond), log)
	if o.Err != nil {
		t.Fatalf("run did not survive the kill: %v", o.Err)
	}
	c := o.Result.Cells[0]
	exactlyOnce(t, c)
	rep := c.Reps[0]
	if x := rep.Redispatch; x == nil || len(x.Failures) != 1 || x.Dropped != 0 ||
		!strings.Contains(x.Failures[0].Error, fmt.Sprintf("pid %d", victim)) || !strings.Contains(x.Failures[0].Error, "signal: killed") {
		t.Fatalf("redispatch record %+v: want one failure naming pid %d and no answer dropped by the driver", x, victim)
	}
	for _, w := range []string{fmt.Sprintf("pid %d) exited: signal: killed; 2 node processes left", victim), "batches again and dropped"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("log lacks %q", w)
		}
	}
	if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
		t.Errorf("child processes left behind: %v", left)
	}
}

// gate is a TCP proxy to a NATS server for one standalone node. Once the
// node has been sent limit bytes it faults: "freeze" stops moving bytes
// either way but keeps both connections open (the server keeps the node's
// subscriptions, as for a stopped process or a partition); "cut" closes
// both and refuses the node's reconnects (the server drops them, as for a
// node that died); "blip" closes both and refuses reconnects for blipFor,
// then lets the node back in.
type gate struct {
	ln        net.Listener
	target    string
	fault     string
	limit     int64
	toNode    atomic.Int64
	tripped   chan struct{}
	trippedAt atomic.Int64 // Unix ns
	trip      sync.Once
	stop      chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     []net.Conn
}

func startGate(t *testing.T, target, fault string, limit int64) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{ln: ln, target: target, fault: fault, limit: limit, tripped: make(chan struct{}), stop: make(chan struct{})}
	g.wg.Go(g.accept)
	t.Cleanup(g.close)
	return g
}

func (g *gate) url() string { return "nats://" + g.ln.Addr().String() }

func (g *gate) accept() {
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		select {
		case <-g.tripped:
			if g.fault == "cut" || g.fault == "blip" && time.Since(time.Unix(0, g.trippedAt.Load())) < blipFor {
				c.Close()
				continue
			}
		default:
		}
		s, err := net.Dial("tcp", g.target)
		if err != nil {
			c.Close()
			continue
		}
		g.mu.Lock()
		g.conns = append(g.conns, c, s)
		g.mu.Unlock()
		g.wg.Go(func() { g.pipe(c, s, false) })
		g.wg.Go(func() { g.pipe(s, c, true) })
	}
}

// pipe copies from src to dst until either closes or the gate trips.
func (g *gate) pipe(dst, src net.Conn, toNode bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && toNode && g.toNode.Add(int64(n)) >= g.limit {
			g.trip.Do(g.doTrip)
		}
		select {
		case <-g.tripped:
			switch g.fault {
			case "freeze":
				<-g.stop // hold both connections open, moving nothing
				return
			case "cut":
				return
			}
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (g *gate) doTrip() {
	g.trippedAt.Store(time.Now().UnixNano())
	close(g.tripped)
	if g.fault != "freeze" {
		g.closeConns()
	}
}

// blipFor is how long a "blip" gate refuses the node.
const blipFor = 1500 * time.Millisecond

func (g *gate) closeConns() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.conns {
		c.Close()
	}
}

func (g *gate) close() {
	close(g.stop)
	g.ln.Close()
	g.closeConns()
	g.wg.Wait()
}

// TestRedispatchRemoteFaults runs three standalone nodes (as `snbench node
// --nats`, here in goroutines) under on_node_failure: redispatch; the third
// reaches the server through a gate that faults mid-run. A frozen node
// keeps its place in the queue group, and snbench cannot kill a process it
// did not start: the cluster moves the two live nodes to a new task
// subject and the links send their outstanding batches there. A node that
// died leaves the queue group: the links send the batches it took again
// once they have waited a stall period. Either way the run completes with
// every task verified exactly once, and the record names the node. A node
// that is gone for a moment and comes back (the only one, so the links'
// batches find no node subscribed meanwhile) is no failure at all.
func TestRedispatchRemoteFaults(t *testing.T) {
	const token = "remote-fault-token-0123456789"
	for _, tc := range []struct {
		fault    string
		direct   int // nodes besides the gated one
		failures int
		want     []string
	}{
		{"freeze", 2, 1, []string{"answered no ping", "2 other nodes moved to task subject", "batches again"}},
		{"cut", 2, 1, []string{"is not subscribed to its ping subject any more", "batches again"}},
		// The only node is gone for a moment: the link's batches find no
		// node subscribed and are published again until it is back.
		{"blip", 0, 0, []string{"batches again"}},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			srv, err := natsserver.Start("127.0.0.1:0", token, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			g := startGate(t, strings.TrimPrefix(srv.URL(), "nats://"), tc.fault, 64<<10)
			const subject = "snbremote"
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			defer func() {
				cancel()
				wg.Wait()
			}()
			var urls []string
			for range tc.direct {
				urls = append(urls, srv.URL())
			}
			for i, url := range append(urls, g.url()) {
				nc, err := natsconn.Connect(url, "test node", natsconn.Auth{Token: token}, 5*time.Second, natsconn.Reconnect(5*time.Second)...)
				if err != nil {
					t.Fatal(err)
				}
				ready := make(chan struct{})
				var once sync.Once
				nn := &natsnode.Node{Registry: workloads.DefaultRegistry(), Name: "remote-" + string(rune('a'+i)), Subject: subject,
					Sessions: 1, Ready: func() { once.Do(func() { close(ready) }) }}
				wg.Go(func() {
					defer nc.Close()
					_ = nn.Serve(ctx, nc) // the faulted node's connection fails: no error to check
				})
				<-ready
			}
			r, p, log := redispatchRun(tc.direct+1, 30000, 4, 4, 100*time.Microsecond, 3*time.Second)
			r.Secrets = map[string]topologies.Secrets{"nats": {"nats-token": token}}
			p.Options = map[string]map[string]string{"nats": {"nats-url": srv.URL(), "nats-subject": subject}}
			start := time.Now()
			res, err := r.Run(context.Background(), p, bench.CaptureEnv())
			select {
			case <-g.tripped:
			default:
				t.Fatalf("the gate never tripped (%d bytes to the node): the test proves nothing", g.toNode.Load())
			}
			t.Logf("run took %v; log:\n%s", time.Since(start).Round(time.Millisecond), log)
			if err != nil {
				t.Fatalf("run did not survive the fault: %v", err)
			}
			c := res.Cells[0]
			exactlyOnce(t, c)
			x := c.Reps[0].Redispatch
			if x == nil || x.TransportResent == 0 || len(x.Failures) != tc.failures {
				t.Fatalf("redispatch record %+v: want %d failures and tasks sent again by the links", x, tc.failures)
			}
			all := fmt.Sprintf("%+v %q", x.Failures, x.Incidents)
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("record %s lacks %q", all, w)
				}
			}
		})
	}
}

// TestRedispatchSlowBatchesNotResent runs batches that take longer than the
// stall period under on_node_failure: redispatch. The links probe the
// nodes while they wait, find them busy, and send nothing again: a slow
// node is not a fault, and resending its work would distort what is
// measured.
func TestRedispatchSlowBatchesNotResent(t *testing.T) {
	// Each batch takes 500ms; the stall period is 400ms.
	r, p, log := redispatchRun(2, 6, 1, 1, 500*time.Millisecond, 2*time.Second)
	res, err := r.Run(context.Background(), p, bench.CaptureEnv())
	t.Logf("log:\n%s", log)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if !c.Verify.OK() || c.Verify.Verified != int64(c.Tasks) {
		t.Fatalf("verification %+v", c.Verify)
	}
	if x := c.Reps[0].Redispatch; x != nil {
		t.Fatalf("slow but healthy nodes left a redispatch record: %+v", x)
	}
}
