package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure sizes. PNGs are drawn at PNGDPI, so a figure is
// PlotWidth/vg.Inch*PNGDPI pixels wide (rounded).
const (
	PlotWidth  = 18 * vg.Centimeter
	PlotHeight = 10.5 * vg.Centimeter
	PNGDPI     = 144
)

// Figure is one plot of a report, ready to render. A Figure is not safe
// for concurrent use: render it from one goroutine at a time.
type Figure struct {
	// Name is the file name stem ("throughput", "latency-payload4").
	Name string
	// Title is the plot's title; Caption says how to read it.
	Title, Caption string

	plot   *plot.Plot
	legend plot.Legend
}

// WritePNG renders f as a PNG image.
func (f *Figure) WritePNG(w io.Writer) error {
	c := vgimg.NewWith(vgimg.UseWH(PlotWidth, PlotHeight), vgimg.UseDPI(PNGDPI))
	f.draw(c)
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("plot %s: png: %w", f.Name, err)
	}
	return nil
}

// WriteSVG renders f as a standalone SVG document. Its text names the
// Liberation Sans font with generic fallbacks instead of embedding it.
func (f *Figure) WriteSVG(w io.Writer) error {
	c := vgsvg.New(PlotWidth, PlotHeight)
	f.draw(c)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return fmt.Errorf("plot %s: svg: %w", f.Name, err)
	}
	_, err := w.Write(fontFallback(b.Bytes()))
	return err
}

// fontFallback lets a viewer without Liberation Sans use a similar font.
func fontFallback(svg []byte) []byte {
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
}

// draw draws the plot with its legend to the right of the data, so that
// the legend never hides a point.
func (f *Figure) draw(c vg.CanvasSizer) {
	dc := draw.New(c)
	var lw vg.Length
	if r := f.legend.Rectangle(dc); r.Size().X > 0 {
		lw = r.Size().X + 10
	}
	f.plot.Draw(draw.Crop(dc, 0, -lw, 0, 0))
	if lw > 0 {
		top := -(f.plot.Title.TextStyle.Height(f.plot.Title.Text) + f.plot.Title.Padding + 6)
		f.legend.Draw(draw.Crop(dc, dc.Size().X-lw+4, 0, 0, top))
	}
}

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot styled for reports: sans-serif text at sizes
// that stay readable at the default figure size, a light grid, and a
// legend (drawn outside the data area by Figure).
func newPlot(title, xLabel, yLabel string) (*plot.Plot, *plot.Legend) {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.Title.Padding = 6
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 10)
		a.Padding = 4
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, 10)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = 28
	l.Padding = 3
	return p, &l
}

// seriesStyle is how one series (a topology) is drawn: colour-blind-safe
// colours (Okabe-Ito), and markers and dash patterns that stay distinct
// in greyscale.
type seriesStyle struct {
	color  color.Color
	shape  draw.GlyphDrawer
	dashes []vg.Length
}

func styleFor(i int) seriesStyle {
	colors := []color.Color{
		color.RGBA{0x00, 0x72, 0xB2, 0xff}, // blue
		color.RGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
		color.RGBA{0x00, 0x9E, 0x73, 0xff}, // bluish green
		color.RGBA{0x00, 0x00, 0x00, 0xff}, // black
		color.RGBA{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
		color.RGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
		color.RGBA{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
		draw.CrossGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.PlusGlyph{}}
	dashes := [][]vg.Length{nil, {6, 3}, {2, 2}, {8, 3, 2, 3}, {12, 4}, {4, 2, 1, 2, 1, 2}, {1, 3}}
	return seriesStyle{colors[i%len(colors)], shapes[i%len(shapes)], dashes[i%len(dashes)]}
}

func (s seriesStyle) line(xys plotter.XYs, dashed []vg.Length) (*plotter.Line, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width, l.Dashes = s.color, 1.6, dashed
	return l, nil
}

func (s seriesStyle) points(xys plotter.XYs) (*plotter.Scatter, error) {
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: 3.5, Shape: s.shape}
	return sc, nil
}

// axisMap maps data values to plot coordinates. gonum's own LogScale
// panics on values ≤ 0 and mis-places the label of a log axis when sizing
// the plot, so log axes here are linear axes over log10 of the data, with
// ticks labelled in data units.
type axisMap struct {
	log bool
	// tickUnits is set when each tick label names its unit, so the axis
	// label should not (see unit.dur).
	tickUnits bool
}

func (m axisMap) to(v float64) float64 {
	if m.log {
		return math.Log10(v)
	}
	return v
}

func (m axisMap) from(v float64) float64 {
	if m.log {
		return math.Pow(10, v)
	}
	return v
}

// logXAxis makes a a log axis with ticks exactly at vals (labelled with
// label) and a little room beyond the first and last; vals must be > 0.
func logXAxis(a *plot.Axis, vals []float64, label func(float64) string) axisMap {
	m := axisMap{log: true}
	lo, hi := math.Inf(1), math.Inf(-1)
	var ticks []plot.Tick
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		ticks = append(ticks, plot.Tick{Value: m.to(v), Label: label(v)})
	}
	// Label at most ~12 ticks; the others stay as unlabelled marks.
	if step := (len(ticks) + 11) / 12; step > 1 {
		for i := range ticks {
			if i%step != 0 && i != len(ticks)-1 {
				ticks[i].Label = ""
			}
		}
	}
	a.Tick.Marker = plot.ConstantTicks(ticks)
	pad := math.Max(math.Pow(hi/lo, 0.04), 1.15)
	a.Min, a.Max = m.to(lo/pad), m.to(hi*pad)
	return m
}

