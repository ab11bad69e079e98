package reports

import (
	"math"
	"slices"
	"strconv"

	"github.com/snbench/snbench/bench/results"
)

// latencyNote says, for the caption under the summary table, what the
// table's latencies measure: closed loop, the batch's round trip from
// submit to verified result, which every task of a batch carries; open
// loop, from each task's intended send time to its batch's verified
// result.
func latencyNote(p results.Plan) string {
	switch {
	case len(p.Rate) > 0 || p.Search != nil:
		return "latency: from each task's intended send time to its batch's verified result"
	case slices.ContainsFunc(p.Batch, func(b int) bool { return b > 1 }):
		return "latency: each task carries its batch's round trip, submit to verified result"
	}
	return "latency: per task (batch 1), submit to verified result"
}

// occupancyNote defines the occupancy column, for the caption under a
// table that shows it.
const occupancyNote = "occupancy = tasks/s x mean latency / (workers x window x batch), the share of window slots in flight; " +
	"well below 1 the coordinator, not the window, set the pace"

// withOccupancy adds the occupancy column (see results.Occupancy) before
// the last column (status) of a summary table whose rows are rows, and
// the column's definition to its caption; where no cell has an occupancy
// (open loop, files older than schema 2) it changes nothing. Markdown
// and HTML show the column; the terminal table, kept narrow, shows only
// the caveat of a low one.
func withOccupancy(hdr []string, text [][]string, rows []Row, caption string) ([]string, [][]string, string) {
	if !slices.ContainsFunc(rows, func(r Row) bool { return r.Cell.Summary.Occupancy > 0 }) {
		return hdr, text, caption
	}
	last := len(hdr) - 1
	hdr = slices.Insert(slices.Clone(hdr), last, "occupancy")
	out := make([][]string, len(text))
	for i, t := range text {
		out[i] = slices.Insert(slices.Clone(t), len(t)-1, formatOccupancy(rows[i].Cell.Summary.Occupancy))
	}
	return hdr, out, caption + "; " + occupancyNote
}

// formatOccupancy formats an occupancy with two decimals, or "-" for none.
func formatOccupancy(occ float64) string {
	if occ <= 0 {
		return "-"
	}
	return strconv.FormatFloat(occ, 'f', 2, 64)
}

// orNaN returns v, or NaN (an empty CSV field) when v is 0: not measured.
func orNaN(v float64) float64 {
	if v == 0 {
		return math.NaN()
	}
	return v
}
