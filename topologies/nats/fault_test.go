package nats_test

import (
	"context"
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
