package checkworker

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/topologies/exec"
	"github.com/snbench/snbench/workloads"
)

// TestRunCatchesBadWorkers: the workers that check-worker catches
// (TestBadWorkers) are caught by a run too, on the exec topology: the
// cell fails verification, or the run ends, with the node named, and a
// stalled one within the task timeout. The measured pass is what this
// checks, at window 4; under --window auto the window probe meets the bad
// answers first and ends the run naming the node (TestProbeCatchesBadWorker).
func TestRunCatchesBadWorkers(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode   string
		verify bool   // a verification failure, not a run error
		want   string // in the error
	}{
		{"good", false, ""},
		{"drop", true, "exec-1"},
		{"duplicate", true, "exec-1"},
		{"plusone", true, "exec-1"},
		{"order", true, "exec-1"},
		{"stall", false, "node exec-1 (pid "},
		// A worker that said why it stalls is quoted.
		{"stall-say", false, "node exec-1: its stderr: worker: stalling on purpose at task 50000"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			wl := workloads.DefaultRegistry()
			r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}
			p := bench.DefaultPlan([]string{"exec"})
			p.Workers, p.Tasks, p.Repetitions, p.Warmup, p.Window = []int{1}, []int{100_000}, 1, 0, []int{4}
			p.TaskTimeout = workloads.Duration(time.Second)
			p.Options = map[string]map[string]string{"exec": {exec.OptExec: "env " + envBad + "=" + tc.mode + " '" + exe + "'"}}
			start := time.Now()
			res, err := r.Run(context.Background(), p, bench.CaptureEnv())
			took := time.Since(start)
			switch {
			case tc.mode == "good":
				if err != nil {
					t.Fatalf("a correct worker failed the run: %v", err)
				}
				if v := res.Cells[0].Verify; v.Verified != 100_000 || v.Lost+v.Duplicate+v.Wrong != 0 {
					t.Errorf("verification %+v, want 100000 verified and nothing else", v)
				}
				return
			case err == nil:
				t.Fatalf("a %s worker passed the run", tc.mode)
			case tc.verify && !errors.Is(err, bench.ErrVerification):
				t.Errorf("err = %v, want a verification failure", err)
			case !tc.verify && errors.Is(err, bench.ErrVerification):
				t.Errorf("err = %v, want the run to end with an error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to name the node (%q)", err, tc.want)
			}
			if took > 15*time.Second {
				t.Errorf("took %v with a 1s task timeout", took)
			}
			t.Logf("%s: %v", tc.mode, err)
		})
	}
}

// TestProbeCatchesBadWorker: under --window auto (the default) the window
// probe verifies every answer too. A worker that answers 2x+1 fails its
// cell there, as a repetition that did not verify would: the cell is
// failed with the probe's verification counts and runs no repetition, the
// other cells go on, and the run ends with a verification failure that
// names the node and its wrong value.
func TestProbeCatchesBadWorker(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	wl := workloads.DefaultRegistry()
	r := &bench.Runner{Topologies: builtin.Registry(wl), Workloads: wl}
	p := bench.DefaultPlan([]string{"exec", "goroutine"})
	p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{1}, []int{100_000}, 2, 0
	p.TaskTimeout = workloads.Duration(time.Second)
	p.Options = map[string]map[string]string{"exec": {exec.OptExec: "env " + envBad + "=plusone '" + exe + "'"}}
	res, err := r.Run(context.Background(), p, bench.CaptureEnv())
	if !errors.Is(err, bench.ErrVerification) || !strings.Contains(err.Error(), "window probe") || !strings.Contains(err.Error(), "node exec-1") ||
		!strings.Contains(err.Error(), "wrong value for task 17") {
		t.Fatalf("err = %v, want a verification failure in which the window probe names node exec-1 and its wrong value", err)
	}
	if res == nil || len(res.Cells) != 2 {
		t.Fatalf("results %+v, want two cells", res)
	}
	for _, c := range res.Cells {
		switch c.Topology {
		case "exec":
			if c.Status != results.StatusFailed || len(c.Reps) != 0 || c.Verify.Wrong == 0 || c.Verify.OK() ||
				c.AutoWindow == nil || c.AutoWindow.Stop != results.AutoUnverified {
				t.Errorf("exec cell: status %s, %d repetitions, verification %+v, probe %+v: want failed in the probe, no repetition, wrong values counted",
					c.Status, len(c.Reps), c.Verify, c.AutoWindow)
			}
		case "goroutine":
			if c.Status != results.StatusOK || len(c.Reps) != 2 {
				t.Errorf("goroutine cell: status %s, %d repetitions: want ok, 2 (the run goes on)", c.Status, len(c.Reps))
			}
		}
	}
}
