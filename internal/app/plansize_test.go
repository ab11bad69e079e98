package app

import (
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// TestPlanSize: the README's old fixed-delay example (defaults but
// --wait 1ms --batch 1 --window 1, about 10 hours) starts only after a
// line that says so:
// its least duration is the sum of each cell's tasks / workers x 1 ms.
func TestPlanSize(t *testing.T) {
	t.Parallel()
	p := results.DefaultPlan([]string{"goroutine", "subprocess", "tcp", "nats"})
	p.Wait, p.Batch, p.Window = workloads.Duration(time.Millisecond), []int{1}, []int{1}
	cells, reps, tasks, least := planSize(p, 2)
	// (1M + 10k warm-up) tasks per repetition, 5 repetitions, at
	// 1, 2, 4 and 8 workers: 5 x 1.01M x (1 + 1/2 + 1/4 + 1/8) ms, per topology.
	want := time.Duration(4 * 5 * 1_010_000 * 1.875 * float64(time.Millisecond))
	if cells != 16 || reps != 5 || tasks != 16*5*1_010_000 || least != want {
		t.Errorf("planSize = %d cells, %d reps, %d tasks, %v; want 16, 5, %d, %v", cells, reps, tasks, least, 16*5*1_010_000, want)
	}
	if l := planLine(p); !strings.HasPrefix(l, "plan: 16 cells x 5 repetitions, 80800000 tasks in all: at least 10h31m") {
		t.Errorf("planLine = %q", l)
	}
	short := results.DefaultPlan([]string{"goroutine"})
	short.Wait, short.Tasks, short.Repetitions = workloads.Duration(time.Millisecond), []int{2000}, []int{3}[0]
	if l := planLine(short); l != "" {
		t.Errorf("a short plan prints %q, want nothing", l)
	}
}
