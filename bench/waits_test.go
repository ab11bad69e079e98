package bench

import (
	"fmt"
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

// TestNoteWakeLate: a closed-loop fixed-delay cell whose nodes kept the
// wait but whose throughput fell over 10% below workers x window x batch
// / (batch x wait + no-wait round trip) says so, with the figures; one
// within 10% of the answer, without a no-wait round trip, or already
// explained (overrun, cpu-bound) does not.
func TestNoteWakeLate(t *testing.T) {
	us := func(n int64) int64 { return n * int64(time.Microsecond) }
	for _, tc := range []struct {
		name                   string
		workers, window, batch int
		tput                   float64
		lat, svc, rt           int64
		cpu                    float64
		want                   bool
	}{
		// tcp, 1 worker, 1 ms: 855/s against 1/(1 ms + 38 us) = 963/s.
		{"tcp one worker late", 1, 1, 1, 855, us(1119), us(1002), us(38), 20_000, true},
		{"on the answer", 1, 1, 1, 950, us(1045), us(1002), us(38), 20_000, false},
		{"8 workers, window 2, within 10%", 8, 2, 1, 14_500, us(1080), us(1002), us(40), 20_000, false},
		{"8 workers, window 2, short", 8, 2, 1, 12_000, us(1300), us(1002), us(40), 20_000, true},
		{"batch 4 on the answer", 1, 1, 4, 3900, us(4030), us(4002), us(20), 5_000, false},
		{"no no-wait round trip", 1, 1, 1, 500, us(2000), us(1002), 0, 20_000, false},
		{"overrun explains it", 1, 1, 1, 500, us(2000), us(1900), us(38), 20_000, false},
		{"cpu-bound explains it", 1, 1, 1, 800, us(1200), us(1002), us(38), 2_000_000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &results.Results{Plan: results.Plan{Wait: workloads.Duration(time.Millisecond)}, Env: results.Env{Cores: 2, GOMAXPROCS: 2},
				Cells: []results.Cell{{Key: results.Key{Workers: tc.workers, Window: tc.window, Batch: tc.batch},
					Summary: results.Summary{Reps: 1, Throughput: results.Estimate{Mean: tc.tput}, CPUPerTaskNS: tc.cpu, NoWaitRTNS: tc.rt,
						Latency: results.Percentiles{P50: tc.lat}, Service: results.Percentiles{P50: tc.svc}}}}}
			noteOverrun(res)
			var got string
			for _, w := range res.Cells[0].Warnings {
				if strings.HasPrefix(w, "wake-late:") {
					got = w
				}
			}
			if (got != "") != tc.want {
				t.Fatalf("wake-late caveat %q, want %v (all: %q)", got, tc.want, res.Cells[0].Warnings)
			}
			if tc.want && !strings.Contains(got, fmt.Sprintf("no-wait round trip %v", time.Duration(tc.rt))) {
				t.Errorf("caveat %q does not give the no-wait round trip", got)
			}
		})
	}
}
