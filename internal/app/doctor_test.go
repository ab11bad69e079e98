package app

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/doctor"
	"github.com/snbench/snbench/bench/results"
)

// checkDoctor fails t unless d holds every figure, positive and finite,
// and the three known-answer checks, each with its parts.
func checkDoctor(t *testing.T, d *results.Doctor) {
	t.Helper()
	figures := map[string]float64{"clock cost": d.ClockNS.Value, "usable cores": float64(d.CPU.Usable), "elapsed": float64(d.ElapsedNS)}
	for _, w := range d.Wake {
		figures[w.Primitive+" p99 lateness"] = float64(w.P99NS)
	}
	for _, c := range d.Ceiling {
		figures["ceiling held or failed"] = float64(c.Held + c.Failed)
	}
	for name, v := range figures {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %g, want positive and finite", name, v)
		}
	}
	if len(d.Wake) != 2 || len(d.Ceiling) != 2 || len(d.Verdicts) < 4 {
		t.Errorf("%d wake figures, %d ceilings, %d verdicts; want 2, 2 and at least 4", len(d.Wake), len(d.Ceiling), len(d.Verdicts))
	}
	names := []string{doctor.CheckFixedWait, doctor.CheckStall, doctor.CheckUSL}
	if len(d.Checks) != len(names) {
		t.Fatalf("checks %+v, want %v", d.Checks, names)
	}
	for i, c := range d.Checks {
		if c.Name != names[i] || len(c.Parts) < 2 || c.Tries < 1 || c.Definition == "" {
			t.Errorf("check %d = %+v, want %s with its parts and definition", i, c, names[i])
		}
		for _, p := range c.Parts {
			if math.IsNaN(p.Got) || math.IsInf(p.Got, 0) || !(p.Hi > p.Lo) {
				t.Errorf("%s %s: got %g in [%g, %g]", c.Name, p.Figure, p.Got, p.Lo, p.Hi)
			}
		}
	}
}

// TestDoctorJSON runs `snbench doctor --format json` in-process: the output
// decodes to the doctor's record, its exit status is 0 when every check
// passed and 1 (naming the failed checks) otherwise, and it takes well
// under a minute even under -race.
func TestDoctorJSON(t *testing.T) {
	start := time.Now()
	code, stdout, stderr := snbench(t, "doctor", "--format", "json", "--step", "50ms")
	took := time.Since(start)
	var d results.Doctor
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("exit %d: stdout is not the doctor's JSON: %v\n%s\n%s", code, err, stdout, stderr)
	}
	checkDoctor(t, &d)
	failed := d.Failed()
	switch {
	case len(failed) == 0 && code != 0:
		t.Errorf("every check passed, but exit %d: %s", code, stderr)
	case len(failed) > 0 && (code != 1 || !strings.Contains(stderr, failed[0].Name+": ")):
		t.Errorf("check %s failed: exit %d, stderr %q; want 1 and the check named", failed[0].Name, code, stderr)
	}
	t.Logf("exit %d in %v", code, took)
	if took > 60*time.Second {
		t.Errorf("the doctor took %v", took)
	}
}

// TestRunWithDoctor: `snbench run --doctor` records the doctor's figures
// in results.json, and a failed check becomes a run warning.
func TestRunWithDoctor(t *testing.T) {
	out := filepath.Join(t.TempDir(), "res")
	code, _, stderr := snbench(t, "run", "--doctor", "--topology", "goroutine", "--workers", "1", "--tasks", "2000",
		"--repetitions", "2", "--warmup", "100", "--no-report", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Env.Doctor == nil {
		t.Fatal("results.json has no env.doctor")
	}
	checkDoctor(t, res.Env.Doctor)
	if !strings.Contains(stderr, "doctor: speedups above") {
		t.Errorf("the verdicts are not on stderr:\n%s", stderr)
	}
	for _, c := range res.Env.Doctor.Failed() {
		if !strings.Contains(strings.Join(res.Warnings, "\n"), "the "+c.Name+" check failed") {
			t.Errorf("check %s failed, but the run's warnings do not say so: %q", c.Name, res.Warnings)
		}
	}
}

func TestDoctorBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--format", "xml"}, `--format: unknown "xml"`},
		{[]string{"doctor", "--step", "1ms"}, "--step"},
		{[]string{"doctor", "now"}, "unknown command"},
	} {
		code, _, stderr := snbench(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tt.args, code, stderr, tt.want)
		}
	}
}
