package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/snbench/snbench/bench/results"
)

// MaxPlottedScales bounds how many scales (combinations of tasks,
// payload, window and batch) get their own set of plots; the tables still
// show every cell.
const MaxPlottedScales = 8

// Figures returns the plots that make sense for res, and notes saying
// which were left out and why. Plots against workers need two or more
// worker counts; MB/s against payload needs two or more payloads. Open
// loop adds latency against the offered rate (with several rates) and
// latency over time; a capacity search draws its outcome against workers
// and its steps against the offered rate, instead of a set of plots per
// step. Failed cells are never plotted.
func Figures(res *results.Results) ([]*Figure, []string, error) {
	fb := &figureBuilder{res: res, styles: map[string]seriesStyle{}}
	for i, t := range topologiesOf(res) {
		fb.styles[t] = styleFor(i)
	}
	fits := map[string]Scaling{}
	for _, s := range Scalings(res) {
		fits[s.Topology+"\x00"+s.Scale] = s
	}
	if err := fb.loadFigures(); err != nil {
		return nil, nil, err
	}
	scales := scalesOf(res)
	if len(res.Capacity) > 0 {
		// Each step of a capacity search is a cell at a rate of its own:
		// the steps are drawn against the offered rate instead.
		scales = nil
	}
	if len(scales) > MaxPlottedScales {
		fb.note("%d scales: plots are drawn for the first %d only; the tables show all", len(scales), MaxPlottedScales)
		scales = scales[:MaxPlottedScales]
	}
	for _, sc := range scales {
		if err := fb.scale(sc, fits); err != nil {
			return nil, nil, err
		}
	}
	if err := fb.payloadSweeps(); err != nil {
		return nil, nil, err
	}
	if g := res.GoTest; g != nil {
		fb.note("go test -bench output has no latency histograms: no latency spectrum%s%s",
			map[bool]string{true: "", false: ", no latency plot"}[g.Has(results.UnitP50) && g.Has(results.UnitP99)],
			map[bool]string{true: "", false: ", no CPU cost plot (no cpu-ns/task metric)"}[g.Has(results.UnitCPU)])
	}
	for i := range res.Cells {
		switch c := &res.Cells[i]; {
		case !usable(c):
			fb.note("%s is left out of the plots: %s", cellName(res.Plan, c), status(c))
		case c.Summary.Throughput.Mean <= 0:
			fb.note("%s is left out of the plots: zero throughput", cellName(res.Plan, c))
		}
	}
	return fb.figs, fb.notes, nil
}

type figureBuilder struct {
	res    *results.Results
	styles map[string]seriesStyle
	figs   []*Figure
	notes  []string
}

func (fb *figureBuilder) note(format string, args ...any) {
	fb.notes = append(fb.notes, fmt.Sprintf(format, args...))
}

func (fb *figureBuilder) add(f *Figure, err error) error {
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if f != nil {
		fb.figs = append(fb.figs, f)
	}
	return nil
}

// usableSweep is topology t's usable cells at scale sc, by workers.
func (fb *figureBuilder) usableSweep(t string, sc scale) []*results.Cell {
	return slices.DeleteFunc(sweep(fb.res, t, sc), func(c *results.Cell) bool {
		return !usable(c) || c.Summary.Throughput.Mean <= 0
	})
}

// scale adds the plots of one scale.
func (fb *figureBuilder) scale(sc scale, fits map[string]Scaling) error {
	label := sc.label(fb.res.Plan)
	workers := workersOf(fb.res, sc)
	switch {
	case len(workers) < 2:
		fb.note("%s: a single worker count (%d), so there are no plots against workers",
			withScale("all topologies", label), workers[0])
	case sc.openLoop():
		fb.note("%s: open loop, so throughput follows the offered rate: no throughput or speedup plot",
			withScale("all topologies", label))
		if err := fb.add(fb.latency(sc, workers)); err != nil {
			return err
		}
	default:
		if err := fb.add(fb.throughput(sc, workers, fits)); err != nil {
			return err
		}
		if err := fb.add(fb.speedup(sc, workers)); err != nil {
			return err
		}
		if err := fb.add(fb.latency(sc, workers)); err != nil {
			return err
		}
	}
	if g := fb.res.GoTest; g != nil {
		// No histograms: no spectrum; CPU only where the lines reported it.
		if !g.Has(results.UnitCPU) {
			return nil
		}
		return fb.add(fb.cpu(sc, workers))
	}
	if w, ok := fb.largestUsable(sc, workers); ok {
		if err := fb.add(fb.spectrum(sc, w)); err != nil {
			return err
		}
	}
	return fb.add(fb.cpu(sc, workers))
}

// largestUsable returns the largest worker count at which some topology
// has a usable cell: the spectrum is drawn there.
func (fb *figureBuilder) largestUsable(sc scale, workers []int) (int, bool) {
	for i := len(workers) - 1; i >= 0; i-- {
		for _, t := range topologiesOf(fb.res) {
			for _, c := range fb.usableSweep(t, sc) {
				if c.Workers == workers[i] {
					return workers[i], true
				}
			}
		}
	}
	return 0, false
}

func name(stem, slug string) string {
	if slug == "" {
		return stem
	}
	return stem + "-" + slug
}

// ciBounds returns the bounds of e's interval, or nil without one.
func ciBounds(e results.Estimate, scale float64) (lo, hi float64, ok bool) {
	if !e.HasCI {
		return 0, 0, false
	}
	return e.Lo * scale, e.Hi * scale, true
}

