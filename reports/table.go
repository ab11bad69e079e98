package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/snbench/snbench/bench/results"
)

// Table formats.
const (
	FormatTerminal = "table"
	FormatMarkdown = "markdown"
	FormatCSV      = "csv"
)

// Row is one topology x scale of the summary table, with the derived
// figures a comparison needs. Ratios are NaN where they cannot be computed
// or mean nothing (open-loop cells, whose throughput is the offered rate).
type Row struct {
	Cell *results.Cell
	// Speedup is throughput over the same topology's 1-worker cell at the
	// same other scales; Efficiency is Speedup / workers.
	Speedup, Efficiency float64
	// VsBest is throughput over the best topology's at the same scale.
	VsBest float64
	// SpeedupTied is set where this cell's and the 1-worker cell's 95%
	// intervals overlap or one is missing: no speedup is established.
	// BestTied is set where this cell cannot be told from the fastest at
	// its scale (for the fastest: where another cannot be told from it).
	// The table marks such figures with tieMark (see caveats.go).
	SpeedupTied, BestTied bool
	// Beyond is set when Speedup is beyond the machine: above min(workers,
	// cores) by more than its 95% interval (see beyondMachine).
	Beyond bool
}

// Rows derives the table's rows from res, in cell order.
func Rows(res *results.Results) []Row {
	type scale struct{ workers, tasks, payload, window, batch int }
	type topoScale struct {
		topo string
		s    scale
	}
	one := map[topoScale]float64{}
	best := map[scale]float64{}
	for i := range res.Cells {
		c := &res.Cells[i]
		if !usable(c) {
			continue
		}
		t := c.Summary.Throughput.Mean
		s := scale{c.Workers, c.Tasks, c.Payload, c.Window, c.Batch}
		if c.Workers == 1 {
			one[topoScale{c.Topology, scale{0, c.Tasks, c.Payload, c.Window, c.Batch}}] = t
		}
		best[s] = math.Max(best[s], t)
	}
	rows := make([]Row, len(res.Cells))
	for i := range res.Cells {
		c := &res.Cells[i]
		r := Row{Cell: c, Speedup: math.NaN(), Efficiency: math.NaN(), VsBest: math.NaN()}
		if usable(c) && c.Rate == 0 { // open loop: throughput is the offered rate
			t := c.Summary.Throughput.Mean
			if base, ok := one[topoScale{c.Topology, scale{0, c.Tasks, c.Payload, c.Window, c.Batch}}]; ok && base > 0 {
				r.Speedup = t / base
				r.Efficiency = r.Speedup / float64(c.Workers)
			}
			if b := best[scale{c.Workers, c.Tasks, c.Payload, c.Window, c.Batch}]; b > 0 && acrossTopologies(res) {
				r.VsBest = t / b
			}
		}
		rows[i] = r
	}
	markTies(rows)
	markBeyond(res, rows)
	return rows
}

// usable reports whether a cell has figures worth comparing.
func usable(c *results.Cell) bool {
	return len(c.Reps) > 0 && c.Status != results.StatusError && c.Verify.OK()
}

// varying lists the scale axes with more than one value in the plan.
func varying(p results.Plan) (tasks, payload, window, batch bool) {
	return len(p.Tasks) > 1, len(p.Payload) > 1, len(p.Window) > 1, len(p.Batch) > 1
}

// columns lists the scale axes the summary table gives a column: those
// varying in the plan, and the window of a plan with an auto window,
// since each auto cell's window is its own ("auto→16").
func columns(p results.Plan) (tasks, payload, window, batch bool) {
	t, pl, w, b := varying(p)
	return t, pl, w || p.Window.HasAuto(), b
}

