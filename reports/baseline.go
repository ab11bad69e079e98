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

// HasBaselines reports whether any cell of res has a raw baseline.
func HasBaselines(res *results.Results) bool {
	for i := range res.Cells {
		if res.Cells[i].Baseline != nil {
			return true
		}
	}
	return false
}

// WriteBaselineTable writes, per cell with a raw baseline, the topology's
// throughput as a fraction of its bare transport's (harness efficiency) and
// its median latency above the transport's median frame round trip.
func WriteBaselineTable(w io.Writer, res *results.Results, format string) error {
	hdr := []string{"topology", "workers", "batch", "window", "transport", "tasks/s", "raw tasks/s", "efficiency", "p50", "raw p50", "p50 over raw"}
	var rows [][]string
	for i := range res.Cells {
		c := &res.Cells[i]
		b := c.Baseline
		if b == nil || len(c.Reps) == 0 {
			continue
		}
		d := func(ns int64) string { return FormatDuration(float64(ns), 3) }
		over := c.Summary.Latency.P50 - b.P50NS
		rows = append(rows, []string{c.Topology, strconv.Itoa(c.Workers), strconv.Itoa(c.Batch), strconv.Itoa(c.Window), b.Transport,
			FormatRate(c.Summary.Throughput.Mean, 3), FormatRate(b.Throughput.Mean, 3), FormatPercent(c.Efficiency(), 2),
			d(c.Summary.Latency.P50), d(b.P50NS), FormatDuration(float64(over), 3)})
	}
	if err := render(w, format, hdr, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "raw: the bare transport with the same workers, batch, window and frame bytes, no framing, workload or verification; efficiency = tasks/s over raw tasks/s")
	return err
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
