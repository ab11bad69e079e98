package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// TestCaptionSaysWhatLatencyIs: the summary table's caption says what
// its latencies measure, batch by batch where batches hold more than one
// task.
func TestCaptionSaysWhatLatencyIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		batch []int
		rate  []int
		want  string
	}{
		{"batch 1", []int{1}, nil, "latency: per task (batch 1), submit to verified result"},
		{"batch 64", []int{1, 64}, nil, "latency: each task carries its batch's round trip, submit to verified result"},
		{"open loop", []int{1}, []int{1000}, "latency: from each task's intended send time to its batch's verified result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := results.DefaultPlan([]string{"tcp"})
			p.Batch, p.Rate = tt.batch, tt.rate
			if got := Caption(&results.Results{Plan: p}); !strings.HasSuffix(got, "; "+tt.want) {
				t.Errorf("caption %q, want it to end %q", got, tt.want)
			}
		})
	}
}

// withOccupancies sets every repetition of res's cell topo/workers to
// occupancy occ and summarises it again.
func withOccupancies(t *testing.T, res *results.Results, topo string, workers int, occ float64) {
	t.Helper()
	c := cellAt(t, res, topo, workers)
	for i := range c.Reps {
		c.Reps[i].Occupancy = occ
	}
	if err := results.Summarize(c); err != nil {
		t.Fatal(err)
	}
}

// TestOccupancyShown: Markdown, CSV and HTML show each cell's occupancy
// and define it; the terminal keeps to the caveat of a low one, which
// every format lists; results without occupancy get no column.
func TestOccupancyShown(t *testing.T) {
	t.Parallel()
	res := basic(t)
	withOccupancies(t, res, "tcp", 2, 0.6) // 19.5 batches per slot: not a short pass
	caveat := "tcp/workers=2: * coordinator-bound: window occupancy 0.60"
	tests := []struct {
		format    string
		want, not []string
	}{
		{FormatTerminal, []string{caveat}, []string{"occupancy ="}},
		{FormatMarkdown, []string{"| vs best | occupancy | status |", "|  0.150x |      0.60 | ok*    |", "|      0.98 | ok     |",
			"occupancy = tasks/s x mean latency / (workers x window x batch)", "- " + caveat}, nil},
		{FormatCSV, []string{",node_cpu_ns_per_task,occupancy,speedup,", ",150,0.6,", ",150,0.98,1,1,1,true,true,ok,"}, nil},
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
					t.Errorf("lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tt.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("has %q:\n%s", w, b.String())
				}
			}
		})
	}
	t.Run("html", func(t *testing.T) {
		t.Parallel()
		page, _ := writeHTML(t, res)
		for _, w := range []string{"<th>occupancy</th>", `<td class="num">0.60</td>`,
			"latency: each task carries its batch&#39;s round trip, submit to verified result; occupancy = tasks/s x mean latency",
			"coordinator-bound: window occupancy 0.60"} {
			if !strings.Contains(page, w) {
				t.Errorf("page lacks %q", w)
			}
		}
	})
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		old := basic(t)
		for i := range old.Cells {
			for j := range old.Cells[i].Reps {
				old.Cells[i].Reps[j].Occupancy = 0
			}
			if err := results.Summarize(&old.Cells[i]); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := WriteTable(&b, old, FormatMarkdown); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "occupancy") {
			t.Errorf("an occupancy column without occupancies:\n%s", b.String())
		}
	})
}
