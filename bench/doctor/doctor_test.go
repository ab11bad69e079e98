package doctor_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/doctor"
	"github.com/snbench/snbench/bench/results"
)

// checkRecord fails t unless d has every figure, positive and finite,
// with its definition, and the three known-answer checks with their parts.
// A machine too busy to hold any rate has a ceiling of 0 and a lowest
// failed rate instead.
func checkRecord(t *testing.T, d *results.Doctor) {
	t.Helper()
	pos := func(name string, v float64) {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %g, want positive and finite", name, v)
		}
	}
	pos("clock cost", d.ClockNS.Value)
	pos("elapsed", float64(d.ElapsedNS))
	pos("usable cores", float64(d.CPU.Usable))
	if d.ClockNS.Definition == "" {
		t.Error("clock cost without a definition")
	}
	if len(d.Wake) != 2 || d.Wake[0].Primitive != "timing.Waiter" || d.Wake[1].Primitive != "time.Sleep" {
		t.Fatalf("wake figures %+v, want timing.Waiter and time.Sleep", d.Wake)
	}
	for _, w := range d.Wake {
		pos(w.Primitive+" p99 lateness", float64(w.P99NS))
		if w.P50NS > w.P99NS || w.Samples < 100 || w.Definition == "" {
			t.Errorf("%s: %+v", w.Primitive, w)
		}
	}
	if len(d.Ceiling) != 2 || d.Ceiling[0].Batch != 1 || d.Ceiling[1].Batch != 8 {
		t.Fatalf("ceilings %+v, want batch 1 and 8", d.Ceiling)
	}
	for _, c := range d.Ceiling {
		pos("ceiling held or failed", float64(c.Held+c.Failed))
		if len(c.Steps) == 0 || c.Definition == "" || c.Failed > 0 && c.Held >= c.Failed {
			t.Errorf("ceiling at batch %d: %+v", c.Batch, c)
		}
		for _, s := range c.Steps {
			pos("achieved", s.Achieved)
			if s.Tries < 1 || s.Tries > 2 || s.Held && s.Reason != "" {
				t.Errorf("step %+v: want 1 or 2 tries, and a reason only when flagged", s)
			}
			if !s.Held && !strings.HasPrefix(s.Reason, "unreliable") && !strings.HasPrefix(s.Reason, "saturated") {
				t.Errorf("step %+v failed without the unreliable or saturated warning", s)
			}
		}
	}
	names := []string{doctor.CheckFixedWait, doctor.CheckStall, doctor.CheckUSL}
	if len(d.Checks) != len(names) {
		t.Fatalf("%d checks, want %v", len(d.Checks), names)
	}
	for i, c := range d.Checks {
		if c.Name != names[i] || len(c.Parts) < 2 || c.Tries < 1 || c.Definition == "" {
			t.Errorf("check %d: %+v, want %s with its parts", i, c, names[i])
		}
		for _, p := range c.Parts {
			pos(c.Name+" "+p.Figure+" hi", p.Hi)
			if p.Pass != (p.Got >= p.Lo && p.Got <= p.Hi) || math.IsNaN(p.Got) {
				t.Errorf("%s %s: pass %v for %g in [%g, %g]", c.Name, p.Figure, p.Pass, p.Got, p.Lo, p.Hi)
			}
		}
	}
	if !d.Checks[2].Pass {
		t.Errorf("the USL fit of the published data set failed: %s", doctor.Misses(d.Checks[2]))
	}
	if len(d.Verdicts) < 4 {
		t.Errorf("verdicts %q", d.Verdicts)
	}
}

// TestRun runs the doctor with short ceiling steps and checks its record.
// The fixed-wait and stall checks may fail on a machine too busy for them
// (the doctor is there to say so); the structure may not.
func TestRun(t *testing.T) {
	o := doctor.DefaultOptions()
	o.Step = 50 * time.Millisecond
	start := time.Now()
	d, err := doctor.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("took %v; verdicts:\n%s", took, strings.Join(d.Verdicts, "\n"))
	checkRecord(t, d)
	if took > 60*time.Second {
		t.Errorf("the doctor took %v, want well under a minute", took)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*doctor.Options)
		want string
	}{
		{"defaults", func(*doctor.Options) {}, ""},
		{"short step", func(o *doctor.Options) { o.Step = time.Millisecond }, "step"},
		{"no batches", func(o *doctor.Options) { o.Batches = nil }, "batches: empty"},
		{"zero batch", func(o *doctor.Options) { o.Batches = []int{0} }, "batches: 0 out of range"},
		{"no tries", func(o *doctor.Options) { o.Tries = 0 }, "tries"},
		{"start below min", func(o *doctor.Options) { o.Search.Start = 10 }, "search"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := doctor.DefaultOptions()
			tt.edit(&o)
			err := o.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := doctor.Run(context.Background(), doctor.Options{}); err == nil {
		t.Error("Run with zero options gave no error")
	}
}
