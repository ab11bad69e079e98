package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// WriteCapacityTable writes the outcome of a capacity search in format
// (FormatTerminal, FormatMarkdown or FormatCSV): per topology and scale
// the highest rate that passed, then every step with its offered and
// achieved rate, latency and verdict. CSV has one row per step, with its
// search's outcome repeated on each.
func WriteCapacityTable(w io.Writer, res *results.Results, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	if format == FormatCSV {
		return writeCapacityCSV(w, res)
	}
	hdr, rows, left, _ := capacityGrid(res)
	if err := renderGrid(w, format, hdr, rows, left); err != nil {
		return err
	}
	if err := writeCaption(w, format, passRule(res.Plan)+"\n"); err != nil {
		return err
	}
	shdr, srows, sleft, _ := stepGrid(res)
	if err := renderGrid(w, format, shdr, srows, sleft); err != nil {
		return err
	}
	if stepsThin(res) {
		return writeCaption(w, format, thinLegend())
	}
	return nil
}

// passRule says when a capacity step passes.
func passRule(p results.Plan) string {
	slo := p.SLO
	if slo == "" {
		slo = "none (verification and achieved rate only)"
	}
	return fmt.Sprintf("a step passes when every result verifies, it achieves %.0f%% of the offered rate, and the SLO holds: %s",
		100*minAchieved(p), slo)
}

func minAchieved(p results.Plan) float64 {
	if p.Search != nil && p.Search.MinAchieved > 0 {
		return p.Search.MinAchieved
	}
	return results.DefaultSearch().MinAchieved
}

// capacityNote says why a search has no figure, or stopped early.
func capacityNote(c *results.Capacity) string {
	switch {
	case c.Error != "":
		return "stopped: " + c.Error
	case c.MaxRate == 0:
		return "even the first step failed"
	}
	return ""
}

// capacityGrid lays out the capacity table: one row per search.
func capacityGrid(res *results.Results) ([]string, [][]string, map[int]bool, []string) {
	hdr := []string{"topology", "workers"}
	_, pl, _, _ := varying(res.Plan)
	if pl {
		hdr = append(hdr, "payload")
	}
	hdr = append(hdr, "batch", "window", "max sustainable/s", "achieved/s", "steps", "note")
	var rows [][]string
	var classes []string
	for i := range res.Capacity {
		c := &res.Capacity[i]
		row := []string{c.Topology, strconv.Itoa(c.Workers)}
		if pl {
			row = append(row, strconv.Itoa(c.Payload))
		}
		rows = append(rows, append(row, strconv.Itoa(c.Batch), strconv.Itoa(c.Window),
			rateOrDash(float64(c.MaxRate)), rateOrDash(c.MaxAchieved), strconv.Itoa(len(c.Steps)), capacityNote(c)))
		class := ""
		if capacityNote(c) != "" {
			class = "warn"
		}
		classes = append(classes, class)
	}
	return hdr, rows, map[int]bool{0: true, len(hdr) - 1: true}, classes
}

// stepGrid lays out the step table: every rate each search tried, in
// order, with its verdict. A failed step's row class is "miss", the
// highest passing step's "best".
func stepGrid(res *results.Results) ([]string, [][]string, map[int]bool, []string) {
	hdr := append([]string{"topology", "workers"}, scaleColumns(res.Plan)...)
	hdr = append(hdr, "offered/s", "achieved/s", "achieved %", "p50", "p99", "p99.9", "verdict")
	var rows [][]string
	var classes []string
	d := func(s results.Step, p string, ns int64) string {
		return latencyCell(results.Samples{Thin: s.Thin}, p, ns)
	}
	for i := range res.Capacity {
		c := &res.Capacity[i]
		for _, s := range c.Steps {
			verdict, class := "pass", ""
			switch {
			case !s.Pass:
				verdict, class = "FAIL: "+s.Reason, "miss"
			case s.Offered == c.MaxRate:
				verdict, class = "pass (max sustainable)", "best"
			}
			row := append([]string{c.Topology, strconv.Itoa(c.Workers)}, scaleValues(res.Plan, c.Key)...)
			rows = append(rows, append(row, FormatRate(float64(s.Offered), 3), FormatRate(s.Achieved, 3),
				percentOf(s.Achieved, float64(s.Offered)), d(s, "p50", s.P50), d(s, "p99", s.P99), d(s, "p999", s.P999), verdict))
			classes = append(classes, class)
		}
	}
	return hdr, rows, map[int]bool{0: true, len(hdr) - 1: true}, classes
}

