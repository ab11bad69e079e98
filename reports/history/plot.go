package history

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/snbench/snbench/reports/compare"
)

// PlotOptions configures Plot.
type PlotOptions struct {
	// Changes finds the change points to mark; its Metrics choose the
	// charts (empty: every unit except the compare.Redundant ones).
	Changes ChangeOptions
	// Formats are the image formats to write, by file extension; empty
	// means png and svg.
	Formats []string
}

// PlotResult is what Plot wrote and found.
type PlotResult struct {
	Files []string
	// Changes are the change points marked, exactly those Changes finds;
	// nil where the history is too short to hold one (see Warnings).
	Changes  *ChangesResult
	Warnings []string
}

// Plot draws one trend chart per benchmark and metric across entries (in
// file order): the median of each entry's repetitions with its 95%
// interval (or range), and the change points that Changes finds marked at
// their first entry, regressions in red, improvements in green, changes
// of unknown direction in grey. It writes each chart in every format to
// dir. A history too short for change points is charted without marks.
func Plot(ctx context.Context, entries []Entry, dir string, opt PlotOptions) (*PlotResult, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("history plot: no entries")
	}
	formats := opt.Formats
	if len(formats) == 0 {
		formats = []string{"png", "svg"}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("history plot: %w", err)
	}
	res := &PlotResult{}
	sets := make([]*compare.Set, len(entries))
	for i, e := range entries {
		sets[i] = e.Set()
	}
	marks := map[[2]string]map[int]Change{} // benchmark, unit -> entry index -> change
	changes, err := Changes(ctx, entries, opt.Changes)
	switch {
	case errors.Is(err, ErrTooFewEntries):
		res.Warnings = append(res.Warnings, err.Error()+": charted without change points")
	case err != nil:
		return nil, err
	default:
		res.Changes = changes
		res.Warnings = append(res.Warnings, changes.Warnings...)
		for _, c := range changes.Changes {
			k := [2]string{c.Benchmark, c.Unit}
			if marks[k] == nil {
				marks[k] = map[int]Change{}
			}
			marks[k][c.Entry-1] = c
		}
	}
	for _, k := range chartKeys(sets, opt.Changes.Metrics) {
		p, err := trendChart(entries, sets, k[0], k[1], marks[k])
		if err != nil {
			return nil, err
		}
		base := filepath.Join(dir, fileName(k[0], k[1]))
		for _, f := range formats {
			file := base + "." + f
			if err := p.Save(20*vg.Centimeter, 11*vg.Centimeter, file); err != nil {
				return nil, fmt.Errorf("history plot: %s: %w", file, err)
			}
			res.Files = append(res.Files, file)
		}
	}
	return res, nil
}

// chartKeys lists the benchmark and unit pairs to chart, in order of first
// appearance.
func chartKeys(sets []*compare.Set, metrics []string) [][2]string {
	var want []string
	for _, m := range metrics {
		if u, err := compare.ResolveMetric(m); err == nil {
			want = append(want, u)
		}
	}
	var keys [][2]string
	seen := map[[2]string]bool{}
	for _, s := range sets {
		for _, b := range s.Benchmarks {
			for _, u := range b.Units {
				switch {
				case len(want) > 0 && !slices.Contains(want, u):
					continue
				case len(want) == 0 && compare.Redundant(b, u):
					continue
				}
				k := [2]string{b.Name, u}
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	return keys
}

// trendChart draws one benchmark's metric across the entries.
func trendChart(entries []Entry, sets []*compare.Set, name, unit string, marks map[int]Change) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = name
	p.X.Label.Text = "commit"
	p.Y.Label.Text = unit + " (" + betterWords(sets[len(sets)-1].Better(unit)) + ")"
	var pts plotter.XYs
	var errs plotter.YErrors
	for i, s := range sets {
		b := s.Lookup(name)
		if b == nil || len(b.Samples[unit]) == 0 {
			continue
		}
		xs := slices.Clone(b.Samples[unit])
		sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(xs, &benchmath.DefaultThresholds), 0.95)
		lo, hi := sum.Lo, sum.Hi
		if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			lo, hi = xs[0], xs[len(xs)-1] // sorted by NewSample: the range
		}
		pts = append(pts, plotter.XY{X: float64(i), Y: sum.Center})
		errs = append(errs, struct{ Low, High float64 }{sum.Center - lo, hi - sum.Center})
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("history plot: %s %s: no data", name, unit)
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, fmt.Errorf("history plot: %s %s: %w", name, unit, err)
	}
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err != nil {
		return nil, fmt.Errorf("history plot: %s %s: %w", name, unit, err)
	}
	p.Add(plotter.NewGrid(), line, points, bars)
	for _, m := range []struct {
		verdict string
		col     color.Color
		shape   draw.GlyphDrawer
	}{
		{VerdictRegression, color.RGBA{R: 220, A: 255}, draw.PyramidGlyph{}},
		{VerdictImprovement, color.RGBA{G: 160, A: 255}, draw.CircleGlyph{}},
		{VerdictChange, color.Gray{Y: 110}, draw.SquareGlyph{}},
	} {
		var at plotter.XYs
		for _, pt := range pts {
			if mk, ok := marks[int(pt.X)]; ok && mk.Verdict == m.verdict {
				at = append(at, pt)
			}
		}
		if len(at) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(at)
		if err != nil {
			return nil, fmt.Errorf("history plot: %s %s: %w", name, unit, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: m.col, Radius: vg.Points(5), Shape: m.shape}
		p.Add(sc)
		p.Legend.Add(m.verdict+" (change point)", sc)
	}
	p.Legend.Top = true
	p.X.Min, p.X.Max = -0.5, float64(len(entries))-0.5
	p.X.Tick.Marker = commitTicks(entries)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.Y.Tick.Marker = scaledTicks{class: benchunit.ClassOf(unit)}
	return p, nil
}

// commitTicks labels at most about 12 entries with their titles.
func commitTicks(entries []Entry) plot.TickerFunc {
	return func(_, _ float64) []plot.Tick {
		step := max(1, (len(entries)+11)/12)
		var ticks []plot.Tick
		for i := range entries {
			label := ""
			if i%step == 0 || i == len(entries)-1 {
				label = entries[i].Title()
			}
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: label})
		}
		return ticks
	}
}

// scaledTicks labels a value axis with SI prefixes, as benchstat prints.
type scaledTicks struct{ class benchunit.Class }

// Ticks returns gonum's default ticks with benchunit labels.
func (t scaledTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	var vals []float64
	for _, tk := range ticks {
		if tk.Label != "" {
			vals = append(vals, tk.Value)
		}
	}
	if len(vals) == 0 {
		return ticks
	}
	sc := benchunit.CommonScale(vals, t.class)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = sc.Format(ticks[i].Value)
		}
	}
	return ticks
}

func betterWords(b int) string {
	switch b {
	case 1:
		return "higher is better"
	case -1:
		return "lower is better"
	}
	return "better direction unknown"
}

// fileName makes a file name of a benchmark and unit, short enough for
// any file system.
func fileName(name, unit string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '=':
				return r
			}
			return '_'
		}, s)
	}
	f := clean(name) + "__" + clean(strings.ReplaceAll(unit, "/", "-per-"))
	if len(f) > 180 {
		h := fnv.New32a()
		h.Write([]byte(f))
		f = fmt.Sprintf("%s_%08x", f[:170], h.Sum32())
	}
	return f
}
