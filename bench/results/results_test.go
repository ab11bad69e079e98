package results_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

func TestParsePlanFiles(t *testing.T) {
	t.Parallel()
	base := results.DefaultPlan([]string{"goroutine", "subprocess", "tcp"})
	for _, tt := range []struct {
		file  string
		check func(p results.Plan) bool
	}{
		{"plan.yaml", func(p results.Plan) bool {
			return len(p.Topologies) == 2 && len(p.Workers) == 3 && p.Batch[1] == 64 &&
				p.Dispatch == results.DispatchLeastOutstanding && p.TaskTimeout.D() == 2*time.Second &&
				p.CPU.D() == 10*time.Microsecond && p.Repetitions == base.Repetitions
		}},
		{"plan.json", func(p results.Plan) bool {
			return p.Topologies[0] == "subprocess" && p.Workers[0] == 3 && p.Repetitions == 2 && p.Wait.D() == time.Millisecond
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := results.ParsePlan(tt.file, data, base)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(p) {
				t.Fatalf("parsed plan %+v", p)
			}
		})
	}
}

func TestParsePlanErrors(t *testing.T) {
	t.Parallel()
	base := results.DefaultPlan([]string{"goroutine"})
	tests := []struct {
		name, in, want string
	}{
		{"unknown field", "wokers: [1]", `unknown field "wokers"`},
		{"zero workers", "workers: [0]", "plan: workers: 0 out of range"},
		{"negative tasks", "tasks: [-5]", "plan: tasks: -5 out of range"},
		{"empty axis", "batch: []", "plan: batch: empty"},
		{"bad dispatch", "dispatch: random", `unknown policy "random"`},
		{"bad duration", "task_timeout: soon", "duration"},
		{"zero timeout", "task_timeout: 0s", "task_timeout: must be positive"},
		{"wrong type", "workers: many", "cannot unmarshal"},
		{"not yaml", "workers: [1, 2", "yaml"},
		{"too many repetitions", "repetitions: 100000", "repetitions"},
		{"zero window", "window: [0]", "window: 0 out of range [1, 65536] (auto is written auto)"},
		{"auto and zero", "window: [auto, 0]", "window: 0 out of range"},
		{"window garbage", "window: [fast]", `window: "fast": want a whole number of batches or auto`},
		{"window not a list", "window: auto", "window: want a list such as [auto] or [4, 16]"},
		{"window too large", "window: [auto, 100000]", "plan: window: 100000 out of range [1, 65536]"},
		{"auto window in open loop", "window: [auto]\nrate: [1000]\nduration: 1s", "plan: window: auto chooses a closed-loop window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := results.ParsePlan("p.yaml", []byte(tt.in), base)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParsePlan(%q) = %v, want error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

// TestParsePlanWindows: a plan file's windows are numbers and auto, auto
// the default; they round-trip through JSON as results.json writes them.
func TestParsePlanWindows(t *testing.T) {
	t.Parallel()
	base := results.DefaultPlan([]string{"goroutine"})
	if !slices.Equal(base.Window, results.Windows{results.WindowAuto}) {
		t.Fatalf("default windows %v, want [auto]", base.Window)
	}
	for in, want := range map[string]results.Windows{
		"workers: [1]":                          {results.WindowAuto},
		"window: [auto]":                        {results.WindowAuto},
		"window: [4, 16]":                       {4, 16},
		"window: [auto, 16]":                    {results.WindowAuto, 16},
		`{"window": ["auto", 1, 64]}`:           {results.WindowAuto, 1, 64},
		"window:\n  - auto\n  - 8\n":            {results.WindowAuto, 8},
		"window: [ \"auto\" ]":                  {results.WindowAuto},
		"window: [4]\nrate: [10]\nduration: 1s": {4},
	} {
		p, err := results.ParsePlan("p.yaml", []byte(in), base)
		if err != nil {
			t.Errorf("ParsePlan(%q): %v", in, err)
			continue
		}
		if !slices.Equal(p.Window, want) {
			t.Errorf("ParsePlan(%q): windows %v, want %v", in, p.Window, want)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		again, err := results.ParsePlan("again", b, base)
		if err != nil || !slices.Equal(again.Window, want) {
			t.Errorf("round trip of %q through %s: %v, %v", in, b, again.Window, err)
		}
		if want.HasAuto() && !strings.Contains(string(b), `"window":["auto"`) {
			t.Errorf("JSON of %q: %s, want the auto window written auto", in, b)
		}
	}
}

// TestAutoCell: an auto cell's key says window=auto whatever its probe
// chose; the window it ran at comes from its probe.
func TestAutoCell(t *testing.T) {
	t.Parallel()
	c := results.Cell{Key: results.Key{Topology: "tcp", Workers: 2, Tasks: 100, Payload: 1, Window: results.WindowAuto, Batch: 64}}
	if got, want := c.Key.String(), "tcp/workers=2/tasks=100/payload=1/window=auto/batch=64"; got != want {
		t.Errorf("key %q, want %q", got, want)
	}
	if got := results.GobenchName("doubling", c.Key); !strings.Contains(got, "/window=auto/") {
		t.Errorf("benchmark name %q, want window=auto in it", got)
	}
	if c.WindowUsed() != 0 || c.WindowText() != "auto" {
		t.Errorf("before the probe: window used %d, text %q", c.WindowUsed(), c.WindowText())
	}
	c.AutoWindow = &results.AutoWindow{Window: 16, Stop: results.AutoPlateau}
	if c.WindowUsed() != 16 || c.WindowText() != "auto→16" {
		t.Errorf("after the probe: window used %d, text %q", c.WindowUsed(), c.WindowText())
	}
	c.Key.Window = 8
	if c.WindowUsed() != 8 || c.WindowText() != "8" {
		t.Errorf("explicit: window used %d, text %q", c.WindowUsed(), c.WindowText())
	}
}

// sample returns a small valid results value with one summarised cell.
func sample(t testing.TB) *results.Results {
	t.Helper()
	p := results.DefaultPlan([]string{"goroutine"})
	p.Workers = []int{1}
	h := results.NewHist()
	results.Record(h, 2*time.Microsecond, 100)
	enc, err := results.EncodeHist(h)
	if err != nil {
		t.Fatal(err)
	}
	c := results.Cell{Key: p.Keys()[0], Dispatch: p.Dispatch, Status: results.StatusOK}
	for round := range 3 {
		c.Reps = append(c.Reps, results.Rep{Round: round, Tasks: 100, WallNS: 1000 + int64(round), Throughput: 1e8 / float64(1000+round),
			Verify: results.Verification{Expected: 100, Verified: 100}, Latency: enc, Service: enc, NodeTasks: []int64{100}})
	}
	if err := results.Summarize(&c); err != nil {
		t.Fatal(err)
	}
	return &results.Results{Schema: results.SchemaVersion, Tool: "snbench", Plan: p, Cells: []results.Cell{c}}
}

func TestWriteReadRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "results.json")
	want := sample(t)
	if err := results.Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cells[0].Summary.Latency.P50 != want.Cells[0].Summary.Latency.P50 || got.Cells[0].Summary.Latency.Count != 300 {
		t.Fatalf("round trip changed the summary: %+v", got.Cells[0].Summary)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("Write left %d files behind, want only results.json", len(entries))
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	good, err := json.Marshal(sample(t))
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) string { return strings.Replace(string(good), old, new, 1) }
	tests := []struct {
		name, in, want string
	}{
		{"truncated", string(good[:len(good)/2]), "truncated JSON"},
		{"not json", "hello", "invalid JSON at line 1"},
		{"no schema", `{"tool":"snbench"}`, "field schema: missing"},
		{"future schema", replace(fmt.Sprintf(`"schema":%d`, results.SchemaVersion), `"schema":7`), "field schema: version 7 is newer than this snbench reads"},
		{"zero schema", replace(fmt.Sprintf(`"schema":%d`, results.SchemaVersion), `"schema":0`), "field schema: version 0: not an snbench results file"},
		{"wrong type", replace(`"workers":1`, `"workers":"one"`), "field cells.workers: want int"},
		{"bad status", replace(`"status":"ok"`, `"status":"fine"`), `field cells[0]: status: unknown "fine"`},
		{"bad histogram", replace(`"batch_latency":"`, `"batch_latency":"AAAA`), "cells[0]: reps[0].batch_latency"},
		{"invalid plan", replace(`"repetitions":5`, `"repetitions":0`), "field plan: plan: repetitions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := results.Parse("r.json", []byte(tt.in))
			var re *results.ReadError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "r.json: ") {
				t.Fatalf("Parse = %v, want a ReadError containing %q", err, tt.want)
			}
		})
	}
}

