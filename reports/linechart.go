package reports

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// lineSeries is one series of a lineChart.
type lineSeries struct {
	name  string
	style seriesStyle
	// dashes is the line's pattern (nil: solid).
	dashes []vg.Length
	// pts are the measured points; lo and hi, when not nil, their 95%
	// confidence bounds, drawn as error bars.
	pts    plotter.XYs
	lo, hi []float64
	// curve, when not nil, is a fitted curve drawn instead of a line
	// joining the points.
	curve func(x float64) float64
	// dodge shifts the points sideways, in plot coordinates.
	dodge float64
	// flagged, when not nil, marks the points (parallel to pts) that the
	// chart rings as flagged (see lineChart.flagName).
	flagged []bool
}

// refLine is a horizontal reference line, such as an SLO's limit.
type refLine struct {
	y    float64
	name string
}

// lineChart is a chart of series against a logarithmic (or, with
// linearX, linear) x axis with ticks exactly at xVals.
type lineChart struct {
	name, title, caption string
	xLabel, yWhat        string
	xVals                []float64
	linearX              bool
	// xTick labels the x ticks (default: the plain number).
	xTick func(float64) string
	// yUnit picks the y unit from the largest value.
	yUnit func(max float64) unit
	// logWide: the y axis is logarithmic when the values span more than
	// this factor (0: always when possible).
	logWide float64
	series  []lineSeries
	// ideal, when not nil, is drawn as a grey dotted reference line.
	ideal     func(x float64) float64
	idealName string
	// flagName is the legend entry of the ring drawn around flagged
	// points.
	flagName string
	// refs are horizontal lines across the chart, in y data units.
	refs []refLine
}

// build draws the chart. Values ≤ 0 cannot go on a log axis: points
// there are left out, and error bars reaching far below the lowest point
// are cut at the bottom of the axis.
func (lc lineChart) build() (*Figure, error) {
	lo, hi := lc.yRange()
	u := lc.yUnit(hi)
	p, leg := newPlot(lc.title, lc.xLabel, lc.yWhat+" ("+u.name+")")
	tick := lc.xTick
	if tick == nil {
		tick = intLabel
	}
	var mx axisMap
	if lc.linearX {
		mx = linearXAxis(&p.X, lc.xVals, tick)
	} else {
		mx = logXAxis(&p.X, lc.xVals, tick)
	}
	for _, r := range lc.refs {
		lo, hi = math.Min(lo, r.y), math.Max(hi, r.y)
	}
	my := valueAxis(&p.Y, lo, hi, lc.logWide, u)
	switch {
	case my.tickUnits:
		p.Y.Label.Text = lc.yWhat + " (log scale)"
	case my.log:
		p.Y.Label.Text = lc.yWhat + " (" + u.name + ", log scale)"
	}
	ranges := [4]float64{p.X.Min, p.X.Max, p.Y.Min, p.Y.Max}
	if lc.ideal != nil {
		l, err := seriesStyle{}.line(sample(lc.ideal, mx, my, p.X.Min, p.X.Max), []vg.Length{1, 3})
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = grey(150), 1.2
		p.Add(l)
		leg.Add(lc.idealName, l)
	}
	if err := lc.addRefs(p, leg, my); err != nil {
		return nil, err
	}
	clipped := false
	var flagged plotter.XYs
	for i, s := range lc.series {
		// Dodge series sideways a little so that error bars at the same x
		// stay apart.
		s.dodge = 0.012 * (float64(i) - float64(len(lc.series)-1)/2)
		if lc.series[0].lo == nil {
			s.dodge = 0
		}
		c, err := addSeries(p, leg, s, mx, my)
		if err != nil {
			return nil, err
		}
		clipped = clipped || c
		for j, f := range s.flagged {
			if f && (!my.log || s.pts[j].Y > 0) {
				flagged = append(flagged, plotter.XY{X: mx.to(s.pts[j].X) + s.dodge, Y: my.to(s.pts[j].Y)})
			}
		}
	}
	if len(flagged) > 0 {
		rings, err := plotter.NewScatter(flagged)
		if err != nil {
			return nil, err
		}
		rings.GlyphStyle = draw.GlyphStyle{Color: flagColor, Radius: 7, Shape: ringGlyph{width: 1.6}}
		p.Add(rings)
		leg.Add(lc.flagName, rings)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = ranges[0], ranges[1], ranges[2], ranges[3]
	caption := lc.caption
	if clipped {
		caption += " Error bars that stop at the bottom of the axis reach further down (or through zero): they are cut off."
	}
	return &Figure{Name: lc.name, Title: lc.title, Caption: caption, plot: p, legend: *leg}, nil
}

// flagColor rings flagged points: the page's red for failures.
var flagColor = color.RGBA{0xC6, 0x28, 0x28, 0xff}

// ringGlyph is a ring with a line width of its own (draw.RingGlyph uses
// the canvas's), so that it stands out around a series' marker.
type ringGlyph struct{ width vg.Length }

// DrawGlyph implements draw.GlyphDrawer.
func (g ringGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: g.width})
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.Stroke(p)
}

