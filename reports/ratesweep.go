package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/snbench/snbench/bench/results"
)

// rateGroup is everything but the offered rate (and the task count that
// follows it): an open-loop rate sweep's key.
type rateGroup struct{ workers, payload, window, batch int }

func rateGroupOf(c *results.Cell) rateGroup {
	return rateGroup{c.Workers, c.Payload, c.Window, c.Batch}
}

// Dash patterns of the percentiles a latency chart draws per topology.
var (
	dashP50  []vg.Length // solid
	dashP99  = []vg.Length{6, 3}
	dashP999 = []vg.Length{2, 2}
)

// unreliable reports whether an open-loop cell was flagged unreliable when
// it was summarised (results.Summarize): its generator fell behind
// schedule, or it achieved less than 95% of the offered rate.
func unreliable(c *results.Cell) bool {
	return c.Summary.Load != nil && c.Summary.Load.Unreliable
}

// rateSweeps draws latency against the offered rate (the hockey stick),
// one plot per worker count (and other scales), when an open-loop plan has
// several rates or a capacity search ran (its steps are cells at the rates
// it tried): where the p99 turns upwards is where the topology stops
// keeping up.
func (fb *figureBuilder) rateSweeps() error {
	if len(fb.res.Plan.Rate) < 2 && len(fb.res.Capacity) == 0 {
		return nil
	}
	var groups []rateGroup
	for i := range fb.res.Cells {
		c := &fb.res.Cells[i]
		if g := rateGroupOf(c); c.Rate > 0 && !slices.Contains(groups, g) {
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

// stepPassed reports whether the capacity step that ran as cell c passed,
// and whether c is a capacity step at all.
func stepPassed(res *results.Results, c *results.Cell) (pass, ok bool) {
	for _, cp := range res.Capacity {
		if cp.Topology != c.Topology || cp.Workers != c.Workers || cp.Payload != c.Payload ||
			cp.Window != c.Window || cp.Batch != c.Batch {
			continue
		}
		for _, s := range cp.Steps {
			if s.Offered == c.Rate {
				return s.Pass, true
			}
		}
	}
	return false, false
}

// groupLabel names a rate group: "2 workers", plus the other scale axes
// that vary.
func (fb *figureBuilder) groupLabel(g rateGroup) (label, slug string) {
	p := fb.res.Plan
	other := scale{payload: g.payload, window: g.window, batch: g.batch}
	p.Rate, p.Tasks = nil, []int{0} // label the axes other than rate and tasks
	label = fmt.Sprintf("%d worker%s", g.workers, plural(g.workers))
	if l := other.label(p); l != "" {
		label += ", " + l
	}
	return label, other.slug(p)
}

func (fb *figureBuilder) latencyVsRate(g rateGroup) (*Figure, error) {
	search := len(fb.res.Capacity) > 0
	label, slug := fb.groupLabel(g)
	lc := lineChart{
		name:   name(fmt.Sprintf("latency-rate-w%d", g.workers), slug),
		title:  "Latency vs offered rate (" + label + ")",
		xLabel: "offered rate (tasks/s, log scale)", yWhat: "latency", yUnit: durationUnit, logWide: 0,
		xTick: compactRate, flagName: "unreliable",
	}
	if search {
		lc.title, lc.flagName = "Capacity steps: latency vs offered rate ("+label+")", "failed step"
	}
	var rates []float64
	flagged := 0
	for _, t := range topologiesOf(fb.res) {
		var cells []*results.Cell
		for i := range fb.res.Cells {
			c := &fb.res.Cells[i]
			if l := c.Summary.Latency; c.Topology == t && c.Rate > 0 && rateGroupOf(c) == g && usable(c) && l.P50 > 0 && l.P99 > 0 {
				cells = append(cells, c)
			}
		}
		if len(cells) == 0 {
			continue
		}
		slices.SortStableFunc(cells, func(a, b *results.Cell) int { return cmp.Compare(a.Rate, b.Rate) })
		st := fb.styles[t]
		ss := []lineSeries{{name: t + " p50", style: st, dashes: dashP50}, {name: t + " p99", style: st, dashes: dashP99},
			{name: t + " p99.9", style: st, dashes: dashP999}}
		for _, c := range cells {
			l := c.Summary.Latency
			flag := unreliable(c)
			if pass, ok := stepPassed(fb.res, c); search && ok {
				flag = !pass
			}
			if flag {
				flagged++
			}
			for i, v := range []int64{l.P50, l.P99, l.P999} {
				ss[i].pts = append(ss[i].pts, plotter.XY{X: float64(c.Rate), Y: float64(v)})
				ss[i].flagged = append(ss[i].flagged, flag)
			}
			if !slices.Contains(rates, float64(c.Rate)) {
				rates = append(rates, float64(c.Rate))
			}
		}
		lc.series = append(lc.series, ss...)
	}
	if len(rates) < 2 {
		fb.note("%s: fewer than two usable offered rates, so there is no latency-vs-rate plot", label)
		return nil, nil
	}
	slices.Sort(rates)
	lc.xVals = rates
	lc.caption = "Open-loop latency, measured from each task's scheduled send time (so coordinated omission " +
		"shows), against the offered rate. Solid: median; dashed: 99th percentile; dotted: 99.9th. Where the " +
		"lines turn upwards, the topology has stopped keeping up."
	if search {
		lc.xVals = doublings(fb.res.Plan, rates)
		lc.refs = sloLines(fb.res.Plan.SLO)
		lc.caption = "Every step of the capacity search: corrected latency (from each task's scheduled send time) " +
			"against the offered rate. Solid: median; dashed: 99th percentile; dotted: 99.9th. Ringed points are " +
			"steps that failed (SLO missed, results lost, or under the required share of the offered rate achieved)."
		if len(lc.refs) > 0 {
			lc.caption += " The grey dash-dot line is the SLO's limit."
		}
	} else if flagged > 0 {
		lc.caption += " Ringed points are cells flagged unreliable: the generator fell behind its schedule or " +
			"achieved under 95% of the offered rate, so the machine, not only the topology, shaped their latency."
	}
	return lc.build()
}

// doublings returns the rates a capacity search doubles through (its
// start times powers of two) from below the lowest of rates to above the
// highest: the x ticks of a chart of its steps.
func doublings(p results.Plan, rates []float64) []float64 {
	start := rates[0]
	if p.Search != nil && p.Search.Start > 0 {
		start = float64(p.Search.Start)
	}
	for start > rates[0] {
		start /= 2
	}
	var out []float64
	for r := start; ; r *= 2 {
		out = append(out, r)
		if r >= rates[len(rates)-1] {
			return out
		}
	}
}

// sloLines returns a reference line per latency objective of slo ("SLO
// p99 < 5ms"); nothing when slo does not parse.
func sloLines(slo string) []refLine {
	objs, err := results.ParseSLO(slo)
	if err != nil {
		return nil
	}
	var out []refLine
	for _, o := range objs {
		n, _, _ := strings.Cut(o.Text, "<")
		op := " < "
		if o.Inclusive {
			op = " ≤ "
		}
		out = append(out, refLine{y: float64(o.Limit), name: "SLO " + strings.TrimSpace(n) + op + o.Limit.String()})
	}
	return out
}

// compactRate labels a rate tick: 20000 as "20k", 1500000 as "1.5M".
func compactRate(v float64) string {
	u := rateUnit(v, "")
	return strconv.FormatFloat(v/u.div, 'g', 4, 64) + strings.TrimSpace(u.name)
}
