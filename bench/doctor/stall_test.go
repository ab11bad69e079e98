package doctor_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/doctor"
	"github.com/snbench/snbench/bench/results"
)

// TestStallClosedFormByHand checks the closed form against cases worked
// out by hand. S = 100 ms, I = 1 ms, N = 1000: the latencies are 100, 99,
// …, 1 ms and 900 zeros, so p99 (the 990th smallest) is the 11th largest,
// 90 ms; p99.9 the 2nd largest, 99 ms; p90 (the 900th smallest) a zero.
// S = 2.5 ms, I = 1 ms, N = 10: latencies 2.5, 1.5, 0.5 ms and 7 zeros.
func TestStallClosedFormByHand(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	quantiles := []struct {
		s, i time.Duration
		n    int
		q    float64
		want time.Duration
	}{
		{100 * ms, ms, 1000, 0.99, 90 * ms},
		{100 * ms, ms, 1000, 0.999, 99 * ms},
		{100 * ms, ms, 1000, 1, 100 * ms},
		{100 * ms, ms, 1000, 0.95, 50 * ms},
		{100 * ms, ms, 1000, 0.90, 0},
		{5 * ms / 2, ms, 10, 0.9, 3 * ms / 2},
		{5 * ms / 2, ms, 10, 0.8, ms / 2},
		{5 * ms / 2, ms, 10, 0.7, 0},
		{50 * ms, 500 * time.Microsecond, 1000, 0.99, 45 * ms}, // the doctor's own cell
	}
	for _, tt := range quantiles {
		if got := doctor.StallQuantile(tt.s, tt.i, tt.n, tt.q); got != tt.want {
			t.Errorf("StallQuantile(S=%v, I=%v, N=%d, q=%g) = %v, want %v", tt.s, tt.i, tt.n, tt.q, got, tt.want)
		}
	}
	above := []struct {
		s, i, x time.Duration
		n       int
		want    float64
	}{
		{100 * ms, ms, 50 * ms, 1000, 0.05}, // (S-x)/T = 50 ms / 1 s
		{100 * ms, ms, 0, 1000, 0.1},
		{100 * ms, ms, 100 * ms, 1000, 0},
		{5 * ms / 2, ms, ms, 10, 0.2},     // 2.5 and 1.5 ms
		{5 * ms / 2, ms, 2 * ms, 10, 0.1}, // 2.5 ms
	}
	for _, tt := range above {
		if got := doctor.StallAbove(tt.s, tt.i, tt.n, tt.x); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("StallAbove(S=%v, I=%v, N=%d, x=%v) = %g, want %g", tt.s, tt.i, tt.n, tt.x, got, tt.want)
		}
	}
}

// simulate plays the closed form's scenario event by event: n tasks due
// every interval, one in flight at a time, each answered in base except
// task k, which takes s. It returns the latencies from the due times in an
// HDR histogram.
func simulate(s, interval, base time.Duration, n, k int) []time.Duration {
	var lat []time.Duration
	var free time.Duration // when the one slot is free again
	for i := range n {
		due := time.Duration(i) * interval
		start := max(due, free)
		svc := base
		if i == k {
			svc = s
		}
		free = start + svc
		lat = append(lat, free-due)
	}
	return lat
}

// TestStallClosedFormSimulated: the closed form's quantiles match an
// event-by-event simulation read through an HDR histogram, as the harness
// reads latencies, within the histogram's precision (0.1%) plus the time
// the backlog takes to drain at the simulated answer time (the closed form
// takes it as 0), across stall lengths, rates and quantiles.
func TestStallClosedFormSimulated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s, i time.Duration
		n, k int
	}{
		{100 * time.Millisecond, time.Millisecond, 1000, 500},
		{50 * time.Millisecond, 500 * time.Microsecond, 1000, 200},
		{7300 * time.Microsecond, 130 * time.Microsecond, 5000, 4000},
	} {
		t.Run(fmt.Sprintf("S=%v/I=%v/N=%d", tc.s, tc.i, tc.n), func(t *testing.T) {
			const base = time.Nanosecond
			h := results.NewHist()
			for _, l := range simulate(tc.s, tc.i, base, tc.n, tc.k) {
				results.Record(h, l, 1)
			}
			for _, q := range []float64{0.9, 0.95, 0.99, 0.995, 0.999, 1} {
				want := doctor.StallQuantile(tc.s, tc.i, tc.n, q)
				got := time.Duration(h.ValueAtQuantile(100 * q))
				if d := got - want; d < 0 || float64(d) > 0.001*float64(want)+float64(tc.n)*float64(base) {
					t.Errorf("q=%g: simulated %v, closed form %v", q, got, want)
				}
			}
		})
	}
}

func TestStallCheck(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name   string
		f      doctor.StallFigures
		missed []string // the parts that fail
	}{
		{"as the closed form says", doctor.StallFigures{Stall: 50 * ms, P99: 45*ms + 300*time.Microsecond, Max: 50*ms + 100*time.Microsecond, UncorrectedP99: ms / 10}, nil},
		{"uses the measured stall", doctor.StallFigures{Stall: 52 * ms, P99: 47 * ms, Max: 52 * ms, UncorrectedP99: ms / 10}, nil},
		{"coordinated omission hides the stall", doctor.StallFigures{Stall: 50 * ms, P99: ms / 10, Max: 50 * ms, UncorrectedP99: ms / 10}, []string{"corrected p99"}},
		{"every task took the stall", doctor.StallFigures{Stall: 50 * ms, P99: 50 * ms, Max: 50 * ms, UncorrectedP99: 50 * ms}, []string{"corrected p99", "uncorrected p99"}},
		{"the stall's own task was lost", doctor.StallFigures{Stall: 50 * ms, P99: 45 * ms, Max: 20 * ms, UncorrectedP99: ms / 10}, []string{"corrected max"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := doctor.StallCheck(tt.f)
			var missed []string
			for _, p := range c.Parts {
				if !p.Pass {
					missed = append(missed, p.Figure)
				}
			}
			if c.Name != doctor.CheckStall || len(c.Parts) != 3 || c.Pass != (len(tt.missed) == 0) || fmt.Sprint(missed) != fmt.Sprint(tt.missed) {
				t.Fatalf("StallCheck(%+v): pass %v, missed %q; want missed %q", tt.f, c.Pass, missed, tt.missed)
			}
		})
	}
}
