package nats_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/proctest"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// children returns the pids of this process's live child processes.
func children(t *testing.T) []int {
	t.Helper()
	pids, ok := proctest.Children(os.Getpid())
	if !ok {
		t.Skip("no /proc")
	}
	return pids
}

// TestNodeFaults kills or freezes a NATS node process mid-run: the run must
// end within a bounded time with an error (naming the dead process when it
// died), partial results marked, and no process left behind.
func TestNodeFaults(t *testing.T) {
	for _, tc := range []struct {
		fault string
		sig   syscall.Signal
		want  []string
	}{
		{"SIGKILL", syscall.SIGKILL, []string{"signal: killed", "its batches in flight are lost"}},
		{"SIGSTOP", syscall.SIGSTOP, []string{"stopped answering"}},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			wl := workloads.DefaultRegistry()
			r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}
			p := bench.DefaultPlan([]string{"nats"})
			p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{2}, []int{20000}, 1, 0
			p.Batch, p.Window = []int{4}, []int{2}
			p.Wait = workloads.Duration(100 * time.Microsecond) // about 2 s of work: the fault lands mid-run
			p.TaskTimeout = workloads.Duration(time.Second)
			type out struct {
				res *results.Results
				err error
			}
			done := make(chan out, 1)
			go func() {
				res, err := r.Run(context.Background(), p, bench.CaptureEnv())
				done <- out{res, err}
			}()
			var victim int
			for deadline := time.Now().Add(10 * time.Second); victim == 0 && time.Now().Before(deadline); {
				if pids := children(t); len(pids) == 2 {
					victim = pids[0]
				}
				time.Sleep(20 * time.Millisecond)
			}
			if victim == 0 {
				t.Fatal("nodes did not start")
			}
			time.Sleep(300 * time.Millisecond)
			start := time.Now()
			if err := syscall.Kill(victim, tc.sig); err != nil {
				t.Fatal(err)
			}
			var o out
			select {
			case o = <-done:
			case <-time.After(15 * time.Second):
				t.Fatal("run did not end within 15 s of the fault")
			}
			t.Logf("ended %v after the fault: %v", time.Since(start).Round(time.Millisecond), o.err)
			want := tc.want
			if tc.sig == syscall.SIGKILL {
				want = append(want, fmt.Sprintf("pid %d", victim))
			}
			for _, w := range want {
				if o.err == nil || !strings.Contains(o.err.Error(), w) {
					t.Errorf("error %v lacks %q", o.err, w)
				}
			}
			if o.res == nil || !o.res.Incomplete || o.res.Cells[0].Status != results.StatusError {
				t.Errorf("partial results not marked: %+v", o.res)
			}
			if left := children(t); len(left) > 0 {
				t.Errorf("child processes left behind: %v", left)
			}
		})
	}
}

// syncBuffer is a log that the run's goroutines may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRedispatchSIGKILL kills one of three NATS node processes mid-run
// under on_node_failure: redispatch: the links send their outstanding
// batches again to the two survivors and drop the duplicate replies, so
// the run completes with every task verified exactly once. The dead node's
// link fails only its stats request after the pass, which the repetition
// records as a failure naming the process.
func TestRedispatchSIGKILL(t *testing.T) {
	wl := workloads.DefaultRegistry()
	log := &syncBuffer{}
	r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl, Log: log}
	p := bench.DefaultPlan([]string{"nats"})
	p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{3}, []int{30000}, 1, 0
	p.Batch, p.Window = []int{4}, []int{4}
	p.Wait = workloads.Duration(100 * time.Microsecond) // about 2 s of work: the kill lands mid-run
	p.TaskTimeout = workloads.Duration(2 * time.Second)
	p.OnNodeFailure = results.OnFailureRedispatch
	type out struct {
		res *results.Results
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := r.Run(context.Background(), p, bench.CaptureEnv())
		done <- out{res, err}
	}()
	var victim int
	for deadline := time.Now().Add(10 * time.Second); victim == 0 && time.Now().Before(deadline); {
		if pids := children(t); len(pids) == 3 {
			victim = pids[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if victim == 0 {
		t.Fatal("nodes did not start")
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var o out
	select {
	case o = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("run did not end within 20 s of the kill")
	}
	t.Logf("ended %v after the kill; log:\n%s", time.Since(start).Round(time.Millisecond), log)
	if o.err != nil {
		t.Fatalf("run did not survive the kill: %v", o.err)
	}
	c := o.res.Cells[0]
	if c.Status != results.StatusOK || !c.Verify.OK() || c.Verify.Verified != int64(c.Tasks) || c.Verify.Duplicate != 0 {
		t.Fatalf("status %s, verification %+v: want every one of %d tasks verified exactly once", c.Status, c.Verify, c.Tasks)
	}
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
	if left := children(t); len(left) > 0 {
		t.Errorf("child processes left behind: %v", left)
	}
}
