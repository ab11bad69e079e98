package reports

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot/plotter"

	"github.com/snbench/snbench/bench/results"
)

// timeKey is one open-loop scale: a rate group at one offered rate.
type timeKey struct {
	g    rateGroup
	rate int
}

// seriesOf returns the first repetition of c that has a per-second
// series, and its index.
func seriesOf(c *results.Cell) ([]results.Second, int) {
	for i, r := range c.Reps {
		if r.Load != nil && len(r.Load.Series) > 0 {
			return r.Load.Series, i
		}
	}
	return nil, -1
}

// timeScale picks the scale of the latency-over-time plot: the one the
// most topologies have a usable per-second series at, then the one with
// the fewest cells flagged unreliable (a saturated cell's series is a
// ramp that hides everything else), then the largest worker count, then
// the highest offered rate (where stalls and queues show most).
func (fb *figureBuilder) timeScale() (timeKey, bool) {
	type score struct{ cells, reliable int }
	scores := map[timeKey]score{}
	var keys []timeKey
	for i := range fb.res.Cells {
		c := &fb.res.Cells[i]
		if s, _ := seriesOf(c); c.Rate == 0 || !usable(c) || s == nil {
			continue
		}
		k := timeKey{rateGroupOf(c), c.Rate}
		if _, ok := scores[k]; !ok {
			keys = append(keys, k)
		}
		s := scores[k]
		s.cells++
		if !unreliable(c) {
			s.reliable++
		}
		scores[k] = s
	}
	if len(keys) == 0 {
		return timeKey{}, false
	}
	better := func(k, b timeKey) bool {
		sk, sb := scores[k], scores[b]
		switch {
		case sk.cells != sb.cells:
			return sk.cells > sb.cells
		case sk.reliable != sb.reliable:
			return sk.reliable > sb.reliable
		case k.g.workers != b.g.workers:
			return k.g.workers > b.g.workers
		}
		return k.rate > b.rate
	}
	best := keys[0]
	for _, k := range keys[1:] {
		if better(k, best) {
			best = k
		}
	}
	return best, true
}

// overTime draws one repetition's latency second by second, p50, p99 and
// max per topology, at one open-loop scale (see timeScale): warm-up,
// stalls and queues that build up show here and are averaged away
// elsewhere.
func (fb *figureBuilder) overTime() (*Figure, error) {
	if len(fb.res.Plan.Rate) == 0 || len(fb.res.Capacity) > 0 {
		return nil, nil
	}
	k, ok := fb.timeScale()
	if !ok {
		fb.note("no open-loop cell has a per-second series, so there is no latency-over-time plot")
		return nil, nil
	}
	label, slug := fb.groupLabel(k.g)
	label += ", " + compactRate(float64(k.rate)) + " tasks/s offered"
	lc := lineChart{
		name:  name(fmt.Sprintf("latency-time-w%d-rate%d", k.g.workers, k.rate), slug),
		title: "Latency over time (" + label + ")", linearX: true,
		xLabel: "second of the repetition", yWhat: "latency", yUnit: durationUnit, logWide: 0,
	}
	rep, seconds := -1, 0
	for _, t := range topologiesOf(fb.res) {
		for i := range fb.res.Cells {
			c := &fb.res.Cells[i]
			series, r := seriesOf(c)
			if c.Topology != t || c.Rate != k.rate || rateGroupOf(c) != k.g || !usable(c) || series == nil {
				continue
			}
			rep = max(rep, r)
			st := fb.styles[t]
			ss := []lineSeries{{name: t + " p50", style: st, dashes: dashP50}, {name: t + " p99", style: st, dashes: dashP99},
				{name: t + " max", style: st, dashes: dashP999}}
			for _, s := range series {
				seconds = max(seconds, s.T+1)
				if s.Count == 0 {
					continue
				}
				for i, v := range []int64{s.P50, s.P99, s.Max} {
					ss[i].pts = append(ss[i].pts, plotter.XY{X: float64(s.T), Y: float64(v)})
				}
				if !slices.Contains(lc.xVals, float64(s.T)) {
					lc.xVals = append(lc.xVals, float64(s.T))
				}
			}
			if len(ss[0].pts) > 0 {
				lc.series = append(lc.series, ss...)
			}
			break
		}
	}
	if len(lc.series) == 0 {
		return nil, nil
	}
	slices.Sort(lc.xVals)
	which := "the first repetition"
	if rep > 0 {
		which = fmt.Sprintf("repetition %d", rep+1)
	}
	lc.caption = fmt.Sprintf("Corrected latency (from each task's scheduled send time) of the tasks that completed in "+
		"each second of %s of each topology. Solid: median; dashed: 99th percentile; dotted: maximum. A high "+
		"first second is warm-up, a spike a stall, and a line that keeps climbing a queue that grows because the "+
		"topology cannot keep up. The last second may be partial. results.json holds the series of every cell.", which)
	if seconds < 3 {
		fb.note("%s: the repetitions lasted about %ds, so the latency-over-time plot has %d point%s per line; "+
			"a longer --duration (10s, say) shows warm-up and stalls", label, seconds, seconds, plural(seconds))
	}
	return lc.build()
}