func (fb *figureBuilder) throughput(sc scale, workers []int, fits map[string]Scaling) (*Figure, error) {
	label := sc.label(fb.res.Plan)
	lc := lineChart{
		name: name("throughput", sc.slug(fb.res.Plan)), title: withScale("Throughput vs workers", label),
		xLabel: "workers (log scale)", yWhat: "throughput", xVals: floats(workers),
		yUnit: func(m float64) unit { return rateUnit(m, "tasks/s") }, logWide: 20,
	}
	fitted := false
	for _, t := range topologiesOf(fb.res) {
		s := lineSeries{name: t, style: fb.styles[t], dashes: fb.styles[t].dashes}
		for _, c := range fb.usableSweep(t, sc) {
			s.addPoint(float64(c.Workers), c.Summary.Throughput, 1)
		}
		if len(s.pts) == 0 {
			continue
		}
		if f := fits[t+"\x00"+label].Fit; f != nil {
			s.curve, fitted = f.X, true
		}
		lc.series = append(lc.series, s)
	}
	if len(lc.series) == 0 {
		return nil, nil
	}
	lc.caption = "Markers: mean throughput over the repetitions; bars: 95% confidence interval."
	if fitted {
		lc.caption += " Lines through markers are Universal Scalability Law fits (see the scaling table);" +
			" a topology with too few points is joined point to point."
	}
	return lc.build()
}

// addPoint adds a measured point, scaling the estimate by k.
func (s *lineSeries) addPoint(x float64, e results.Estimate, k float64) {
	s.pts = append(s.pts, plotter.XY{X: x, Y: e.Mean * k})
	lo, hi, ok := ciBounds(e, k)
	if !ok {
		lo, hi = e.Mean*k, e.Mean*k
	}
	s.lo, s.hi = append(s.lo, lo), append(s.hi, hi)
}

func floats(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func (fb *figureBuilder) speedup(sc scale, workers []int) (*Figure, error) {
	lc := lineChart{
		name: name("speedup", sc.slug(fb.res.Plan)), title: withScale("Speedup over 1 worker", sc.label(fb.res.Plan)),
		xLabel: "workers (log scale)", yWhat: "speedup", xVals: floats(workers),
		yUnit: func(float64) unit { return unit{div: 1, name: "×"} }, logWide: 0,
		ideal: func(x float64) float64 { return x }, idealName: "linear (ideal)",
	}
	for _, t := range topologiesOf(fb.res) {
		cells := fb.usableSweep(t, sc)
		if len(cells) < 2 || cells[0].Workers != 1 {
			continue
		}
		base := cells[0].Summary.Throughput
		s := lineSeries{name: t, style: fb.styles[t], dashes: fb.styles[t].dashes}
		for _, c := range cells {
			e := c.Summary.Throughput
			sp := e.Mean / base.Mean
			rel := math.Hypot(e.RelCI(), base.RelCI())
			if c.Workers == 1 {
				rel = 0
			}
			s.pts = append(s.pts, plotter.XY{X: float64(c.Workers), Y: sp})
			s.lo, s.hi = append(s.lo, sp*(1-rel)), append(s.hi, sp*(1+rel))
		}
		lc.series = append(lc.series, s)
	}
	if len(lc.series) == 0 {
		fb.note("%s: no topology has a usable 1-worker cell, so there is no speedup plot",
			withScale("speedup", sc.label(fb.res.Plan)))
		return nil, nil
	}
	lc.caption = "Throughput over the same topology's 1-worker throughput; the dotted line is perfect " +
		"linear scaling. Where a line bends away from it, adding workers stops paying. Bars: approximate 95% CI."
	if !acrossTopologies(fb.res) {
		lc.caption = strings.Replace(lc.caption, "same topology's 1-worker", "same benchmark's -cpu 1", 1)
	}
	return lc.build()
}

func (fb *figureBuilder) latency(sc scale, workers []int) (*Figure, error) {
	if g := fb.res.GoTest; g != nil && !(g.Has(results.UnitP50) && g.Has(results.UnitP99)) {
		return nil, nil // said once, in Figures
	}
	lc := lineChart{
		name: name("latency", sc.slug(fb.res.Plan)), title: withScale("Latency p50 and p99 vs workers", sc.label(fb.res.Plan)),
		xLabel: "workers (log scale)", yWhat: "latency", xVals: floats(workers),
		yUnit: durationUnit, logWide: 0,
	}
	skipped := 0
	for _, t := range topologiesOf(fb.res) {
		st := fb.styles[t]
		p50 := lineSeries{name: t + " p50", style: st}
		p99 := lineSeries{name: t + " p99", style: st, dashes: []vg.Length{6, 3}}
		for _, c := range fb.usableSweep(t, sc) {
			l := c.Summary.Latency
			if l.P50 <= 0 || l.P99 <= 0 {
				skipped++
				continue
			}
			p50.pts = append(p50.pts, plotter.XY{X: float64(c.Workers), Y: float64(l.P50)})
			p99.pts = append(p99.pts, plotter.XY{X: float64(c.Workers), Y: float64(l.P99)})
		}
		if len(p50.pts) > 0 {
			lc.series = append(lc.series, p50, p99)
		}
	}
	if skipped > 0 {
		fb.note("%s: %d cell(s) without latency figures left out", lc.title, skipped)
	}
	if len(lc.series) == 0 {
		return nil, nil
	}
	lc.caption = "Latency from submitting a batch (before Fill) to its verified result, which every task of the batch " +
		"carries (HDR histograms merged over the repetitions). Solid: median; dashed: 99th percentile. Log scale."
	if fb.res.GoTest != nil {
		lc.caption = "Latency as the go test lines reported it: the medians over the repetitions of p50-ns (solid) and " +
			"p99-ns (dashed). Log scale."
	}
	return lc.build()
}
