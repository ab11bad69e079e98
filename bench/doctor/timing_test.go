package doctor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/doctor"
)

func TestNearestRank(t *testing.T) {
	t.Parallel()
	ten := func() []int64 { return []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1} }
	tests := []struct {
		name string
		xs   []int64
		q    float64
		want int64
	}{
		{"median of ten", ten(), 0.5, 5},
		{"p99 of ten", ten(), 0.99, 10},
		{"p10 of ten", ten(), 0.1, 1},
		{"tiny q takes the smallest", ten(), 0.001, 1},
		{"one value", []int64{7}, 0.99, 7},
		{"empty", nil, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := doctor.NearestRank(tt.xs, tt.q); got != tt.want {
				t.Errorf("NearestRank(q=%g) = %d, want %d", tt.q, got, tt.want)
			}
		})
	}
}

// spin busy-waits for d past start, so its duration is known: never less.
func spin(start time.Time, d time.Duration) {
	for time.Since(start) < d {
	}
}

// TestLatenessKnownDelay: a wait that always overruns by 300 µs is measured
// at least 300 µs late every time, and its median within a wide 20 ms of
// that on a busy machine.
func TestLatenessKnownDelay(t *testing.T) {
	t.Parallel()
	const over = 300 * time.Microsecond
	late := doctor.Lateness(func(d time.Duration) { spin(time.Now(), d+over) }, 100*time.Microsecond, 20)
	for i, l := range late {
		if time.Duration(l) < over {
			t.Fatalf("wait %d measured %v late, want at least %v", i, time.Duration(l), over)
		}
	}
	if p50 := time.Duration(doctor.NearestRank(late, 0.5)); p50 > over+20*time.Millisecond {
		t.Errorf("p50 lateness %v, want %v (+ at most 20ms)", p50, over)
	}
}

// TestPerCallKnownCost: a call that takes 20 µs costs at least 20 µs, and
// the median run within a wide 2 ms of it.
func TestPerCallKnownCost(t *testing.T) {
	t.Parallel()
	const cost = 20 * time.Microsecond
	ns := doctor.PerCall(func() { spin(time.Now(), cost) }, 25, 5)
	if ns < float64(cost) || ns > float64(cost+2*time.Millisecond) {
		t.Errorf("PerCall = %.0f ns, want %v (+ at most 2ms)", ns, cost)
	}
}

func TestParseCPUMax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"max 100000\n", 0, false},
		{"200000 100000\n", 2, false},
		{"150000 100000", 1.5, false},
		{"50000 100000", 0.5, false},
		{"", 0, true},
		{"max", 0, true},
		{"abc 100000", 0, true},
		{"100000 0", 0, true},
		{"-5 100000", 0, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			got, err := doctor.ParseCPUMax(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseCPUMax(%q) = %g, %v; want %g, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCPUOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		cores, procs     int
		quota, load      float64
		usable, warnings int
	}{
		{"agree", 8, 8, 0, 1, 8, 0},
		{"GOMAXPROCS above cores", 2, 8, 0, 0, 2, 1},
		{"GOMAXPROCS below cores", 8, 2, 0, 0, 2, 1},
		{"quota limits", 8, 8, 2.5, 0, 2, 1},
		{"quota under one CPU", 4, 4, 0.5, 0, 1, 1},
		{"quota above cores changes nothing", 4, 4, 16, 0, 4, 0},
		{"overloaded", 2, 2, 0, 15, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := doctor.CPUOf(tt.cores, tt.procs, tt.quota, tt.load)
			if c.Usable != tt.usable || len(c.Warnings) != tt.warnings {
				t.Errorf("CPUOf(%d, %d, %g, %g) = usable %d, warnings %q; want %d and %d warnings", tt.cores, tt.procs, tt.quota, tt.load, c.Usable, c.Warnings, tt.usable, tt.warnings)
			}
		})
	}
}
