package doctor_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/doctor"
	"github.com/snbench/snbench/bench/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// handDoctor is a doctor record with figures chosen by hand: a ceiling of
// 1.2 M/s at batch 1 (1.4 M/s achieved 1.1 M/s), none reached at batch 8,
// and at batch 64 even 1k/s flagged for its lag alone, a timing.Waiter p99
// lateness of 85 µs, a 50 ns clock, GOMAXPROCS above the cores, and a
// failed fixed-wait check.
func handDoctor() *results.Doctor {
	d := &results.Doctor{
		Started:   time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC),
		ElapsedNS: int64(9500 * time.Millisecond),
		CPU:       doctor.CPUOf(2, 4, 0, 0.5),
		ClockNS:   results.DoctorFigure{Value: 50, Unit: "ns", Definition: "cost of one time.Now"},
		Wake: []results.DoctorWake{
			{Primitive: "timing.Waiter", RequestedNS: 100_000, Samples: 200, P50NS: 2000, P99NS: 85_000, Definition: "lateness of a 100µs wait"},
			{Primitive: "time.Sleep", RequestedNS: 100_000, Samples: 200, P50NS: 1_050_000, P99NS: 1_200_000, Definition: "lateness of a 100µs wait"},
		},
		Ceiling: []results.DoctorCeiling{
			{Batch: 1, Held: 1_200_000, Failed: 1_400_000, Definition: "the highest offered rate, batch 1, not flagged",
				Steps: []results.DoctorStep{{Offered: 1_400_000, Achieved: 1.1e6, Tries: 2}, {Offered: 1_200_000, Achieved: 1.2e6, Held: true, Tries: 1}}},
			{Batch: 8, Held: 64_000_000, Steps: make([]results.DoctorStep, 9), Definition: "the highest offered rate, batch 8, not flagged"},
			{Batch: 64, Failed: 1000, Steps: []results.DoctorStep{{Offered: 1000, Achieved: 1000, LagP99NS: 3e6, Tries: 2}}, Definition: "batch 64"},
		},
		Checks: []results.DoctorCheck{
			doctor.FixedWaitCheck(1080*time.Microsecond, 1090*time.Microsecond),
			doctor.StallCheck(doctor.StallFigures{Stall: 50 * time.Millisecond, P99: 45 * time.Millisecond, Max: 50 * time.Millisecond, UncorrectedP99: time.Millisecond / 10}),
		},
	}
	d.Checks[0].Tries = 3
	d.Verdicts = doctor.Verdicts(d)
	return d
}

// TestVerdicts: the plain-words lines follow from the hand-picked figures.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	v := strings.Join(handDoctor().Verdicts, "\n")
	for _, want := range []string{
		"open-loop rates above ~1.2 M/s at batch 1 will be flagged here (held 1.2 M/s, flagged at 1.4 M/s)",
		"the generator held every rate tried at batch 8, up to 64 M/s",
		"the generator could not hold even 1 k/s at batch 64 here, the lowest rate tried: open-loop cells at that batch will be flagged at any rate; the flagged step achieved its rate, but over 1% of its batches went out more than 1ms late",
		"waits under ~850µs are dominated by wake-up error here: the node wait (timing.Waiter) returns 85µs late at p99",
		"per-task costs under ~2µs carry over 5% of clock cost at batch 1",
		"speedups above 2 cores cannot be measured here (2 cores, GOMAXPROCS 4)",
		"GOMAXPROCS 4 exceeds the 2 cores",
		"the fixed wait check failed (service p50 1.08 ms, want 1 ms (0.95 to 1.05 ms)): do not trust service times",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("verdicts lack %q:\n%s", want, v)
		}
	}
	if strings.Count(v, "scheduling hiccups") != 1 {
		t.Errorf("only batch 64's step was flagged for lag alone:\n%s", v)
	}
	if strings.Contains(v, "all 2 known-answer checks passed") {
		t.Errorf("verdicts say all checks passed with one failed:\n%s", v)
	}
	for _, tt := range []struct {
		rate float64
		want string
	}{{1_234_567, "1.23 M/s"}, {350_000, "350 k/s"}, {800, "800/s"}} {
		if got := doctor.Rate(tt.rate); got != tt.want {
			t.Errorf("Rate(%g) = %q, want %q", tt.rate, got, tt.want)
		}
	}
}

// TestWriteTextGolden compares the text form of the hand-made record with
// testdata/doctor.txt (go test -update rewrites it).
func TestWriteTextGolden(t *testing.T) {
	var b bytes.Buffer
	if err := doctor.WriteText(&b, handDoctor()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "doctor.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("text output differs from %s (go test -update rewrites it):\n%s", golden, b.String())
	}
}
