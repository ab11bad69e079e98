package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// rateGroup is everything but the offered rate (and the task count that
// follows it): an open-loop rate sweep's key.
type rateGroup struct{ workers, payload, window, batch int }

// rateSweeps draws latency against the offered rate, one plot per worker
// count (and other scales), when an open-loop plan has several rates:
// where the p99 turns upwards is where the topology stops keeping up.
func (fb *figureBuilder) rateSweeps() error {
	if len(fb.res.Plan.Rate) < 2 {
		return nil
	}
	var groups []rateGroup
	for i := range fb.res.Cells {
		c := &fb.res.Cells[i]
		if g := (rateGroup{c.Workers, c.Payload, c.Window, c.Batch}); c.Rate > 0 && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		if err := fb.add(fb.latencyVsRate(g)); err != nil {
			return err
		}
	}
	return nil
}

func (fb *figureBuilder) latencyVsRate(g rateGroup) (*Figure, error) {
	p := fb.res.Plan
	other := scale{payload: g.payload, window: g.window, batch: g.batch}
	p.Rate, p.Tasks = nil, []int{0} // label the axes other than rate and tasks
	label := fmt.Sprintf("%d worker%s", g.workers, plural(g.workers))
	if l := other.label(p); l != "" {
		label += ", " + l
	}
	lc := lineChart{
		name:   name(fmt.Sprintf("latency-rate-w%d", g.workers), other.slug(p)),
		title:  "Latency vs offered rate (" + label + ")",
		xLabel: "offered rate (tasks/s, log scale)", yWhat: "latency", yUnit: durationUnit, logWide: 0,
		xTick: compactRate,
	}
	for _, t := range topologiesOf(fb.res) {
		st := fb.styles[t]
		p50 := lineSeries{name: t + " p50", style: st}
		p99 := lineSeries{name: t + " p99", style: st, dashes: []vg.Length{6, 3}}
		for i := range fb.res.Cells {
			c := &fb.res.Cells[i]
			l := c.Summary.Latency
			if c.Topology != t || c.Rate == 0 || (rateGroup{c.Workers, c.Payload, c.Window, c.Batch}) != g ||
				!usable(c) || l.P50 <= 0 || l.P99 <= 0 {
				continue
			}
			p50.pts = append(p50.pts, plotter.XY{X: float64(c.Rate), Y: float64(l.P50)})
			p99.pts = append(p99.pts, plotter.XY{X: float64(c.Rate), Y: float64(l.P99)})
			if !slices.Contains(lc.xVals, float64(c.Rate)) {
				lc.xVals = append(lc.xVals, float64(c.Rate))
			}
		}
		if len(p50.pts) > 0 {
			slices.SortFunc(p50.pts, func(a, b plotter.XY) int { return int(a.X - b.X) })
			slices.SortFunc(p99.pts, func(a, b plotter.XY) int { return int(a.X - b.X) })
			lc.series = append(lc.series, p50, p99)
		}
	}
	if len(lc.xVals) < 2 {
		fb.note("%s: fewer than two usable offered rates, so there is no latency-vs-rate plot", label)
		return nil, nil
	}
	slices.Sort(lc.xVals)
	lc.caption = "Open-loop latency, measured from each task's scheduled send time (so coordinated omission " +
		"shows), against the offered rate. Solid: median; dashed: 99th percentile. Where a line turns " +
		"upwards, the topology has stopped keeping up."
	return lc.build()
}

// compactRate labels a rate tick: 20000 as "20k", 1500000 as "1.5M".
func compactRate(v float64) string {
	u := rateUnit(v, "")
	return strconv.FormatFloat(v/u.div, 'g', 4, 64) + strings.TrimSpace(u.name)
}