// percentOf formats a/b as a percentage, "-" when b is 0.
func percentOf(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*a/b, 'f', 1, 64) + "%"
}

func rateOrDash(v float64) string {
	if v <= 0 {
		return "-"
	}
	return FormatRate(v, 3)
}

func writeCapacityCSV(w io.Writer, res *results.Results) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"topology", "workers", "payload", "batch", "window", "step",
		"offered_per_s", "achieved_per_s", "p50_ns", "p99_ns", "p999_ns", "pass", "reason",
		"max_sustainable_per_s", "max_achieved_per_s", "search_error", "thin_percentiles"})
	for i := range res.Capacity {
		c := &res.Capacity[i]
		for j, s := range c.Steps {
			_ = cw.Write([]string{c.Topology, strconv.Itoa(c.Workers), strconv.Itoa(c.Payload), strconv.Itoa(c.Batch),
				strconv.Itoa(c.Window), strconv.Itoa(j + 1), strconv.Itoa(s.Offered), csvFloat(s.Achieved),
				csvInt(s.P50), csvInt(s.P99), csvInt(s.P999), strconv.FormatBool(s.Pass), s.Reason,
				strconv.Itoa(c.MaxRate), csvFloat(c.MaxAchieved), c.Error, strings.Join(s.Thin, " ")})
		}
	}
	cw.Flush()
	return cw.Error()
}

// capacityMatrix is the page's answer to "what rate can each topology
// sustain, at each scale?": one row per scale, one column per topology.
// A search whose first step failed shows "< first rate"; one that stopped
// early is marked with an asterisk.
func capacityMatrix(res *results.Results) *htmlTable {
	type row struct {
		k    results.Key
		vals map[string]string
	}
	topos := topologiesOf(res)
	for i := range res.Capacity {
		if t := res.Capacity[i].Topology; !slices.Contains(topos, t) {
			topos = append(topos, t)
		}
	}
	var rows []*row
	for i := range res.Capacity {
		c := &res.Capacity[i]
		k := c.Key
		k.Topology = ""
		var r *row
		for _, x := range rows {
			if x.k == k {
				r = x
			}
		}
		if r == nil {
			r = &row{k: k, vals: map[string]string{}}
			rows = append(rows, r)
		}
		v := rateOrDash(float64(c.MaxRate))
		if c.MaxRate == 0 && len(c.Steps) > 0 {
			v = "< " + FormatRate(float64(c.Steps[0].Offered), 3)
		}
		if c.Error != "" {
			v += "*"
		}
		r.vals[c.Topology] = v
	}
	hdr := append([]string{"workers"}, scaleColumns(res.Plan)...)
	hdr = append(hdr, topos...)
	var text [][]string
	for _, r := range rows {
		line := append([]string{strconv.Itoa(r.k.Workers)}, scaleValues(res.Plan, r.k)...)
		for _, t := range topos {
			v, ok := r.vals[t]
			if !ok {
				v = "-"
			}
			line = append(line, v)
		}
		text = append(text, line)
	}
	t := toHTMLTable("capacity-matrix", hdr, text, nil)
	return &t
}

// capacityTables are the page's capacity outcome and step tables.
func capacityTables(res *results.Results) (outcome, steps *htmlTable) {
	hdr, rows, left, classes := capacityGrid(res)
	o := toHTMLTable("capacity-table", hdr, rows, left)
	for i := range o.Rows {
		o.Rows[i].Class = classes[i]
	}
	shdr, srows, sleft, sclasses := stepGrid(res)
	s := toHTMLTable("steps-table", shdr, srows, sleft)
	for i := range s.Rows {
		s.Rows[i].Class = sclasses[i]
	}
	return &o, &s
}
