package reports

import (
	"cmp"
	"fmt"
	"slices"

	"gonum.org/v1/plot/plotter"

	"github.com/snbench/snbench/bench/results"
)

// capGroup is a capacity search's scale other than workers.
type capGroup struct{ payload, window, batch int }

func capGroupOf(c *results.Capacity) capGroup { return capGroup{c.Payload, c.Window, c.Batch} }

// loadFigures adds the plots of open-loop runs and capacity searches: the
// maximum sustainable rate against workers, latency against the offered
// rate, and latency over time.
func (fb *figureBuilder) loadFigures() error {
	var groups []capGroup
	for i := range fb.res.Capacity {
		if g := capGroupOf(&fb.res.Capacity[i]); !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		if err := fb.add(fb.capacity(g)); err != nil {
			return err
		}
	}
	if err := fb.rateSweeps(); err != nil {
		return err
	}
	return fb.add(fb.overTime())
}

// capLabel names a capacity group by the axes that vary ("payload=4"),
// and gives the file name suffix.
func (fb *figureBuilder) capLabel(g capGroup) (label, slug string) {
	p := fb.res.Plan
	p.Rate, p.Tasks = nil, []int{0}
	s := scale{payload: g.payload, window: g.window, batch: g.batch}
	return s.label(p), s.slug(p)
}

// capacity draws the maximum sustainable rate each topology's capacity
// search found against workers.
func (fb *figureBuilder) capacity(g capGroup) (*Figure, error) {
	label, slug := fb.capLabel(g)
	p := fb.res.Plan
	what := "Max sustainable rate vs workers"
	if p.SLO != "" {
		what = "Max sustainable rate at " + p.SLO + " vs workers"
	}
	lc := lineChart{
		name: name("capacity", slug), title: withScale(what, label),
		xLabel: "workers (log scale)", yWhat: "max sustainable rate", logWide: 20,
		yUnit:    func(m float64) unit { return rateUnit(m, "tasks/s") },
		flagName: "search stopped early",
	}
	var caps []*results.Capacity
	for i := range fb.res.Capacity {
		if c := &fb.res.Capacity[i]; capGroupOf(c) == g {
			caps = append(caps, c)
			if !slices.Contains(lc.xVals, float64(c.Workers)) {
				lc.xVals = append(lc.xVals, float64(c.Workers))
			}
		}
	}
	slices.Sort(lc.xVals)
	slices.SortStableFunc(caps, func(a, b *results.Capacity) int { return cmp.Compare(a.Workers, b.Workers) })
	stopped := false
	for _, t := range topologiesOf(fb.res) {
		s := lineSeries{name: t, style: fb.styles[t], dashes: fb.styles[t].dashes}
		for _, c := range caps {
			switch {
			case c.Topology != t:
			case c.MaxRate <= 0:
				fb.note("%s workers=%d: even the first capacity step failed, so it is not on the capacity plot",
					withScale(t, label), c.Workers)
			default:
				s.pts = append(s.pts, plotter.XY{X: float64(c.Workers), Y: float64(c.MaxRate)})
				s.flagged = append(s.flagged, c.Error != "")
				stopped = stopped || c.Error != ""
			}
		}
		if len(s.pts) > 0 {
			lc.series = append(lc.series, s)
		}
	}
	if len(lc.series) == 0 {
		return nil, nil
	}
	search := results.DefaultSearch()
	if p.Search != nil {
		search = *p.Search
	}
	lc.caption = fmt.Sprintf("The highest offered rate at which each topology passed its capacity step: every result "+
		"verified, at least %.0f%% of the offered rate achieved", 100*search.MinAchieved)
	if p.SLO != "" {
		lc.caption += " and the SLO (" + p.SLO + ") held"
	}
	lc.caption += fmt.Sprintf(". The search doubles the offered rate from %s tasks/s, then bisects until the last "+
		"good and first bad rates are within %.0f%%: the true limit lies that close above each point.",
		compactRate(float64(search.Start)), 100*search.Precision)
	if stopped {
		lc.caption += " Ringed points are searches that stopped early (see the capacity table): a lower bound."
	}
	return lc.build()
}
