package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/workloads"
)

// TestNoteOverrun: a fixed-delay cell whose nodes took more than 5% (plus
// 20 us) over batch x wait per batch says the machine did not keep the
// delay; one within it, and any cell of a plan with a CPU burn, does not.
func TestNoteOverrun(t *testing.T) {
	ms := int64(time.Millisecond)
	for _, tc := range []struct {
		name      string
		wait, cpu time.Duration
		batch     int
		svcP50    int64
		want      bool
	}{
		{"on time", time.Millisecond, 0, 1, ms + 30_000, false},
		{"late", time.Millisecond, 0, 1, ms + 200_000, true},
		{"batch of 4 on time", time.Millisecond, 0, 4, 4*ms + 150_000, false},
		{"batch of 4 late", time.Millisecond, 0, 4, 5 * ms, true},
		{"cpu burn shares cores", time.Millisecond, time.Millisecond, 1, 10 * ms, false},
		{"no wait", 0, 0, 1, 10 * ms, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &results.Results{Plan: results.Plan{Wait: workloads.Duration(tc.wait), CPU: workloads.Duration(tc.cpu)},
				Cells: []results.Cell{{Key: results.Key{Batch: tc.batch}, Summary: results.Summary{Reps: 1, Service: results.Percentiles{P50: tc.svcP50}}}}}
			noteOverrun(res)
			got := len(res.Cells[0].Warnings) > 0 && strings.HasPrefix(res.Cells[0].Warnings[0], "overrun:")
			if got != tc.want {
				t.Errorf("overrun caveat %v, want %v: %q", got, tc.want, res.Cells[0].Warnings)
			}
		})
	}
}

// TestNoteCPUBound: a fixed-delay cell whose CPU per task kept the cores
// over half busy says CPU may be its limit.
func TestNoteCPUBound(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tput, cpu  float64 // tasks/s, ns per task
		cores, gmp int
		want       bool
	}{
		{"idle", 1000, 100_000, 2, 2, false},        // 10% of 2 cores
		{"busy", 6000, 250_000, 2, 2, true},         // 75%
		{"gomaxprocs 1", 4000, 150_000, 2, 1, true}, // 60% of 1
		{"no env", 6000, 250_000, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &results.Results{Plan: results.Plan{Wait: workloads.Duration(time.Millisecond)}, Env: results.Env{Cores: tc.cores, GOMAXPROCS: tc.gmp},
				Cells: []results.Cell{{Key: results.Key{Batch: 1}, Summary: results.Summary{Reps: 1, Service: results.Percentiles{P50: int64(time.Millisecond)},
					Throughput: results.Estimate{Mean: tc.tput}, CPUPerTaskNS: tc.cpu}}}}
			noteOverrun(res)
			got := false
			for _, w := range res.Cells[0].Warnings {
				got = got || strings.HasPrefix(w, "cpu-bound:")
			}
			if got != tc.want {
				t.Errorf("cpu-bound caveat %v, want %v: %q", got, tc.want, res.Cells[0].Warnings)
			}
		})
	}
}
