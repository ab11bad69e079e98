package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/snbench/snbench/bench/results"
)

// spectrumNines is how far the percentile spectrum reaches: 4 nines, the
// 99.99th percentile.
const spectrumNines = 4

// SpectrumX maps a quantile q in [0, 1) to the percentile spectrum's x
// axis, log10(1/(1-q)): 0 for the median's left end (0%), 1 for 90%, 2
// for 99%, and so on. HdrHistogram plots latency this way so that the
// tail gets as much room as the body.
func SpectrumX(q float64) float64 { return -math.Log10(1 - q) }

func spectrumTicks() plot.ConstantTicks {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}
	var ts plot.ConstantTicks
	for i := 0; i <= spectrumNines; i++ {
		ts = append(ts, plot.Tick{Value: float64(i), Label: labels[i]})
		if i < spectrumNines {
			for m := 2.0; m < 10; m++ { // minor ticks at 20%, 30%, ..., 92%, 93%, ...
				ts = append(ts, plot.Tick{Value: float64(i) + math.Log10(10/(10-m+1))})
			}
		}
	}
	return ts
}

// spectrumPoints samples h's latency at quantiles evenly spaced on the
// spectrum axis.
func spectrumPoints(c *results.Cell) (plotter.XYs, error) {
	h, err := c.Latency.Decode()
	if err != nil {
		return nil, err
	}
	if h.TotalCount() == 0 {
		return nil, nil
	}
	const steps = 200
	var xys plotter.XYs
	for i := 0; i <= steps; i++ {
		x := float64(spectrumNines) * float64(i) / steps
		q := 1 - math.Pow(10, -x)
		if v := h.ValueAtQuantile(100 * q); v > 0 {
			xys = append(xys, plotter.XY{X: x, Y: float64(v)})
		}
	}
	return xys, nil
}

func (fb *figureBuilder) spectrum(sc scale, workers int) (*Figure, error) {
	label := sc.label(fb.res.Plan)
	title := withScale(fmt.Sprintf("Latency by percentile at %d worker%s", workers, plural(workers)), label)
	type series struct {
		t   string
		xys plotter.XYs
	}
	var ss []series
	lo, hi := math.Inf(1), 0.0
	for _, t := range topologiesOf(fb.res) {
		for _, c := range fb.usableSweep(t, sc) {
			if c.Workers != workers {
				continue
			}
			xys, err := spectrumPoints(c)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cellName(fb.res.Plan, c), err)
			}
			if len(xys) == 0 {
				fb.note("%s: empty latency histogram, left out of %q", cellName(fb.res.Plan, c), title)
				continue
			}
			for _, p := range xys {
				lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
			}
			ss = append(ss, series{t, xys})
		}
	}
	if len(ss) == 0 {
		return nil, nil
	}
	u := durationUnit(hi)
	p, leg := newPlot(title, "percentile", "latency ("+u.name+", log scale)")
	p.X.Tick.Marker = spectrumTicks()
	my := valueAxis(&p.Y, lo, hi, 0, u)
	if my.tickUnits {
		p.Y.Label.Text = "latency (log scale)"
	}
	y0, y1 := p.Y.Min, p.Y.Max
	for _, s := range ss {
		for i := range s.xys {
			s.xys[i].Y = my.to(s.xys[i].Y)
		}
		st := fb.styles[s.t]
		l, err := st.line(s.xys, st.dashes)
		if err != nil {
			return nil, err
		}
		marks, err := st.points(everyNth(s.xys, 50)) // a marker per 90%, 99%, ... step
		if err != nil {
			return nil, err
		}
		p.Add(l, marks)
		leg.Add(s.t, l, marks)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, spectrumNines, y0, y1
	return &Figure{Name: name(fmt.Sprintf("spectrum-w%d", workers), sc.slug(fb.res.Plan)), Title: title,
		Caption: "The latency distribution of every task, HdrHistogram style: the x axis is log(1/(1-p)), so " +
			"each step right is ten times rarer (90%, 99%, 99.9%, 99.99%). Beyond 1/count the curve is the maximum.",
		plot: p, legend: *leg}, nil
}

// everyNth returns every nth point of xys.
func everyNth(xys plotter.XYs, n int) plotter.XYs {
	var out plotter.XYs
	for i := 0; i < len(xys); i += n {
		out = append(out, xys[i])
	}
	return out
}