// Caption describes what every row of the table shares.
func Caption(res *results.Results) string {
	if res.GoTest != nil {
		return goTestCaption(res)
	}
	p := res.Plan
	var parts []string
	t, pl, w, b := columns(p)
	if !t {
		parts = append(parts, fmt.Sprintf("tasks=%d", p.Tasks[0]))
	}
	if !pl {
		parts = append(parts, fmt.Sprintf("payload=%d", p.Payload[0]))
	}
	if !b {
		parts = append(parts, fmt.Sprintf("batch=%d", p.Batch[0]))
	}
	if !w {
		parts = append(parts, fmt.Sprintf("window=%d", p.Window[0]))
	}
	parts = append(parts, "dispatch="+p.Dispatch, fmt.Sprintf("workload=%s", p.Workload))
	if p.CPU > 0 {
		parts = append(parts, "cpu="+p.CPU.String())
	}
	if p.Wait > 0 {
		parts = append(parts, "wait="+p.Wait.String())
	}
	parts = append(parts, fmt.Sprintf("%d repetition%s, mean ± 95%% CI;", p.Repetitions, plural(p.Repetitions)))
	if p.Window.HasAuto() {
		parts = append(parts, autoNote()+";")
	}
	parts = append(parts, latencyNote(p))
	return strings.Join(parts, " ")
}

// autoNote defines an auto cell's window, where a caption shows one.
func autoNote() string {
	return fmt.Sprintf("window auto→N: chosen per cell by a probe, the smallest of 1, 2, 4 … %d whose every pass reached %.0f%% of the best window's throughput", results.AutoMaxWindow, 100*results.AutoShare)
}

func header(p results.Plan) []string {
	h := []string{"topology", "workers"}
	t, pl, w, b := columns(p)
	for _, a := range []struct {
		on   bool
		name string
	}{{t, "tasks"}, {pl, "payload"}, {b, "batch"}, {w, "window"}} {
		if a.on {
			h = append(h, a.name)
		}
	}
	return append(h, "tasks/s", "±95% CI", "p50", "p90", "p99", "p99.9", "max", "cpu/task", "speedup", "efficiency", "vs best", "status")
}

// textRow formats r for the terminal and Markdown tables.
func textRow(p results.Plan, r Row) []string {
	c := r.Cell
	row := []string{c.Topology, strconv.Itoa(c.Workers)}
	t, pl, w, b := columns(p)
	for _, a := range []struct {
		on bool
		v  string
	}{{t, strconv.Itoa(c.Tasks)}, {pl, strconv.Itoa(c.Payload)}, {b, strconv.Itoa(c.Batch)}, {w, c.WindowText()}} {
		if a.on {
			row = append(row, a.v)
		}
	}
	s := c.Summary
	if len(c.Reps) == 0 {
		row = append(row, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-")
		return append(row, status(c))
	}
	tp := s.Throughput
	ci := "-"
	if tp.HasCI {
		ci = "±" + FormatPercent(tp.RelCI(), 2)
	}
	lat, x := s.Latency, results.SamplesOf(c)
	return append(row,
		FormatRate(tp.Mean, SigFigsForError(tp.Mean, (tp.Hi-tp.Lo)/2)), ci,
		latencyCell(x, "p50", lat.P50), latencyCell(x, "p90", lat.P90), latencyCell(x, "p99", lat.P99),
		latencyCell(x, "p999", lat.P999), latencyCell(x, "", lat.Max),
		FormatDuration(s.CPUPerTaskNS, 2),
		marked(speedupText(r), r.SpeedupTied), marked(percentOrDash(r.Efficiency), r.SpeedupTied),
		marked(FormatRatio(r.VsBest), r.BestTied), status(c))
}

func percentOrDash(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return FormatPercent(f, 2)
}

// status is "ok", or what went wrong in a few words.
func status(c *results.Cell) string {
	v := c.Verify
	switch {
	case c.Status == results.StatusError:
		return "ERROR"
	case !v.OK() && (len(c.Reps) > 0 || c.Status == results.StatusFailed):
		var parts []string
		for _, x := range []struct {
			n    int64
			what string
		}{{v.Lost, "lost"}, {v.Duplicate, "dup"}, {v.Wrong, "wrong"}} {
			if x.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
			}
		}
		if missing := v.Expected - v.Verified - v.Lost - v.Wrong; missing > 0 && len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("%d unverified", missing))
		}
		return "FAILED " + strings.Join(parts, ", ")
	case c.Status == results.StatusIncomplete:
		return fmt.Sprintf("incomplete (%d reps)", len(c.Reps))
	case len(c.Warnings) > 0:
		return "ok*"
	}
	return "ok"
}

