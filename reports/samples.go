package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// ThinMark follows a percentile that rests on fewer than
// results.ThinBeyond measurements beyond it; CeilingMark precedes a
// latency read at the histogram's ceiling, which clamped tasks make a
// lower bound.
const (
	ThinMark    = "†"
	CeilingMark = "≥"
)

// thinLegend says exactly what ThinMark means; it is printed under every
// table that shows one.
func thinLegend() string {
	return fmt.Sprintf("%s: a thin percentile: fewer than %d of the cell's latency measurements (one per batch, pooled over "+
		"its repetitions) lie beyond it, so its few largest measurements decide it and another run may move it", ThinMark, results.ThinBeyond)
}

// latencyCell formats a cell's latency reading ns: percentile p, by its
// JSON name ("p99"), or the max for p "". It carries ThinMark when the
// percentile is thin and CeilingMark when the cell clamped tasks and the
// reading is at the ceiling.
func latencyCell(x results.Samples, p string, ns int64) string {
	s := FormatDuration(float64(ns), 3)
	if x.Clamped > 0 && results.AtCeiling(ns) {
		s = CeilingMark + s
	}
	if p != "" && x.IsThin(p) {
		s += ThinMark
	}
	return s
}

// showsThin reports whether any cell would carry ThinMark on one of the
// percentiles ps (JSON names) a table shows.
func showsThin(cells []*results.Cell, ps ...string) bool {
	for _, c := range cells {
		if len(c.Reps) == 0 {
			continue
		}
		x := results.SamplesOf(c)
		for _, p := range ps {
			if x.IsThin(p) {
				return true
			}
		}
	}
	return false
}

// writeThinLegend writes thinLegend under a table when the table shows
// ThinMark.
func writeThinLegend(w io.Writer, format string, cells []*results.Cell, ps ...string) error {
	if !showsThin(cells, ps...) {
		return nil
	}
	if format == FormatMarkdown {
		_, err := fmt.Fprintln(w, "\n"+thinLegend())
		return err
	}
	_, err := fmt.Fprintln(w, thinLegend())
	return err
}

// sampleCSVHeader names the columns sampleCSV fills: m, the thin
// percentiles by JSON name, space-separated, and the clamped tasks.
func sampleCSVHeader() []string {
	return []string{"measurements", "thin_percentiles", "clamped_tasks"}
}

func sampleCSV(c *results.Cell) []string {
	if len(c.Reps) == 0 {
		return []string{"", "", ""}
	}
	x := results.SamplesOf(c)
	return []string{strconv.FormatInt(x.Measurements, 10), strings.Join(x.Thin, " "), strconv.FormatInt(x.Clamped, 10)}
}

// cellsOf returns pointers to rows' cells.
func cellsOf(rows []Row) []*results.Cell {
	out := make([]*results.Cell, len(rows))
	for i, r := range rows {
		out[i] = r.Cell
	}
	return out
}

// htmlLegend is the summary table's legend for the page: thinLegend where
// the table shows ThinMark. (CeilingMark is explained by the cell's
// warning, which the page lists under Problems.)
func htmlLegend(res *results.Results) string {
	if res.GoTest == nil && showsThin(cellsOf(Rows(res)), "p50", "p90", "p99", "p999") {
		return thinLegend() + "."
	}
	return ""
}

// loadLegend is the same for the open-loop table, with a leading space.
func loadLegend(res *results.Results) string {
	if showsThin(loadCells(res), "p50", "p99", "p999") {
		return " " + thinLegend() + "."
	}
	return ""
}

// stepsThin reports whether any capacity step shows a thin percentile of
// those the step table shows.
func stepsThin(res *results.Results) bool {
	for i := range res.Capacity {
		for _, s := range res.Capacity[i].Steps {
			x := results.Samples{Thin: s.Thin}
			if x.IsThin("p50") || x.IsThin("p99") || x.IsThin("p999") {
				return true
			}
		}
	}
	return false
}

// stepLegend is loadLegend for the capacity step table.
func stepLegend(res *results.Results) string {
	if stepsThin(res) {
		return " " + thinLegend() + "."
	}
	return ""
}
