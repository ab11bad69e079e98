package reports

import (
	"strconv"

	"github.com/snbench/snbench/bench/results"
)

// HasAutoWindows reports whether some cell of res chose its window by a
// probe (results.AutoWindow).
func HasAutoWindows(res *results.Results) bool {
	for i := range res.Cells {
		if res.Cells[i].AutoWindow != nil {
			return true
		}
	}
	return false
}

// autoWindowCaption says what the window-probe table shows.
const autoWindowCaption = "How each auto cell chose its window, before its first repetition: " +
	"verified closed-loop passes on a cluster of the cell's own scale at windows 1, 2, 4 … 64, " +
	"a sweep up and back down. Each window's figure is tasks/s, the better of its two passes " +
	"(the median where a third ran because the two differed by over 20%); its passes follow in brackets. " +
	"The chosen window, marked ←, is the smallest whose figure reached 95% of the best. " +
	"A dash: the probe did not run that window."

// autoWindowTable is one row per auto cell: its scale, the window chosen,
// why the probe stopped, how long it took, and per window of 1 … 64 the
// figure the choice used with the passes it rests on.
func autoWindowTable(res *results.Results) *htmlTable {
	var windows []int
	for w := 1; w <= results.AutoMaxWindow; w *= 2 {
		windows = append(windows, w)
	}
	t := &htmlTable{ID: "window-probes", Header: []string{"topology", "workers", "tasks", "batch", "chose", "stopped", "probe time"}}
	t.Left = []bool{true, false, false, false, false, true, false}
	for _, w := range windows {
		t.Header = append(t.Header, "window "+strconv.Itoa(w))
		t.Left = append(t.Left, false)
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		a := c.AutoWindow
		if a == nil {
			continue
		}
		chose := "-"
		if a.Window > 0 {
			chose = strconv.Itoa(a.Window)
		}
		row := htmlRow{Cells: []string{c.Topology, strconv.Itoa(c.Workers), strconv.Itoa(c.Tasks), strconv.Itoa(c.Batch),
			chose, autoStop(a), FormatDuration(float64(a.WallNS), 3)}}
		if a.Stop == results.AutoUnverified || a.Stop == results.AutoFailed {
			row.Class = "fail"
		}
		figures := results.WindowFigures(a.Steps)
		for _, w := range windows {
			fig, ok := figures[w]
			if !ok {
				row.Cells = append(row.Cells, "-")
				continue
			}
			s := FormatRate(fig, 3)
			if w == a.Window {
				s += " ←"
			}
			if passes := passesAt(a.Steps, w); len(passes) > 1 {
				s += " (" + passes + ")"
			}
			row.Cells = append(row.Cells, s)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// autoStop says in a few words why a probe stopped.
func autoStop(a *results.AutoWindow) string {
	switch a.Stop {
	case results.AutoPlateau:
		return "levelled off"
	case results.AutoMax:
		return "reached window 64"
	case results.AutoTasks:
		return "largest window the tasks allow"
	case results.AutoBudget:
		return "time budget"
	case results.AutoFailed:
		return "a node failed"
	case results.AutoUnverified:
		return "results did not verify"
	}
	return a.Stop
}

// passesAt lists the throughput of every pass the probe ran at window w,
// in the order run.
func passesAt(steps []results.WindowStep, w int) string {
	s, n := "", 0
	for _, st := range steps {
		if st.Window != w {
			continue
		}
		if n > 0 {
			s += ", "
		}
		s += FormatRate(st.Throughput, 3)
		n++
	}
	if n < 2 {
		return ""
	}
	return s
}