// addRefs draws the chart's reference lines across the x range.
func (lc lineChart) addRefs(p *plot.Plot, leg *plot.Legend, my axisMap) error {
	for _, r := range lc.refs {
		if my.log && r.y <= 0 {
			continue
		}
		y := my.to(r.y)
		l, err := seriesStyle{}.line(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}}, []vg.Length{8, 3, 2, 3})
		if err != nil {
			return err
		}
		l.Color, l.Width = grey(90), 1.2
		p.Add(l)
		leg.Add(r.name, l)
	}
	return nil
}

// linearXAxis makes a a linear axis over vals with ticks labelled with
// label at whole multiples of a step (1, 2, 5, 10, 15, 30, 60, ...)
// that leaves at most ~12 of them, and half a unit of room beyond the
// first and last value.
func linearXAxis(a *plot.Axis, vals []float64, label func(float64) string) axisMap {
	lo, hi := slices.Min(vals), slices.Max(vals)
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600} {
		if step = s; (hi-lo)/s <= 12 {
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: label(v)})
	}
	a.Tick.Marker = plot.ConstantTicks(ticks)
	a.Min, a.Max = lo-0.5, hi+0.5
	return axisMap{}
}

// yRange is the span of the points and their error bars, leaving out
// bars that reach below a quarter of the lowest point.
func (lc lineChart) yRange() (lo, hi float64) {
	lo, hi = math.Inf(1), 0.0
	for _, s := range lc.series {
		for i, p := range s.pts {
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
			if s.hi != nil {
				hi = math.Max(hi, s.hi[i])
			}
		}
	}
	floor := lo / 4
	for _, s := range lc.series {
		for i := range s.lo {
			if s.lo[i] >= floor {
				lo = math.Min(lo, s.lo[i])
			}
		}
	}
	return lo, hi
}

// addSeries draws one series and reports whether an error bar had to be
// cut at the bottom of the y axis.
func addSeries(p *plot.Plot, leg *plot.Legend, s lineSeries, mx, my axisMap) (clipped bool, err error) {
	var pts plotter.XYs
	var eb errPoints
	for i, q := range s.pts {
		if my.log && q.Y <= 0 {
			continue
		}
		x, y := mx.to(q.X)+s.dodge, my.to(q.Y)
		pts = append(pts, plotter.XY{X: x, Y: y})
		if s.lo != nil {
			low := p.Y.Min // an interval reaching ≤ 0 is cut at the axis
			if !my.log || s.lo[i] > 0 {
				low = math.Max(my.to(s.lo[i]), p.Y.Min)
			}
			clipped = clipped || low == p.Y.Min && s.lo[i] < q.Y
			eb = append(eb, errPoint{x, y, math.Max(y-low, 0), math.Max(my.to(s.hi[i])-y, 0)})
		}
	}
	if len(pts) == 0 {
		return false, nil
	}
	if len(eb) > 0 {
		bars, err := plotter.NewYErrorBars(eb)
		if err != nil {
			return false, err
		}
		bars.Color, bars.Width, bars.CapWidth = s.style.color, 1, 6
		p.Add(bars)
	}
	linePts := pts
	if s.curve != nil {
		linePts = sample(s.curve, mx, my, p.X.Min, p.X.Max)
	}
	l, err := s.style.line(linePts, s.dashes)
	if err != nil {
		return false, err
	}
	marks, err := s.style.points(pts)
	if err != nil {
		return false, err
	}
	p.Add(l, marks)
	leg.Add(s.name, l, marks)
	return clipped, nil
}

// sample evaluates f at 120 points evenly spaced in plot coordinates
// from x0 to x1, leaving out values the y axis cannot show.
func sample(f func(float64) float64, mx, my axisMap, x0, x1 float64) plotter.XYs {
	const n = 120
	var xys plotter.XYs
	for i := range n {
		x := x0 + (x1-x0)*float64(i)/float64(n-1)
		y := f(mx.from(x))
		if math.IsInf(y, 0) || math.IsNaN(y) || (my.log && y <= 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: x, Y: my.to(y)})
	}
	return xys
}

// errPoint is a point with its error bar, as plotter.YErrorBars wants.
type errPoint struct{ x, y, low, high float64 }

type errPoints []errPoint

func (e errPoints) Len() int                        { return len(e) }
func (e errPoints) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e errPoints) YError(i int) (float64, float64) { return e[i].low, e[i].high }

func grey(y uint8) color.Color { return color.Gray{Y: y} }
