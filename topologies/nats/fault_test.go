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
			o := proctest.Inject(t, proctest.Fault{Nodes: 2, After: 300 * time.Millisecond, Signal: tc.sig, Within: 15 * time.Second},
				func() (*results.Results, error) { return r.Run(context.Background(), p, bench.CaptureEnv()) })
			t.Logf("ended %v after the fault: %v", o.Took.Round(time.Millisecond), o.Err)
			victim := o.Victim
			want := tc.want
			if tc.sig == syscall.SIGKILL {
				want = append(want, fmt.Sprintf("pid %d", victim))
			}
			for _, w := range want {
				if o.Err == nil || !strings.Contains(o.Err.Error(), w) {
					t.Errorf("error %v lacks %q", o.Err, w)
				}
			}
			if o.Result == nil || !o.Result.Incomplete || o.Result.Cells[0].Status != results.StatusError {
				t.Errorf("partial results not marked: %+v", o.Result)
			}
			if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
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
	o := proctest.Inject(t, proctest.Fault{Nodes: 3, Victim: 1, After: 500 * time.Millisecond, Signal: syscall.SIGKILL, Within: 20 * time.Second},
		func() (*results.Results, error) { return r.Run(context.Background(), p, bench.CaptureEnv()) })
	victim := o.Victim
	t.Logf("ended %v after the kill; log:\n%s", o.Took.Round(time.Millisecond), log)
	if o.Err != nil {
		t.Fatalf("run did not survive the kill: %v", o.Err)
	}
	c := o.Result.Cells[0]
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
	if left := proctest.Nodes(t, os.Getpid()); len(left) > 0 {
		t.Errorf("child processes left behind: %v", left)
	}
}
