package reports

import (
	"io"
	"math"
	"strconv"

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
// throughput as a fraction of its bare transport's (harness efficiency),
// and its median latency against the transport's median frame round trip
// as a difference ("p50 - raw") and as a ratio ("p50 / raw").
func WriteBaselineTable(w io.Writer, res *results.Results, format string) error {
	hdr := []string{"topology", "workers", "batch", "window", "transport", "tasks/s", "raw tasks/s", "efficiency",
		"p50", "raw p50", "p50 - raw", "p50 / raw"}
	var rows [][]string
	for i := range res.Cells {
		c := &res.Cells[i]
		b := c.Baseline
		if b == nil || len(c.Reps) == 0 {
			continue
		}
		d := func(ns int64) string { return FormatDuration(float64(ns), 3) }
		p50 := c.Summary.Latency.P50
		ratio := math.NaN()
		if b.P50NS > 0 {
			ratio = float64(p50) / float64(b.P50NS)
		}
		rows = append(rows, []string{c.Topology, strconv.Itoa(c.Workers), strconv.Itoa(c.Batch), c.WindowText(), b.Transport,
			FormatRate(c.Summary.Throughput.Mean, 3), FormatRate(b.Throughput.Mean, 3), FormatPercent(c.Efficiency(), 2),
			d(p50), d(b.P50NS), FormatDuration(float64(p50-b.P50NS), 3), FormatRatio(ratio)})
	}
	if err := renderGrid(w, format, hdr, rows, map[int]bool{0: true}); err != nil {
		return err
	}
	return writeCaption(w, format, baselineCaption)
}

// baselineCaption defines the raw baseline table's figures.
const baselineCaption = "raw: the bare transport with the same workers, batch, window and frame bytes, " +
	"read as the topology's link reads it (a stream through the link's 64 KiB buffer), " +
	"no framing, workload or verification; efficiency = tasks/s over raw tasks/s; " +
	"p50 = the median task latency of all the cell's repetitions together, raw p50 = the median of the repetitions' median frame round trips; " +
	"p50 - raw = their difference (negative: the cell's median was below the raw one); p50 / raw = their ratio"