func intLabel(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// unit is a scale for an axis: values are divided by div and the axis
// label names the unit.
type unit struct {
	div  float64
	name string
	// dur marks a duration unit (values in ns): over a log axis spanning
	// more than three decades each tick names its own unit instead.
	dur bool
}

// durationUnit picks ns, µs, ms or s for values up to maxNS.
func durationUnit(maxNS float64) unit {
	switch {
	case maxNS >= 1e9:
		return unit{1e9, "s", true}
	case maxNS >= 1e6:
		return unit{1e6, "ms", true}
	case maxNS >= 1e3:
		return unit{1e3, "µs", true}
	}
	return unit{1, "ns", true}
}

// durationTick labels a duration tick with its own unit: "200µs", "1s".
func durationTick(ns float64) string {
	u := durationUnit(ns * 1.0000001) // 1e6 is "1ms", not "1000µs"
	return strconv.FormatFloat(ns/u.div, 'g', 4, 64) + u.name
}

// rateUnit picks a multiplier prefix (k, M, G) for values up to max.
func rateUnit(max float64, what string) unit {
	switch {
	case max >= 1e9:
		return unit{div: 1e9, name: "G " + what}
	case max >= 1e6:
		return unit{div: 1e6, name: "M " + what}
	case max >= 1e3:
		return unit{div: 1e3, name: "k " + what}
	}
	return unit{div: 1, name: what}
}

// logTicks returns ticks for a log axis (in log10 coordinates): major
// ticks at 1, 2 and 5 times powers of ten (just powers of ten over a wide
// range), labelled in u, with minor ticks between.
func logTicks(u unit) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		if !(hi > lo) {
			return nil
		}
		major := map[float64]bool{1: true, 2: true, 5: true}
		if hi-lo > 4 {
			major = map[float64]bool{1: true}
		}
		var ticks []plot.Tick
		for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
			for m := 1.0; m < 10; m++ {
				v := m * math.Pow(10, e)
				lv := math.Log10(v)
				if lv < lo-1e-9 || lv > hi+1e-9 {
					continue
				}
				t := plot.Tick{Value: lv}
				switch {
				case major[m] && u.dur && hi-lo > 3:
					t.Label = durationTick(v)
				case major[m]:
					t.Label = strconv.FormatFloat(v/u.div, 'g', 4, 64)
				}
				ticks = append(ticks, t)
			}
		}
		return ticks
	})
}

// linearTicks labels gonum's default ticks in u.
func linearTicks(u unit) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = strconv.FormatFloat(ts[i].Value/u.div, 'g', 4, 64)
			}
		}
		return ts
	})
}

// valueAxis sets up a value axis for data between lo and hi: logarithmic
// when lo > 0 and the values span more than a factor of wide (0: always),
// otherwise linear from zero.
func valueAxis(a *plot.Axis, lo, hi, wide float64, u unit) axisMap {
	if lo > 0 && hi/lo > wide {
		m := axisMap{log: true}
		a.Min, a.Max = m.to(lo/1.25), m.to(hi*1.25)
		a.Tick.Marker = logTicks(u)
		m.tickUnits = u.dur && a.Max-a.Min > 3
		return m
	}
	a.Min, a.Max = 0, hi*1.08
	a.Tick.Marker = linearTicks(u)
	return axisMap{}
}
