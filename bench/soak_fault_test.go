package bench_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/proctest"
	"github.com/snbench/snbench/workloads"
)

// envSoak sets how long TestSoak runs, e.g. SNBENCH_SOAK=60s; without it
// the test runs for soakDefault, as CI does.
const (
	envSoak     = "SNBENCH_SOAK"
	soakDefault = 3 * time.Second
	soakMax     = 10 * time.Minute
)

// TestSoak runs closed- and open-loop runs one after another on fresh
// subprocess, tcp and nats clusters of three nodes under on_node_failure:
// redispatch, and kills one node of each (sometimes two) with SIGKILL at a
// random moment: in the warm-up, the measured pass, between them, or after
// the run. Every run must end with every task verified exactly once; at
// the end no node process, goroutine or file descriptor may be left over.
// Set SNBENCH_SOAK=60s for a long soak.
func TestSoak(t *testing.T) {
	d := soakDefault
	if v := os.Getenv(envSoak); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 || d > soakMax {
			t.Fatalf("%s=%q: want a duration in (0, %v]", envSoak, v, soakMax)
		}
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("soak for %v, seed %d", d, seed)
	var fds0, runs, hit, kills int
	var redispatched, resent int64
	deadline := time.Now().Add(d)
	for i := 0; i < 10000 && (i < 3 || time.Now().Before(deadline)); i++ {
		topo := []string{"subprocess", "tcp", "nats"}[i%3]
		r, up := announcingRunner(t, topo)
		p := bench.DefaultPlan([]string{"announcing"})
		p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{3}, []int{6000}, 1, 200
		p.Batch, p.Window, p.Wait = []int{4}, []int{2}, workloads.Duration(50*time.Microsecond)
		p.TaskTimeout, p.OnNodeFailure = workloads.Duration(500*time.Millisecond), results.OnFailureRedispatch
		if topo == "nats" {
			// Its stall period is a fifth of this: long enough that a busy
			// machine's live nodes answer their pings in time.
			p.TaskTimeout = workloads.Duration(2 * time.Second)
		}
		if i%4 >= 2 {
			p.Rate, p.Duration, p.Batch, p.Window = []int{15000}, workloads.Duration(400*time.Millisecond), []int{1}, []int{64}
		}
		done := runAsync(t, r, p)
		pids := awaitUp(t, up, done)
		victims := rng.Perm(len(pids))[:1+rng.IntN(4)/3] // one, or one time in four two
		for _, v := range victims {
			time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
			if syscall.Kill(pids[v], syscall.SIGKILL) == nil {
				kills++
			}
		}
		o := waitRun(t, done, 30*time.Second)
		if o.err != nil {
			t.Fatalf("run %d (%s, seed %d): %v", i, topo, seed, o.err)
		}
		c := o.res.Cells[0]
		if !c.Verify.OK() || c.Verify.Verified != int64(c.Tasks) {
			t.Fatalf("run %d (%s, seed %d): verification %+v, want %d tasks exactly once", i, topo, seed, c.Verify, c.Tasks)
		}
		if x := c.Reps[0].Redispatch; x != nil {
			hit++
			redispatched += x.Tasks
			resent += x.TransportResent
		}
		runs++
		if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
			t.Fatalf("run %d: child processes left behind: %v", i, left)
		}
		if i == 0 {
			fds0 = openFDs(t) // after the first run: the runtime opens some lazily
		}
	}
	t.Logf("%d runs, %d kills, %d runs survived a failure, %d tasks redispatched, %d sent again by the nats links", runs, kills, hit, redispatched, resent)
	goleak.VerifyNone(t)
	var fds int
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if fds = openFDs(t); fds <= fds0 || time.Now().After(deadline) {
			break
		}
	}
	if fds > fds0 {
		t.Errorf("%d file descriptors open, %d after the first run: %d leaked", fds, fds0, fds-fds0)
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	runtime.GC() // finalizers close what was dropped
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(es)
}
