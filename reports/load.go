package reports

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/snbench/snbench/bench/results"
)

// HasLoad reports whether res holds open-loop cells.
func HasLoad(res *results.Results) bool {
	for i := range res.Cells {
		if res.Cells[i].Rate > 0 {
			return true
		}
	}
	return false
}

// loadCaption says how to read the load table.
const loadCaption = "latency runs from each task's intended send time to its batch's verified result; 'p99 from send' is what a tool that " +
	"stamps the actual send would report; 'lag' is how late the generator sent beyond any wait for a free slot; " +
	"'window full' counts batches that waited for one (backpressure: the system's behaviour, in their latency); " +
	"'unloaded rt' is one batch's round trip with nothing else in flight (a closed-loop probe right after the pass); " +
	"'unreliable': the harness could not hold the schedule, or at low load the round trip came out far above the unloaded one"

// WriteLoadTable writes one row per open-loop cell in format
// (FormatTerminal, FormatMarkdown or FormatCSV): offered and achieved
// rate, latency from the intended send time (p50, p99, p99.9, max), the
// p99 from the actual send that coordinated omission would report, how far
// the generator fell behind, how often the in-flight window was full, and
// the cell's status. The terminal and Markdown tables end with a caption
// and a note for every failed cell and warning.
func WriteLoadTable(w io.Writer, res *results.Results, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	if format == FormatCSV {
		return writeLoadCSV(w, res)
	}
	hdr, rows, left, _ := loadGrid(res)
	if err := renderGrid(w, format, hdr, rows, left); err != nil {
		return err
	}
	if err := writeCaption(w, format, loadCaption); err != nil {
		return err
	}
	if err := writeThinLegend(w, format, loadCells(res), "p50", "p99", "p999"); err != nil {
		return err
	}
	return writeNotes(w, res, format)
}

// loadCells returns res's open-loop cells, in cell order.
func loadCells(res *results.Results) []*results.Cell {
	var out []*results.Cell
	for i := range res.Cells {
		if c := &res.Cells[i]; c.Rate > 0 {
			out = append(out, c)
		}
	}
	return out
}

// scaleColumns names the scale axes other than workers (and the task
// count, which follows the rate in open loop) that vary in p.
func scaleColumns(p results.Plan) []string {
	_, pl, w, b := varying(p)
	var out []string
	for _, a := range []struct {
		on   bool
		name string
	}{{pl, "payload"}, {b, "batch"}, {w, "window"}} {
		if a.on {
			out = append(out, a.name)
		}
	}
	return out
}

// scaleValues are k's values of the columns scaleColumns names.
func scaleValues(p results.Plan, k results.Key) []string {
	var out []string
	for _, col := range scaleColumns(p) {
		v := map[string]int{"payload": k.Payload, "batch": k.Batch, "window": k.Window}[col]
		out = append(out, strconv.Itoa(v))
	}
	return out
}

// loadGrid lays out the load table: header, rows, the left-aligned
// columns, and each row's cell.
func loadGrid(res *results.Results) ([]string, [][]string, map[int]bool, []*results.Cell) {
	hdr := append([]string{"topology", "workers"}, scaleColumns(res.Plan)...)
	hdr = append(hdr, "offered/s", "achieved/s", "p50", "p99", "p99.9", "max",
		"p99 from send", "lag p50", "lag p99", "window full", "unloaded rt", "status")
	cells := loadCells(res)
	rows := make([][]string, len(cells))
	for i, c := range cells {
		rows[i] = loadRow(res.Plan, c)
	}
	return hdr, rows, map[int]bool{0: true, len(hdr) - 1: true}, cells
}

func loadRow(p results.Plan, c *results.Cell) []string {
	row := append([]string{c.Topology, strconv.Itoa(c.Workers)}, scaleValues(p, c.Key)...)
	row = append(row, FormatRate(float64(c.Rate), 3))
	l := c.Summary.Load
	if len(c.Reps) == 0 || l == nil {
		return append(row, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", loadStatus(c))
	}
	d := func(ns int64) string { return FormatDuration(float64(ns), 3) }
	lat, x := c.Summary.Latency, results.SamplesOf(c)
	probe := "-" // results written before the probe existed
	if l.ProbeP50NS > 0 {
		probe = d(l.ProbeP50NS)
	}
	return append(row, FormatRate(l.Achieved.Mean, 3), latencyCell(x, "p50", lat.P50), latencyCell(x, "p99", lat.P99),
		latencyCell(x, "p999", lat.P999), latencyCell(x, "", lat.Max),
		latencyCell(x, "p99", l.Uncorrected.P99), d(l.LagP50NS), d(l.LagP99NS), strconv.FormatInt(l.BoundHits, 10), probe, loadStatus(c))
}

// loadStatus is the cell's status, or "unreliable" for a cell that ran
// and verified but whose generator could not hold the schedule.
func loadStatus(c *results.Cell) string {
	if usable(c) && c.Status == results.StatusOK && unreliable(c) {
		return "unreliable"
	}
	return status(c)
}

func writeLoadCSV(w io.Writer, res *results.Results) error {
	cw := csv.NewWriter(w)
	hdr := []string{"topology", "workers", "tasks", "payload", "batch", "window", "reps",
		"offered_per_s", "achieved_per_s", "achieved_lo", "achieved_hi",
		"p50_ns", "p99_ns", "p999_ns", "max_ns", "send_p99_ns", "lag_p99_ns", "lag_max_ns", "window_full",
		"status", "unreliable", "lag_p50_ns", "bound_wait_ns", "bound_max_ns", "probe_p50_ns", "utilization"}
	_ = cw.Write(append(hdr, sampleCSVHeader()...))
	for _, c := range loadCells(res) {
		row := []string{c.Topology, strconv.Itoa(c.Workers), strconv.Itoa(c.Tasks), strconv.Itoa(c.Payload),
			strconv.Itoa(c.Batch), strconv.Itoa(c.Window), strconv.Itoa(len(c.Reps)), strconv.Itoa(c.Rate)}
		l, lat := c.Summary.Load, c.Summary.Latency
		var extra []string
		if l == nil || len(c.Reps) == 0 {
			row = append(row, "", "", "", "", "", "", "", "", "", "", "")
			extra = []string{"", "", "", "", ""}
		} else {
			row = append(row, csvFloat(l.Achieved.Mean), csvFloat(l.Achieved.Lo), csvFloat(l.Achieved.Hi),
				csvInt(lat.P50), csvInt(lat.P99), csvInt(lat.P999), csvInt(lat.Max),
				csvInt(l.Uncorrected.P99), csvInt(l.LagP99NS), csvInt(l.LagMaxNS), csvInt(l.BoundHits))
			extra = []string{csvInt(l.LagP50NS), csvInt(l.BoundWaitNS), csvInt(l.BoundMaxNS), csvInt(l.ProbeP50NS), csvFloat(l.Utilization)}
		}
		row = append(append(row, c.Status, strconv.FormatBool(unreliable(c))), extra...)
		_ = cw.Write(append(row, sampleCSV(c)...))
	}
	cw.Flush()
	return cw.Error()
}

func csvInt(v int64) string { return strconv.FormatInt(v, 10) }

// loadTable is the load table for the page, rows marked as in the
// summary table.
func loadTable(res *results.Results) *htmlTable {
	hdr, rows, left, cells := loadGrid(res)
	t := toHTMLTable("load-table", hdr, rows, left)
	for i, c := range cells {
		t.Rows[i].Class = rowClass(c)
	}
	return &t
}