// TestReadUnknownFields: a field this snbench does not know (added by a
// tool, or a later snbench of the same schema) is ignored, not refused.
func TestReadUnknownFields(t *testing.T) {
	t.Parallel()
	good, err := json.Marshal(sample(t))
	if err != nil {
		t.Fatal(err)
	}
	in := strings.Replace(string(good), `"tool":"snbench"`, `"tool":"snbench","ci_job":"build-42","extra":{"a":[1,2]}`, 1)
	in = strings.Replace(in, `"status":"ok"`, `"status":"ok","annotation":"x"`, 1)
	r, err := results.Parse("r.json", []byte(in))
	if err != nil {
		t.Fatalf("Parse with unknown fields: %v", err)
	}
	if len(r.Cells) != len(sample(t).Cells) {
		t.Errorf("%d cells, want %d", len(r.Cells), len(sample(t).Cells))
	}
}

func TestMeanCI(t *testing.T) {
	t.Parallel()
	e := results.MeanCI([]float64{10, 12, 11, 9, 13})
	// mean 11, sd 1.5811, t(0.975, 4) = 2.7764: half-width 1.9632.
	if e.Mean != 11 || math.Abs(e.Hi-e.Lo-2*1.9632) > 1e-3 || !e.HasCI {
		t.Fatalf("MeanCI = %+v", e)
	}
	if one := results.MeanCI([]float64{5}); one.HasCI || one.Mean != 5 {
		t.Fatalf("MeanCI of one value = %+v", one)
	}
}

