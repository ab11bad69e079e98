package reports

import (
	"fmt"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

func toHTMLTable(id string, hdr []string, rows [][]string, left map[int]bool) htmlTable {
	t := htmlTable{ID: id, Header: hdr, Left: make([]bool, len(hdr))}
	for i := range hdr {
		t.Left[i] = left[i]
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, htmlRow{Cells: r})
	}
	return t
}

// summaryTable is the summary table as the Markdown table shows it (the
// terminal's with the occupancy column), with failed rows and rows
// carrying warnings marked, and its caption.
func summaryTable(res *results.Results) (htmlTable, string) {
	rows := Rows(res)
	hdr, text := summaryGrid(res, rows)
	hdr, text, caption := withOccupancy(hdr, text, rows, Caption(res))
	t := toHTMLTable("summary-table", hdr, text, map[int]bool{0: true, len(hdr) - 1: true})
	for i, r := range rows {
		t.Rows[i].Class = rowClass(r.Cell)
	}
	return t, caption
}

// rowClass is "fail" for a cell whose figures cannot be trusted, "warn"
// for one with warnings, and "" otherwise.
func rowClass(c *results.Cell) string {
	switch {
	case !usable(c) || c.Status != results.StatusOK:
		return "fail"
	case len(c.Warnings) > 0:
		return "warn"
	}
	return ""
}

func scalingTable(res *results.Results) htmlTable {
	hdr, rows, left := scalingGrid(res, Scalings(res))
	hdr = append([]string(nil), hdr...)
	for i, h := range hdr {
		hdr[i] = map[string]string{"lambda (tasks/s)": "λ (tasks/s)", "sigma": "σ", "kappa": "κ"}[h]
		if hdr[i] == "" {
			hdr[i] = h
		}
	}
	return toHTMLTable("scaling-table", hdr, rows, left)
}

func growthTable(res *results.Results) *htmlTable {
	gs := Growths(res)
	if len(gs) == 0 {
		return nil
	}
	hdr, rows, left := growthGrid(gs)
	t := toHTMLTable("growth-table", hdr, rows, left)
	return &t
}

// problems lists every cell that failed or carries a warning, and the
// run's own warnings, for the page's Problems section.
func problems(res *results.Results) []htmlProblem {
	var out []htmlProblem
	if res.Incomplete {
		out = append(out, htmlProblem{Class: "fail", Tag: "INCOMPLETE", What: "the run stopped early",
			Details: []string{res.Error}})
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		class := rowClass(c)
		if class == "" {
			continue
		}
		p := htmlProblem{Class: class, Tag: "WARNING", What: cellName(res.Plan, c)}
		if class == "fail" {
			p.Tag = strings.ToUpper(c.Status)
			if c.Status == results.StatusOK { // verified wrongly but not marked
				p.Tag = "FAILED"
			}
			p.Details = append(p.Details, "status: "+status(c))
		}
		if c.Error != "" {
			p.Details = append(p.Details, "error: "+c.Error)
		}
		if v := c.Verify; !v.OK() && len(c.Reps) > 0 {
			p.Details = append(p.Details, fmt.Sprintf("verification: expected %d, verified %d, lost %d, duplicate %d, wrong %d",
				v.Expected, v.Verified, v.Lost, v.Duplicate, v.Wrong))
		}
		if len(c.Reps) == 0 {
			p.Details = append(p.Details, "no measured repetitions: the cell has no figures and is left out of plots and fits")
		}
		p.Details = append(p.Details, c.Warnings...)
		out = append(out, p)
	}
	for _, w := range res.Warnings {
		out = append(out, htmlProblem{Class: "warn", Tag: "WARNING", What: "run", Details: []string{w}})
	}
	return out
}
