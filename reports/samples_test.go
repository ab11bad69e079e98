package reports

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// sampleCell describes a closed-loop cell for the sample-count tests:
// reps repetitions of tasks tasks at batch, each recording tasks/batch
// measurements (rounded up) and clamped tasks above the ceiling.
type sampleCell struct {
	topo                 string
	tasks, batch, reps   int
	clamped              int64
	thin, plain, ceiling []string // table columns expected marked, unmarked, at the ceiling
}

// build returns the cell: latencies spread evenly from 1 us to
// min(tasks, 1000) us, the clamped tasks instead at 61 s.
func (sc sampleCell) build(t *testing.T) results.Cell {
	t.Helper()
	c := results.Cell{Key: results.Key{Topology: sc.topo, Workers: 1, Tasks: sc.tasks, Payload: 1, Window: 4, Batch: sc.batch},
		Dispatch: results.DispatchRoundRobin, Status: results.StatusOK}
	n := int64(sc.tasks)
	k := min(n, 1000)
	for r := range sc.reps {
		h := results.NewHist()
		for j := range k {
			cnt := n / k
			if j == k-1 {
				cnt += n%k - sc.clamped
			}
			results.Record(h, time.Duration(j+1)*time.Microsecond, cnt)
		}
		results.Record(h, 61*time.Second, sc.clamped)
		enc, err := results.EncodeHist(h)
		if err != nil {
			t.Fatal(err)
		}
		b := int64(sc.batch)
		c.Reps = append(c.Reps, results.Rep{Round: r, Tasks: n, WallNS: 1e9, Throughput: float64(n) * (1 + 0.01*float64(r)),
			Verify: results.Verification{Expected: n, Verified: n}, Latency: enc, Service: enc, NodeTasks: []int64{n},
			Measurements: (n + b - 1) / b, Clamped: sc.clamped})
	}
	if err := results.Summarize(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// sampleCells are the known answers: beyond p is m × (1 − p/100), marked
// below 10, with m pooled over the repetitions.
func sampleCells() []sampleCell {
	all4 := []string{"p50", "p90", "p99", "p99.9"}
	return []sampleCell{
		// m = 200: 0.2 beyond p99.9, 2 beyond p99, 20 beyond p90.
		{topo: "t200", tasks: 200, batch: 1, reps: 1, thin: []string{"p99", "p99.9"}, plain: []string{"p50", "p90", "max"}},
		// m = 400: 4 beyond p99, 40 beyond p90.
		{topo: "t2x200", tasks: 200, batch: 1, reps: 2, thin: []string{"p99", "p99.9"}, plain: []string{"p50", "p90", "max"}},
		// m = 2e6: 200 beyond p99.99.
		{topo: "t1e6", tasks: 1_000_000, batch: 1, reps: 2, plain: append(all4, "max")},
		// m = 10: 5 beyond p50.
		{topo: "b64", tasks: 640, batch: 64, reps: 1, thin: all4, plain: []string{"max"}},
		// m = 2000, 2 clamped: 2 beyond p99.9; ranks 1999 and 2000 at the ceiling.
		{topo: "clamp", tasks: 1000, batch: 1, reps: 2, clamped: 1, thin: []string{"p99.9"},
			plain: []string{"p50", "p90", "p99"}, ceiling: []string{"max"}},
	}
}

func sampleResults(t *testing.T) *results.Results {
	t.Helper()
	p := results.DefaultPlan(nil)
	p.Workers, p.Tasks, p.Batch, p.Repetitions, p.Window = []int{1}, []int{200, 640, 1000, 1_000_000}, []int{1, 64}, 2, []int{4}
	res := &results.Results{Schema: results.SchemaVersion, Tool: "snbench", Plan: p}
	for _, sc := range sampleCells() {
		p.Topologies = append(p.Topologies, sc.topo)
		res.Cells = append(res.Cells, sc.build(t))
	}
	res.Plan = p
	return res
}

// TestTableMarksThinPercentiles checks each cell's marks in the table
// against the known answers, and that the legend says what the mark is.
func TestTableMarksThinPercentiles(t *testing.T) {
	t.Parallel()
	res := sampleResults(t)
	hdr := header(res.Plan)
	col := func(name string) int { return slices.Index(hdr, name) }
	for i, r := range Rows(res) {
		sc := sampleCells()[i]
		row := textRow(res.Plan, r)
		for _, name := range sc.thin {
			if v := row[col(name)]; !strings.HasSuffix(v, ThinMark) {
				t.Errorf("%s %s = %q: want it marked %s", sc.topo, name, v, ThinMark)
			}
		}
		for _, name := range sc.plain {
			if v := row[col(name)]; strings.Contains(v, ThinMark) || strings.Contains(v, CeilingMark) {
				t.Errorf("%s %s = %q: want no mark", sc.topo, name, v)
			}
		}
		for _, name := range sc.ceiling {
			if v := row[col(name)]; !strings.HasPrefix(v, CeilingMark) {
				t.Errorf("%s %s = %q: want it marked %s", sc.topo, name, v, CeilingMark)
			}
		}
	}
	for _, format := range []string{FormatTerminal, FormatMarkdown} {
		var b bytes.Buffer
		if err := WriteTable(&b, res, format); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{thinLegend(), "clamp/workers=1/tasks=1000/batch=1: * 2 of 2000 tasks took longer than the histogram's 60s ceiling"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s table lacks %q:\n%s", format, want, b.String())
			}
		}
	}
}

// TestTableNoLegendWithoutMarks: a table with no thin percentile shown
// has no legend (p99.99, which the table does not show, may be thin).
func TestTableNoLegendWithoutMarks(t *testing.T) {
	t.Parallel()
	res := sampleResults(t)
	res.Cells = res.Cells[2:3] // t1e6
	var b bytes.Buffer
	if err := WriteTable(&b, res, FormatTerminal); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), ThinMark) {
		t.Errorf("a mark without a thin percentile:\n%s", b.String())
	}
}

func TestCSVSampleColumns(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteTable(&b, sampleResults(t), FormatCSV); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	at := func(rec []string, name string) string { return rec[slices.Index(recs[0], name)] }
	want := []struct{ m, thin, clamped string }{
		{"200", "p99 p999 p9999", "0"}, {"400", "p99 p999 p9999", "0"}, {"2000000", "", "0"},
		{"10", "p50 p90 p99 p999 p9999", "0"}, {"2000", "p999 p9999", "2"},
	}
	for i, w := range want {
		rec := recs[i+1]
		if got := [3]string{at(rec, "measurements"), at(rec, "thin_percentiles"), at(rec, "clamped_tasks")}; got != [3]string{w.m, w.thin, w.clamped} {
			t.Errorf("%s: measurements, thin, clamped = %q, want %v", rec[0], got, w)
		}
	}
}

func TestHTMLMarksThinPercentiles(t *testing.T) {
	t.Parallel()
	page, _ := writeHTML(t, sampleResults(t))
	for _, w := range []string{
		`<p class="caption" id="summary-legend">` + template.HTMLEscapeString(thinLegend()) + ".</p>",
		`<td class="num">200us†</td>`,
		`<td class="num">≥60.0s</td>`,
		"2 of 2000 tasks took longer than the histogram&#39;s 60s ceiling",
	} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestSampleTablesGolden(t *testing.T) {
	t.Parallel()
	res := sampleResults(t)
	for _, format := range []string{FormatTerminal, FormatMarkdown, FormatCSV} {
		var b bytes.Buffer
		if err := WriteTable(&b, res, format); err != nil {
			t.Fatal(err)
		}
		golden(t, "summary-samples."+formatExt[format], b.Bytes())
	}
}
