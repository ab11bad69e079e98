package results_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// sampleDoctor is a doctor record with every field set.
func sampleDoctor() *results.Doctor {
	return &results.Doctor{
		Started:   time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC),
		ElapsedNS: int64(9 * time.Second),
		CPU:       results.DoctorCPU{Cores: 2, GOMAXPROCS: 2, QuotaCPUs: 1.5, Usable: 1, Load1: 3.5, Warnings: []string{"quota"}},
		ClockNS:   results.DoctorFigure{Value: 50.5, Unit: "ns", Definition: "cost of one time.Now"},
		Wake:      []results.DoctorWake{{Primitive: "workloads.Sleep", RequestedNS: 100_000, Samples: 200, P50NS: 300, P99NS: 90_000, Definition: "lateness"}},
		Ceiling: []results.DoctorCeiling{{Batch: 1, Held: 1_200_000, Failed: 1_400_000, Definition: "ceiling",
			Steps: []results.DoctorStep{{Offered: 1_400_000, Achieved: 1.2e6, LagP99NS: 3_000_000, Reason: "unreliable: lag"}, {Offered: 1_200_000, Achieved: 1.2e6, LagP99NS: 10_000, Held: true}}}},
		Checks: []results.DoctorCheck{{Name: "fixed wait", Tries: 2, Definition: "wait",
			Parts: []results.DoctorPart{{Figure: "service p50", Unit: "ms", Got: 1.2, Want: 1, Lo: 0.95, Hi: 1.05}}}},
		Verdicts: []string{"open-loop rates above ~1.2 M/s at batch 1 will be flagged here"},
	}
}

// TestDoctorRoundTrip: a results file with the doctor's record in its
// environment reads back equal, and Failed lists the failed check.
func TestDoctorRoundTrip(t *testing.T) {
	t.Parallel()
	want := sample(t)
	want.Env.Doctor = sampleDoctor()
	path := filepath.Join(t.TempDir(), "results.json")
	if err := results.Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Env.Doctor, want.Env.Doctor) {
		t.Fatalf("round trip changed the doctor record:\ngot  %+v\nwant %+v", got.Env.Doctor, want.Env.Doctor)
	}
	if f := got.Env.Doctor.Failed(); len(f) != 1 || f[0].Name != "fixed wait" {
		t.Fatalf("Failed() = %+v, want the fixed wait check", f)
	}
	want.Env.Doctor = nil
	if err := results.Write(path, want); err != nil {
		t.Fatal(err)
	}
	if got, err = results.Read(path); err != nil || got.Env.Doctor != nil {
		t.Fatalf("without a doctor record: %v, doctor %+v", err, got.Env.Doctor)
	}
}