// WriteTable writes the summary table of res in format (FormatTerminal,
// FormatMarkdown or FormatCSV): one row per topology x scale, then for the
// terminal and Markdown a caption naming what every row shares and a note
// for every failed cell and warning.
func WriteTable(w io.Writer, res *results.Results, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	rows := Rows(res)
	if format == FormatCSV {
		return writeCSV(w, res, rows)
	}
	hdr, text := summaryGrid(res, rows)
	caption := Caption(res)
	if format == FormatMarkdown {
		hdr, text, caption = withOccupancy(hdr, text, rows, caption)
	}
	left := map[int]bool{0: true, len(hdr) - 1: true}
	if err := renderGrid(w, format, hdr, text, left); err != nil {
		return err
	}
	if err := writeCaption(w, format, caption); err != nil {
		return err
	}
	if res.GoTest == nil { // go test output has no histograms, so no thin percentiles
		if err := writeThinLegend(w, format, cellsOf(rows), "p50", "p90", "p99", "p999"); err != nil {
			return err
		}
	}
	if err := writeNotes(w, res, format); err != nil {
		return err
	}
	return writeBeyondNotes(w, res, rows, format)
}

// summaryGrid is the summary table's header and rows, before the
// occupancy column (see withOccupancy): for go test output only the
// columns it has data for (see goTestGrid).
func summaryGrid(res *results.Results, rows []Row) ([]string, [][]string) {
	text := make([][]string, len(rows))
	for i, r := range rows {
		text[i] = textRow(res.Plan, r)
	}
	hdr := header(res.Plan)
	if res.GoTest != nil {
		hdr, text = goTestGrid(res, rows, hdr, text)
	}
	return hdr, text
}

// checkFormat rejects unknown table formats.
func checkFormat(format string) error {
	switch format {
	case FormatTerminal, FormatMarkdown, FormatCSV:
		return nil
	}
	return fmt.Errorf("unknown table format %q (want table, markdown or csv)", format)
}

// renderGrid draws a terminal (box drawing) or Markdown table: numbers
// right-aligned, the columns in left left-aligned.
//
// Written to a writer from FitTo, a terminal table fits its width (see
// fitGrid): columns it left out are named on a line under it.
func renderGrid(w io.Writer, format string, hdr []string, rows [][]string, left map[int]bool) error {
	width, raw := fitWidth(w)
	if format != FormatTerminal || width <= 0 {
		return renderBox(raw, format, hdr, rows, left)
	}
	h, r, l, hidden, compact := fitGrid(width, hdr, rows, left)
	var err error
	if compact {
		err = renderCompact(raw, h, r, l)
	} else {
		err = renderBox(raw, format, h, r, l)
	}
	if err == nil && len(hidden) > 0 {
		_, err = fmt.Fprintln(w, hiddenNote(width, hidden))
	}
	return err
}

