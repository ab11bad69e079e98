package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// scale is a cell's scale without its worker count: the cells of one
// topology that share a scale form that topology's workers sweep. rate is
// the offered rate of open-loop cells, 0 in closed loop.
type scale struct{ tasks, payload, window, batch, rate int }

func scaleOf(c *results.Cell) scale {
	return scale{tasks: c.Tasks, payload: c.Payload, window: c.Window, batch: c.Batch, rate: c.Rate}
}

// openLoop reports whether the scale's cells offered a fixed rate: their
// throughput is then the rate they were offered, not a capacity.
func (s scale) openLoop() bool { return s.rate > 0 }

// axis is one scale axis other than workers, as tables and labels name it.
type axis struct {
	name string
	on   bool // more than one value in the plan
	v    int
}

// text is the axis's value as labels write it: "auto" for an auto
// window.
func (a axis) text() string {
	if a.name == "window" {
		return results.FormatWindow(a.v)
	}
	return strconv.Itoa(a.v)
}

func (s scale) axes(p results.Plan) []axis {
	t, pl, w, b := varying(p)
	if len(p.Rate) > 0 {
		t = false // the task count follows the rate
	}
	return []axis{{"tasks", t, s.tasks}, {"payload", pl, s.payload}, {"batch", b, s.batch}, {"window", w, s.window},
		{"rate", len(p.Rate) > 1, s.rate}}
}

// label names s by the axes that vary in p ("payload=4 batch=64"); it is
// empty when none vary.
func (s scale) label(p results.Plan) string {
	var parts []string
	for _, a := range s.axes(p) {
		if a.on {
			parts = append(parts, a.name+"="+a.text())
		}
	}
	return strings.Join(parts, " ")
}

// slug is label for file names ("payload4-batch64"), empty when no axis
// varies.
func (s scale) slug(p results.Plan) string {
	var parts []string
	for _, a := range s.axes(p) {
		if a.on {
			parts = append(parts, a.name+a.text())
		}
	}
	return strings.Join(parts, "-")
}

// scalesOf returns the distinct scales of res's cells, in cell order.
func scalesOf(res *results.Results) []scale {
	var out []scale
	for i := range res.Cells {
		if s := scaleOf(&res.Cells[i]); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// topologiesOf returns the topologies that have cells, in plan order and
// then in cell order for any the plan does not name.
func topologiesOf(res *results.Results) []string {
	var out []string
	has := map[string]bool{}
	for i := range res.Cells {
		has[res.Cells[i].Topology] = true
	}
	for _, t := range res.Plan.Topologies {
		if has[t] && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for i := range res.Cells {
		if t := res.Cells[i].Topology; !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// sweep returns topology t's cells at scale s, by worker count.
func sweep(res *results.Results, t string, s scale) []*results.Cell {
	var out []*results.Cell
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Topology == t && scaleOf(c) == s {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *results.Cell) int { return cmp.Compare(a.Workers, b.Workers) })
	return out
}

// workersOf returns the distinct worker counts of res's cells at scale s,
// ascending.
func workersOf(res *results.Results, s scale) []int {
	var out []int
	for i := range res.Cells {
		c := &res.Cells[i]
		if scaleOf(c) == s && !slices.Contains(out, c.Workers) {
			out = append(out, c.Workers)
		}
	}
	slices.Sort(out)
	return out
}

// cellName names a cell for notes: "tcp workers=4", plus the varying
// axes.
func cellName(p results.Plan, c *results.Cell) string {
	n := fmt.Sprintf("%s workers=%d", c.Topology, c.Workers)
	if l := scaleOf(c).label(p); l != "" {
		n += " " + l
	}
	return n
}

// withScale appends " (label)" to s when label is not empty.
func withScale(s, label string) string {
	if label == "" {
		return s
	}
	return s + " (" + label + ")"
}
