package bench

import (
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// TestScheduleIsExact: the k-th arrival of driver i of n is due at
// (i + k*n)/rate seconds to the nanosecond, however many arrivals came
// before: no interval is rounded and no rounding accumulates. At 32 M/s over
// 2 drivers the interval is 62.5 ns; rounded down to 62 ns it would put
// the millionth arrival 0.5 ms (0.8%) early.
func TestScheduleIsExact(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		i, n int
	}{
		{32e6, 0, 2}, {32e6, 1, 2}, {3e6, 2, 7}, {1000, 0, 1}, {999.5, 3, 4},
	} {
		o := newOpenLoop(tc.i, tc.n, tc.rate, results.ArrivalsConstant, 1, 1)
		const k = 1_000_000
		var last time.Duration
		for range k {
			last = o.arrival()
		}
		want := float64(tc.i+(k-1)*tc.n) / tc.rate * 1e9 // ns
		if d := float64(last) - want; d < -1 || d > 1 {
			t.Errorf("rate %g, driver %d of %d: arrival %d at %v, want %.1fns", tc.rate, tc.i, tc.n, k-1, last, want)
		}
	}
}

// TestPoissonScheduleRate: Poisson arrivals keep the mean rate: a million
// exponential gaps at 32 M/s over 2 drivers end within 0.5% of 62.5 ms.
func TestPoissonScheduleRate(t *testing.T) {
	o := newOpenLoop(0, 2, 32e6, results.ArrivalsPoisson, 7, 1)
	var last time.Duration
	for range 1_000_000 {
		last = o.arrival()
	}
	if want := 62.5 * float64(time.Millisecond); float64(last) < 0.995*want || float64(last) > 1.005*want {
		t.Errorf("millionth Poisson arrival at %v, want 62.5ms within 0.5%%", last)
	}
}
