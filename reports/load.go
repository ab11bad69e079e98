package reports

import (
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

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

// WriteLoadTable writes one row per open-loop cell: offered and achieved
// rate, latency from the intended send time (p50, p99, p99.9, max), the
// p99 from the actual send that coordinated omission would report, how far
// the generator fell behind, and the cell's status.
func WriteLoadTable(w io.Writer, res *results.Results, format string) error {
	hdr := []string{"topology", "workers", "offered/s", "achieved/s", "p50", "p99", "p99.9", "max",
		"p99 from send", "lag p99", "lag max", "window full", "status"}
	var rows [][]string
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Rate == 0 {
			continue
		}
		rows = append(rows, loadRow(c))
	}
	if err := render(w, format, hdr, rows); err != nil {
		return err
	}
	fmt.Fprintln(w, "latency runs from each task's intended send time; 'p99 from send' is what a tool that stamps the actual send would report")
	return writeNotes(w, res, format)
}

func loadRow(c *results.Cell) []string {
	row := []string{c.Topology, strconv.Itoa(c.Workers), FormatRate(float64(c.Rate), 3)}
	l := c.Summary.Load
	if len(c.Reps) == 0 || l == nil {
		return append(row, "-", "-", "-", "-", "-", "-", "-", "-", "-", status(c))
	}
	d := func(ns int64) string { return FormatDuration(float64(ns), 3) }
	lat := c.Summary.Latency
	return append(row, FormatRate(l.Achieved.Mean, 3), d(lat.P50), d(lat.P99), d(lat.P999), d(lat.Max),
		d(l.Uncorrected.P99), d(l.LagP99NS), d(l.LagMaxNS), strconv.FormatInt(l.BoundHits, 10), status(c))
}

// WriteCapacityTable writes the outcome of a capacity search: per
// topology and scale the highest rate that held the SLO, then every step
// with its verdict.
func WriteCapacityTable(w io.Writer, res *results.Results, format string) error {
	hdr := []string{"topology", "workers", "batch", "window", "max sustainable/s", "achieved/s", "steps", "note"}
	var rows [][]string
	for _, c := range res.Capacity {
		note := ""
		switch {
		case c.Error != "":
			note = "stopped: " + c.Error
		case c.MaxRate == 0:
			note = "even the first step failed"
		}
		rows = append(rows, []string{c.Topology, strconv.Itoa(c.Workers), strconv.Itoa(c.Batch), strconv.Itoa(c.Window),
			rateOrDash(float64(c.MaxRate)), rateOrDash(c.MaxAchieved), strconv.Itoa(len(c.Steps)), note})
	}
	if err := render(w, format, hdr, rows); err != nil {
		return err
	}
	slo := res.Plan.SLO
	if slo == "" {
		slo = "none (verification and achieved rate only)"
	}
	fmt.Fprintf(w, "a step passes when every result verifies, it achieves %.0f%% of the offered rate, and the SLO holds: %s\n\n",
		100*res.Plan.Search.MinAchieved, slo)
	shdr := []string{"topology", "workers", "offered/s", "achieved/s", "p50", "p99", "p99.9", "verdict"}
	var srows [][]string
	for _, c := range res.Capacity {
		for _, s := range c.Steps {
			verdict := "pass"
			if !s.Pass {
				verdict = "FAIL: " + s.Reason
			}
			d := func(ns int64) string { return FormatDuration(float64(ns), 3) }
			srows = append(srows, []string{c.Topology, strconv.Itoa(c.Workers), FormatRate(float64(s.Offered), 3),
				FormatRate(s.Achieved, 3), d(s.P50), d(s.P99), d(s.P999), verdict})
		}
	}
	return render(w, format, shdr, srows)
}

func rateOrDash(v float64) string {
	if v <= 0 {
		return "-"
	}
	return FormatRate(v, 3)
}

// render writes a table with the first column left-aligned, the last
// left-aligned and the rest right-aligned.
func render(w io.Writer, format string, hdr []string, rows [][]string) error {
	align := make([]tw.Align, len(hdr))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[0], align[len(align)-1] = tw.AlignLeft, tw.AlignLeft
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	}
	if format == FormatMarkdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(hdr)
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}