func TestSummarizeFlagsFailures(t *testing.T) {
	t.Parallel()
	r := sample(t)
	c := r.Cells[0]
	c.Reps[1].Verify.Lost = 3
	c.Reps[1].Verify.Verified = 97
	if err := results.Summarize(&c); err != nil {
		t.Fatal(err)
	}
	if c.Status != results.StatusFailed || c.Verify.Lost != 3 {
		t.Fatalf("cell with lost tasks: status %q, verify %+v", c.Status, c.Verify)
	}
}

func TestRecordClamps(t *testing.T) {
	t.Parallel()
	h := results.NewHist()
	if !results.Record(h, 2*time.Minute, 1) || results.Record(h, time.Millisecond, 1) {
		t.Fatal("Record clamps only values above the range")
	}
	if h.Max() < int64(59*time.Second) {
		t.Fatalf("clamped value recorded as %d", h.Max())
	}
}

// TestAutoWindowWarnings: an auto cell says when its probe did not see
// the throughput level off, when a node ended it, and when its passes
// disagreed too much to trust the choice; a probe that levelled off
// quietly says nothing.
func TestAutoWindowWarnings(t *testing.T) {
	t.Parallel()
	up := func(tp ...float64) []results.WindowStep {
		var out []results.WindowStep
		for i, x := range tp {
			out = append(out, results.WindowStep{Window: 1 << i, Tasks: 1000, WallNS: 1000, Throughput: x})
		}
		return out
	}
	rising := up(1, 2, 4, 8, 16, 32, 64)
	tests := []struct {
		name string
		a    results.AutoWindow
		want string // "" for none
	}{
		{"levelled off", results.AutoWindow{Window: 4, Stop: results.AutoPlateau, Steps: up(1, 2, 4, 4, 4, 4)}, ""},
		{"rising at the largest", results.AutoWindow{Window: 64, Stop: results.AutoMax, Steps: rising}, "the probe chose its largest window, 64"},
		{"the largest, levelled", results.AutoWindow{Window: 32, Stop: results.AutoMax, Steps: up(1, 2, 4, 8, 16, 32, 33)}, ""},
		{"the tasks' largest", results.AutoWindow{Window: 8, Stop: results.AutoTasks, Steps: up(1, 2, 4, 8)}, "the largest that leaves the measured pass 8 batches per slot at 4000 tasks"},
		{"out of time", results.AutoWindow{Window: 2, Stop: results.AutoBudget, Steps: up(1, 2)}, "ran out of time at window 2"},
		{"a node failed", results.AutoWindow{Window: 16, Stop: results.AutoFailed, Error: "node 2: reset"}, "a node failed during the window probe (node 2: reset), so the cell ran at window 16"},
		{"noisy", results.AutoWindow{Window: 4, Stop: results.AutoPlateau, Steps: append(up(1, 2, 4, 4, 4, 4), results.WindowStep{Window: 2, Throughput: 1.5})},
			"noisy probe: its passes at window 2 differed by 25%, so the choice of 4 may be off"},
		{"quiet", results.AutoWindow{Window: 4, Stop: results.AutoPlateau, Steps: append(up(1, 2, 4, 4, 4, 4), results.WindowStep{Window: 2, Throughput: 1.9})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := sample(t)
			c := &res.Cells[0]
			c.Tasks, c.Warnings = 4000, nil
			c.AutoWindow = &tt.a
			if err := results.Summarize(c); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range c.Warnings {
				if strings.HasPrefix(w, "auto window: ") {
					got = append(got, w)
				}
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("warnings %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("warnings %q, want one containing %q", got, tt.want)
			}
		})
	}
}
