package reports

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// tableCases are the results every table format is checked against.
func tableCases(t *testing.T) []struct {
	name string
	res  *results.Results
} {
	return []struct {
		name string
		res  *results.Results
	}{
		{"basic", basic(t)},
		{"failed", withFailures(t, basic(t))},
		{"sweep", synth{topologies: []string{"goroutine", "tcp"}, workers: []int{1, 4},
			tasks: []int{1000, 2000, 4000}, payload: []int{1, 16}, reps: 2}.build(t)},
		{"single", synth{topologies: []string{"tcp"}, workers: []int{2}, reps: 1}.build(t)},
		{"ties", ties(t)},
		{"auto", synth{topologies: []string{"goroutine", "tcp"}, workers: []int{1, 2}, windows: []int{results.WindowAuto, 16}, reps: 2}.build(t)},
	}
}

var formatExt = map[string]string{FormatTerminal: "txt", FormatMarkdown: "md", FormatCSV: "csv"}

func TestTablesGolden(t *testing.T) {
	writers := []struct {
		stem  string
		write func(io.Writer, *results.Results, string) error
	}{
		{"summary", WriteTable}, {"scaling", WriteScalingTable}, {"growth", WriteGrowthTable},
	}
	for _, tc := range tableCases(t) {
		for _, w := range writers {
			for _, format := range []string{FormatTerminal, FormatMarkdown, FormatCSV} {
				t.Run(tc.name+"/"+w.stem+"/"+format, func(t *testing.T) {
					var b bytes.Buffer
					if err := w.write(&b, tc.res, format); err != nil {
						t.Fatal(err)
					}
					if w.stem == "growth" && tc.name != "sweep" {
						if b.Len() != 0 {
							t.Fatalf("growth table for a single task count: want nothing, got\n%s", b.String())
						}
						return
					}
					golden(t, w.stem+"-"+tc.name+"."+formatExt[format], b.Bytes())
					// Deterministic: the same input gives the same bytes.
					var again bytes.Buffer
					if err := w.write(&again, tc.res, format); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(b.Bytes(), again.Bytes()) {
						t.Error("a second rendering differs from the first")
					}
				})
			}
		}
	}
}

func TestTableShowsFailures(t *testing.T) {
	t.Parallel()
	res := withFailures(t, basic(t))
	tests := []struct {
		format string
		want   []string
	}{
		{FormatTerminal, []string{"FAILED 7 lost", "ERROR", "VERIFICATION FAILED: expected 30000, verified 29993, lost 7",
			"node 3: connection reset by peer", "run: generator fell behind schedule by 12%"}},
		{FormatMarkdown, []string{"FAILED 7 lost", "| ERROR", "- subprocess/workers=4: VERIFICATION FAILED"}},
		{FormatCSV, []string{",failed,29993,7,0,0", ",error,0,0,0,0"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := WriteTable(&b, res, tt.format); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestTableUnknownFormat(t *testing.T) {
	t.Parallel()
	res := basic(t)
	for _, write := range []func(io.Writer, *results.Results, string) error{WriteTable, WriteScalingTable, WriteGrowthTable} {
		if err := write(io.Discard, res, "html"); err == nil || !strings.Contains(err.Error(), `"html"`) {
			t.Errorf("format html: error = %v, want one naming it", err)
		}
	}
}

func TestRows(t *testing.T) {
	t.Parallel()
	res := withFailures(t, basic(t))
	rows := Rows(res)
	if len(rows) != len(res.Cells) {
		t.Fatalf("%d rows for %d cells", len(rows), len(res.Cells))
	}
	tests := []struct {
		topo                string
		workers             int
		speedup, eff, vsBst float64 // NaN: not computable
	}{
		{"goroutine", 1, 1, 1, 1},
		{"goroutine", 8, USL{2e6, 0.05, 0.001}.X(8) / 2e6, USL{2e6, 0.05, 0.001}.X(8) / 2e6 / 8, 1},
		{"tcp", 1, 1, 1, 4e5 / 2e6},
	}
	for _, tt := range tests {
		for _, r := range rows {
			if r.Cell.Topology != tt.topo || r.Cell.Workers != tt.workers {
				continue
			}
			if relErr(r.Speedup, tt.speedup) > 1e-6 || relErr(r.Efficiency, tt.eff) > 1e-6 || relErr(r.VsBest, tt.vsBst) > 1e-6 {
				t.Errorf("%s workers=%d: speedup %g eff %g vs best %g; want %g %g %g",
					tt.topo, tt.workers, r.Speedup, r.Efficiency, r.VsBest, tt.speedup, tt.eff, tt.vsBst)
			}
		}
	}
	for _, r := range rows {
		if !usable(r.Cell) && (r.Speedup == r.Speedup || r.VsBest == r.VsBest) {
			t.Errorf("%s: unusable cell has ratios %g, %g; want NaN", r.Cell.Key, r.Speedup, r.VsBest)
		}
	}
}

// TestProbeFailedCell: a cell whose window probe did not verify ran no
// repetition, and its row and notes say it failed, with the probe's
// counts, not "ok" (its figures are dashes: nothing was measured).
func TestProbeFailedCell(t *testing.T) {
	v := results.Verification{Expected: 512, Wrong: 512}
	c := results.Cell{Key: results.Key{Topology: "exec", Workers: 1, Tasks: 20000, Payload: 1, Window: results.WindowAuto, Batch: 64},
		Status: results.StatusFailed, Error: "window probe: results did not verify: node exec-1: wrong value for task 0",
		AutoWindow: &results.AutoWindow{Stop: results.AutoUnverified, Verify: &v}}
	res := &results.Results{Plan: results.Plan{Repetitions: 2}, Cells: []results.Cell{c}}
	if err := results.Summarize(&res.Cells[0]); err != nil {
		t.Fatal(err)
	}
	if got := status(&res.Cells[0]); got != "FAILED 512 wrong" {
		t.Errorf("status %q, want FAILED 512 wrong", got)
	}
	notes := strings.Join(cellNotes(res), "\n")
	for _, want := range []string{"FAILED: window probe: results did not verify: node exec-1", "VERIFICATION FAILED: expected 512, verified 0, lost 0, duplicate 0, wrong 512"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes do not say %q:\n%s", want, notes)
		}
	}
}
