package reports

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// est is a throughput with a 95% interval [lo, hi]; lo > hi means none.
type est struct{ mean, lo, hi float64 }

// tieCell is one constructed cell: topology, workers, throughput.
type tieCell struct {
	topo    string
	workers int
	e       est
}

// tieResults builds verified closed-loop results from cells, with the
// intervals given rather than measured.
func tieResults(cells []tieCell) *results.Results {
	res := &results.Results{Plan: results.Plan{Tasks: []int{1}, Payload: []int{1}, Window: []int{1}, Batch: []int{1}}}
	for _, tc := range cells {
		e := results.Estimate{Mean: tc.e.mean, Lo: tc.e.lo, Hi: tc.e.hi, HasCI: tc.e.lo <= tc.e.hi, N: 3}
		if !e.HasCI {
			e.Lo, e.Hi, e.N = e.Mean, e.Mean, 1
		}
		res.Cells = append(res.Cells, results.Cell{
			Key:    results.Key{Topology: tc.topo, Workers: tc.workers, Tasks: 1, Payload: 1, Window: 1, Batch: 1},
			Status: results.StatusOK, Reps: []results.Rep{{}},
			Summary: results.Summary{Reps: e.N, Throughput: e}})
	}
	return res
}

// TestTies: which speedup and "vs best" figures are marked, and which
// notes are written, for intervals whose overlaps are known.
func TestTies(t *testing.T) {
	t.Parallel()
	none := est{100, 1, 0} // one repetition: no interval
	tests := []struct {
		name  string
		cells []tieCell
		// speedup and best list the cells ("topo/workers") whose speedup
		// or vs best is marked.
		speedup, best []string
		notes         []string // every note line, in order
	}{
		{name: "apart", cells: []tieCell{{"a", 1, est{100, 90, 110}}, {"b", 1, est{120, 110.5, 129.5}}}},
		{name: "touching counts as overlap", cells: []tieCell{{"a", 1, est{100, 90, 110}}, {"b", 1, est{120, 110, 130}}},
			best: []string{"a/1", "b/1"}, notes: []string{"a and b at 1 worker: order not established, their 95% intervals overlap", tieLegend}},
		{name: "one cell alone is not tied", cells: []tieCell{{"a", 1, none}}},
		{name: "no interval marks but makes no note", cells: []tieCell{{"a", 1, est{100, 90, 110}}, {"b", 1, none}},
			best: []string{"a/1", "b/1"}, notes: []string{tieLegend}},
		// c overlaps b but not a (the best): only a and b are tied with
		// the best; both overlapping pairs get a note.
		{name: "three in a chain", cells: []tieCell{{"a", 1, est{100, 95, 105}}, {"b", 1, est{97, 92, 102}}, {"c", 1, est{88, 84, 92}}},
			best: []string{"a/1", "b/1"}, notes: []string{
				"order not established at 1 worker, the 95% intervals overlap: a and b; b and c", tieLegend}},
		// a: 2 workers overlap 1, 4 workers do not; b: 2 and 4 overlap.
		{name: "speedup", cells: []tieCell{
			{"a", 1, est{100, 90, 110}}, {"a", 2, est{115, 105, 125}}, {"a", 4, est{150, 111, 189}},
			{"b", 1, est{10, 9, 11}}, {"b", 2, est{10, 8, 12}}, {"b", 4, est{11, 10.5, 11.5}}},
			speedup: []string{"a/2", "b/2", "b/4"}, notes: []string{
				"no speedup established, the 95% intervals overlap the 1-worker cell's: a at 2 workers; b at 2 and 4 workers", tieLegend}},
		{name: "one speedup", cells: []tieCell{{"a", 1, est{100, 90, 110}}, {"a", 2, est{115, 105, 125}}},
			speedup: []string{"a/2"}, best: []string{}, notes: []string{
				"a: no speedup established at 2 workers: the 95% intervals overlap the 1-worker cell's", tieLegend}},
		{name: "no 1-worker cell: no speedup to mark", cells: []tieCell{{"a", 2, est{100, 90, 110}}, {"a", 4, est{100, 90, 110}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := tieResults(tt.cells)
			var speedup, best []string
			for _, r := range Rows(res) {
				name := fmt.Sprintf("%s/%d", r.Cell.Topology, r.Cell.Workers)
				if r.SpeedupTied {
					speedup = append(speedup, name)
				}
				if r.BestTied {
					best = append(best, name)
				}
			}
			if strings.Join(speedup, " ") != strings.Join(tt.speedup, " ") {
				t.Errorf("speedup marked on %v, want %v", speedup, tt.speedup)
			}
			if strings.Join(best, " ") != strings.Join(tt.best, " ") {
				t.Errorf("vs best marked on %v, want %v", best, tt.best)
			}
			if got := tieNotes(res); strings.Join(got, "\n") != strings.Join(tt.notes, "\n") {
				t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.notes, "\n"))
			}
		})
	}
}

// TestTieMarksInTable: the marks reach the rendered row, after the
// figure, and never after a dash.
func TestTieMarksInTable(t *testing.T) {
	t.Parallel()
	res := tieResults([]tieCell{{"a", 1, est{100, 90, 110}}, {"a", 2, est{105, 95, 115}}, {"b", 1, est{95, 85, 105}}})
	want := map[string][3]string{ // speedup, efficiency, vs best
		"a/1": {"1.00x", "100%", "1.00x?"},
		"a/2": {"1.05x?", "52%?", "1.00x"},
		"b/1": {"1.00x", "100%", "0.950x?"},
	}
	for _, r := range Rows(res) {
		row := textRow(res.Plan, r)
		n := len(row)
		got := [3]string{row[n-4], row[n-3], row[n-2]}
		if w := want[fmt.Sprintf("%s/%d", r.Cell.Topology, r.Cell.Workers)]; got != w {
			t.Errorf("%s: speedup, efficiency, vs best = %q, want %q", r.Cell.Key, got, w)
		}
	}
	if marked("-", true) != "-" || marked(FormatRatio(math.NaN()), true) != "-" {
		t.Error("a dash is marked")
	}
}

// TestHTMLTies: the page lists the comparisons not established under the
// summary table, marks the figures, and lists nothing for a run whose
// comparisons all hold.
func TestHTMLTies(t *testing.T) {
	t.Parallel()
	page, _ := writeHTML(t, ties(t))
	for _, w := range []string{`<ul class="note" id="ties">`, "<li>a and b at 1 worker: order not established",
		"<li>a: no speedup established at 2 and 4 workers", "0.971x?"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if clean, _ := writeHTML(t, basic(t)); strings.Contains(clean, `id="ties"`) || strings.Contains(clean, "x?<") {
		t.Error("ties listed or marked on a run whose comparisons are all established")
	}
}
