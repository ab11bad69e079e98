package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// BytesPerValue is the size of one payload value: tasks carry K int64s.
const BytesPerValue = 8

// cpu draws CPU time per task as bars grouped by topology, one bar per
// worker count, shaded light to dark so that greyscale keeps them apart.
func (fb *figureBuilder) cpu(sc scale, workers []int) (*Figure, error) {
	topos := topologiesOf(fb.res)
	vals := make([]plotter.Values, len(workers))
	hi := 0.0
	for wi, w := range workers {
		vals[wi] = make(plotter.Values, len(topos))
		for ti, t := range topos {
			for _, c := range fb.usableSweep(t, sc) {
				if c.Workers == w {
					vals[wi][ti] = c.Summary.CPUPerTaskNS
					hi = math.Max(hi, c.Summary.CPUPerTaskNS)
				}
			}
		}
	}
	label := sc.label(fb.res.Plan)
	if hi <= 0 {
		fb.note("%s: no CPU figures, so there is no CPU cost plot", withScale("CPU", label))
		return nil, nil
	}
	u := durationUnit(hi)
	p, leg := newPlot(withScale("CPU time per task", label), "topology", "CPU time per task ("+u.name+")")
	p.NominalX(topos...)
	// Groups take 80% of each category's width. Bar widths are lengths on
	// the page, so derive them from the data area's approximate width.
	area := (PlotWidth - 1.9*vg.Inch) / vg.Length(len(topos))
	width := area * 0.8 / vg.Length(len(workers))
	for wi, w := range workers {
		b, err := plotter.NewBarChart(vals[wi], width)
		if err != nil {
			return nil, err
		}
		shade := uint8(235 - 200*wi/max(len(workers)-1, 1))
		b.Color, b.LineStyle.Width = grey(shade), 0.8
		b.Offset = width * (vg.Length(wi) - vg.Length(len(workers)-1)/2)
		p.Add(b)
		leg.Add(fmt.Sprintf("%d worker%s", w, plural(w)), b)
	}
	// Bars placed with Offset are left out of gonum's automatic range.
	p.X.Min, p.X.Max = -0.5, float64(len(topos))-0.5
	p.Y.Min, p.Y.Max = 0, hi*1.1
	p.Y.Tick.Marker = linearTicks(u)
	return &Figure{Name: name("cpu", sc.slug(fb.res.Plan)), Title: p.Title.Text,
		Caption: "CPU time (user + system, coordinator plus node processes) per verified task, mean over the " +
			"repetitions. A missing bar is a cell that failed or was not run.",
		plot: p, legend: *leg}, nil
}

// payloadGroup is everything but the payload: a payload sweep's key.
type payloadGroup struct{ workers, tasks, window, batch int }

// payloadSweeps draws MB/s against payload size, one plot per worker
// count (and other scales), when the plan has several payloads.
func (fb *figureBuilder) payloadSweeps() error {
	if len(fb.res.Plan.Payload) < 2 {
		return nil
	}
	var groups []payloadGroup
	for i := range fb.res.Cells {
		c := &fb.res.Cells[i]
		g := payloadGroup{c.Workers, c.Tasks, c.Window, c.Batch}
		if c.Rate > 0 { // open loop: MB/s is the offered rate times the payload
			continue
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		if err := fb.add(fb.mbps(g)); err != nil {
			return err
		}
	}
	return nil
}

func (fb *figureBuilder) mbps(g payloadGroup) (*Figure, error) {
	p := fb.res.Plan
	other := scale{tasks: g.tasks, window: g.window, batch: g.batch}
	p.Payload = []int{0} // label the axes other than payload
	label := fmt.Sprintf("%d worker%s", g.workers, plural(g.workers))
	if l := other.label(p); l != "" {
		label += ", " + l
	}
	lc := lineChart{
		name:  name(fmt.Sprintf("mbps-w%d", g.workers), other.slug(p)),
		title: "Payload throughput vs payload size (" + label + ")", xLabel: "payload (int64 values per task, log scale)",
		yWhat: "payload throughput", yUnit: bytesUnit, logWide: 20,
	}
	for _, t := range topologiesOf(fb.res) {
		s := lineSeries{name: t, style: fb.styles[t], dashes: fb.styles[t].dashes}
		for i := range fb.res.Cells {
			c := &fb.res.Cells[i]
			if c.Topology != t || (payloadGroup{c.Workers, c.Tasks, c.Window, c.Batch}) != g || c.Rate > 0 ||
				!usable(c) || c.Summary.Throughput.Mean <= 0 {
				continue
			}
			s.addPoint(float64(c.Payload), c.Summary.Throughput, float64(BytesPerValue*c.Payload))
			if !slices.Contains(lc.xVals, float64(c.Payload)) {
				lc.xVals = append(lc.xVals, float64(c.Payload))
			}
		}
		if len(s.pts) > 0 {
			lc.series = append(lc.series, s)
		}
	}
	if len(lc.xVals) < 2 {
		fb.note("%s: fewer than two usable payload sizes, so there is no MB/s plot", label)
		return nil, nil
	}
	slices.Sort(lc.xVals)
	for i := range lc.series {
		sortSeries(&lc.series[i])
	}
	lc.caption = fmt.Sprintf("Payload bytes moved per second in each direction: tasks/s x %d bytes x K "+
		"(a task carries K int64 values and its result as many). Bars: 95%% CI.", BytesPerValue)
	return lc.build()
}

// bytesUnit picks B/s, kB/s, MB/s or GB/s (decimal) for values up to m.
func bytesUnit(m float64) unit {
	u := rateUnit(m, "B/s")
	u.name = strings.Replace(u.name, " ", "", 1)
	return u
}

// sortSeries orders a series' points (and bounds) by x.
func sortSeries(s *lineSeries) {
	idx := make([]int, len(s.pts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case s.pts[a].X < s.pts[b].X:
			return -1
		case s.pts[a].X > s.pts[b].X:
			return 1
		}
		return 0
	})
	pts, lo, hi := make(plotter.XYs, len(idx)), make([]float64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		pts[i], lo[i], hi[i] = s.pts[j], s.lo[j], s.hi[j]
	}
	s.pts, s.lo, s.hi = pts, lo, hi
}