// renderBox draws every column of a terminal or Markdown table.
func renderBox(w io.Writer, format string, hdr []string, rows [][]string, left map[int]bool) error {
	align := make([]tw.Align, len(hdr))
	for i := range align {
		align[i] = tw.AlignRight
		if left[i] {
			align[i] = tw.AlignLeft
		}
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignCenter),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	}
	if format == FormatMarkdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(hdr)
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return fmt.Errorf("table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}

// writeCaption writes a line under a table; Markdown needs a blank line
// first so that the caption is not read as a table row.
func writeCaption(w io.Writer, format, caption string) error {
	if format == FormatMarkdown {
		// lambda*N / (1 + sigma*(N-1)) is no emphasis: escape the stars.
		caption = "\n" + strings.ReplaceAll(caption, "*", `\*`)
	}
	_, err := fmt.Fprintln(w, caption)
	return err
}

// writeNotes lists the cells that failed or carry warnings, then the
// comparisons of rows that the intervals do not establish (tieNotes),
// under the table, so that no caveat is hidden.
func writeNotes(w io.Writer, res *results.Results, format string) error {
	bullet := ""
	if format == FormatMarkdown {
		bullet = "- "
	}
	var lines []string
	for _, l := range cellNotes(res) {
		if sub, ok := strings.CutPrefix(l, "  "); ok && bullet != "" {
			l = "  " + bullet + sub // a group's per-cell line: a nested item
		} else {
			l = bullet + l
		}
		lines = append(lines, l)
	}
	for _, l := range tieNotes(res) {
		lines = append(lines, bullet+l)
	}
	for _, l := range runNotes(res) {
		lines = append(lines, bullet+l)
	}
	if res.Incomplete {
		lines = append(lines, bullet+"run INCOMPLETE: "+res.Error)
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(w io.Writer, res *results.Results, rows []Row) error {
	cw := csv.NewWriter(w)
	hdr := []string{"topology", "workers", "tasks", "payload", "batch", "window", "window_used", "dispatch",
		"tasks_per_s", "ci_lo", "ci_hi", "cv", "reps",
		"batch_latency_p50_ns", "batch_latency_p90_ns", "batch_latency_p99_ns", "batch_latency_p999_ns", "batch_latency_max_ns",
		"service_p50_ns", "service_p99_ns",
		"cpu_ns_per_task", "coord_cpu_ns_per_task", "node_cpu_ns_per_task", "occupancy",
		"speedup", "efficiency", "vs_best", "speedup_established", "vs_best_established",
		"status", "verified", "lost", "duplicate", "wrong"}
	hdr = append(append(hdr, sampleCSVHeader()...), "warnings")
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return plainFloat(v)
	}
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	recs := make([][]string, 0, len(rows))
	for _, r := range rows {
		c, s := r.Cell, r.Cell.Summary
		row := []string{c.Topology, strconv.Itoa(c.Workers), strconv.Itoa(c.Tasks), strconv.Itoa(c.Payload),
			strconv.Itoa(c.Batch), results.FormatWindow(c.Window), strconv.Itoa(c.WindowUsed()), c.Dispatch,
			f(s.Throughput.Mean), f(clampLo(s.Throughput)), f(s.Throughput.Hi), f(s.Throughput.CV), strconv.Itoa(s.Reps),
			i(s.Latency.P50), i(s.Latency.P90), i(s.Latency.P99), i(s.Latency.P999), i(s.Latency.Max),
			i(s.Service.P50), i(s.Service.P99),
			f(s.CPUPerTaskNS), f(s.CoordCPUPerTaskNS), f(s.NodeCPUPerTaskNS), f(orNaN(s.Occupancy)),
			f(r.Speedup), f(r.Efficiency), f(r.VsBest),
			established(r.Speedup, r.SpeedupTied), established(r.VsBest, r.BestTied), csvStatus(c),
			i(c.Verify.Verified), i(c.Verify.Lost), i(c.Verify.Duplicate), i(c.Verify.Wrong)}
		row = append(row, sampleCSV(c)...)
		recs = append(recs, append(row, strings.Join(c.Warnings, " | ")))
	}
	if res.GoTest != nil {
		hdr, recs = goTestCSV(res, rows, hdr, recs)
	}
	_ = cw.Write(hdr)
	for _, r := range recs {
		_ = cw.Write(r)
	}
	cw.Flush()
	return cw.Error()
}

// established is the CSV's word for the table's ? mark: "false" where
// the ratio v is not established (the 95% intervals overlap), "true"
// where it is, "" where there is no ratio. speedup_established covers
// speedup and efficiency, which share the comparison with the 1-worker
// cell; vs_best_established covers vs_best.
func established(v float64, tied bool) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatBool(!tied)
}

// csvStatus is the cell's status as results.json names it, with the
// table's * when the cell carries warnings (the warnings column lists
// them): "ok*" in the CSV where the table says ok*.
func csvStatus(c *results.Cell) string {
	if c.Status == results.StatusOK && len(c.Warnings) > 0 {
		return c.Status + "*"
	}
	return c.Status
}

// clampLo is the lower end of a throughput interval, at least 0: a
// Student-t interval of a few widely spread repetitions can reach below
// zero, which no throughput can be.
func clampLo(e results.Estimate) float64 {
	if e.Lo < 0 {
		return 0
	}
	return e.Lo
}
