package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// Caveats on comparisons. A cell's own caveats (lost tasks, a single
// repetition, an interval wider than ±50%) are stored with the results.
// The ones here are about two cells at once, so reports derive them from
// the results: they say where the table's ratios rest on an order that
// the measurements do not establish.
//
// The rule, everywhere: the order of two throughputs is established when
// both have a 95% interval (two or more repetitions) and the intervals do
// not overlap. It is the rule a reader can check in the table, and it is
// conservative: two intervals that overlap a little can still differ by
// a t-test, but two that do not overlap always do.

// tieMark follows a speedup, efficiency or "vs best" figure whose
// comparison is not established (see Row.SpeedupTied and Row.BestTied).
const tieMark = "?"

// tieLegend explains tieMark under a table that shows it.
const tieLegend = tieMark + ": not established, the 95% intervals overlap or one is missing " +
	"(speedup, efficiency: against the 1-worker cell; vs best: against the fastest at this scale)"

// tieLegendOf is tieLegend for res: without "vs best" where its
// topologies do not compare (see acrossTopologies).
func tieLegendOf(res *results.Results) string {
	if acrossTopologies(res) {
		return tieLegend
	}
	return tieMark + ": not established, the 95% intervals overlap or one is missing (speedup, efficiency: against the 1-worker cell)"
}

// distinct reports whether a and b both have a 95% interval and the
// intervals do not overlap: only then is their order established.
func distinct(a, b results.Estimate) bool {
	return a.HasCI && b.HasCI && (a.Hi < b.Lo || b.Hi < a.Lo)
}

// overlapping reports whether cells a and b both have intervals and the
// intervals overlap. A missing interval is the cell's own caveat, so it
// makes no note of a pair.
func overlapping(a, b *results.Cell) bool {
	if a == nil || b == nil {
		return false
	}
	x, y := a.Summary.Throughput, b.Summary.Throughput
	return x.HasCI && y.HasCI && !distinct(x, y)
}

// comparable reports whether a cell's throughput takes part in speedup
// and "vs best": usable and closed loop.
func comparable(c *results.Cell) bool { return c != nil && usable(c) && c.Rate == 0 }

// markTies sets SpeedupTied and BestTied on rows (see Row).
func markTies(rows []Row) {
	type group struct {
		sc      scale
		workers int
	}
	type sweepKey struct {
		topo string
		sc   scale
	}
	one := map[sweepKey]*results.Cell{}
	groups := map[group][]*results.Cell{}
	for _, r := range rows {
		if c := r.Cell; comparable(c) {
			if c.Workers == 1 {
				one[sweepKey{c.Topology, scaleOf(c)}] = c
			}
			g := group{scaleOf(c), c.Workers}
			groups[g] = append(groups[g], c)
		}
	}
	for i := range rows {
		r := &rows[i]
		c := r.Cell
		if !comparable(c) {
			continue
		}
		if base := one[sweepKey{c.Topology, scaleOf(c)}]; base != nil && c.Workers != 1 && !math.IsNaN(r.Speedup) {
			r.SpeedupTied = !distinct(base.Summary.Throughput, c.Summary.Throughput)
		}
		if !math.IsNaN(r.VsBest) {
			r.BestTied = tiedWithBest(c, groups[group{scaleOf(c), c.Workers}])
		}
	}
}

// tiedWithBest reports whether c cannot be told from the fastest of cs
// (its scale and worker count): for the fastest itself, whether any other
// cannot be told from it. A cell alone at its scale is not tied.
func tiedWithBest(c *results.Cell, cs []*results.Cell) bool {
	var best *results.Cell
	for _, x := range cs {
		if best == nil || x.Summary.Throughput.Mean > best.Summary.Throughput.Mean {
			best = x
		}
	}
	if best != c {
		return !distinct(best.Summary.Throughput, c.Summary.Throughput)
	}
	for _, x := range cs {
		if x != c && !distinct(x.Summary.Throughput, c.Summary.Throughput) {
			return true
		}
	}
	return false
}

// marked appends tieMark to s when tied.
func marked(s string, tied bool) string {
	if tied && s != "-" {
		return s + tieMark
	}
	return s
}

// tieNotes returns one line for each comparison the table suggests and
// the intervals do not establish: per scale and worker counts, the pairs
// of topologies whose intervals overlap there, on one line; then the
// topologies whose intervals at N workers overlap their 1-worker cell's,
// on one line per scale; and tieLegend when rows carry tieMark.
func tieNotes(res *results.Results) []string {
	var out []string
	topos := topologiesOf(res)
	for _, sc := range scalesOf(res) {
		if sc.openLoop() {
			continue
		}
		in := inScale(sc.label(res.Plan))
		var order []string
		pairs := map[string][]string{} // worker list -> "a and b"
		for i, a := range topos {
			if !acrossTopologies(res) {
				break // different benchmarks: no order between them to establish
			}
			for _, b := range topos[i+1:] {
				var ws []int
				for _, w := range workersOf(res, sc) {
					if ca, cb := cellIn(res, a, sc, w), cellIn(res, b, sc, w); comparable(ca) && comparable(cb) && overlapping(ca, cb) {
						ws = append(ws, w)
					}
				}
				if len(ws) == 0 {
					continue
				}
				k := workersList(ws)
				if _, ok := pairs[k]; !ok {
					order = append(order, k)
				}
				pairs[k] = append(pairs[k], a+" and "+b)
			}
		}
		for _, k := range order {
			ps := pairs[k]
			if len(ps) == 1 {
				out = append(out, fmt.Sprintf("%s at %s%s: order not established, their 95%% intervals overlap", ps[0], k, in))
				continue
			}
			out = append(out, fmt.Sprintf("order not established at %s%s, the 95%% intervals overlap: %s", k, in, strings.Join(ps, "; ")))
		}
		var speedups []string
		var only string
		for _, t := range topos {
			if ws := speedupTies(res, t, sc); len(ws) > 0 {
				speedups = append(speedups, t+" at "+workersList(ws))
				only = fmt.Sprintf("%s: no speedup established at %s", t, workersList(ws))
			}
		}
		switch len(speedups) {
		case 0:
		case 1:
			out = append(out, only+in+": the 95% intervals overlap the 1-worker cell's")
		default:
			out = append(out, "no speedup established"+in+", the 95% intervals overlap the 1-worker cell's: "+strings.Join(speedups, "; "))
		}
	}
	for _, r := range Rows(res) {
		if r.SpeedupTied || r.BestTied {
			return append(out, tieLegendOf(res))
		}
	}
	return out
}

// speedupTies returns the worker counts of t's sweep at sc whose
// intervals overlap the 1-worker cell's.
func speedupTies(res *results.Results, t string, sc scale) []int {
	base := cellIn(res, t, sc, 1)
	if !comparable(base) {
		return nil
	}
	var ws []int
	for _, c := range sweep(res, t, sc) {
		if c.Workers > 1 && comparable(c) && overlapping(base, c) {
			ws = append(ws, c.Workers)
		}
	}
	return ws
}

// cellIn returns topology t's first cell at scale sc and w workers, or nil.
func cellIn(res *results.Results, t string, sc scale, w int) *results.Cell {
	for _, c := range sweep(res, t, sc) {
		if c.Workers == w {
			return c
		}
	}
	return nil
}

// workersList formats worker counts: "1 worker", "2 and 4 workers",
// "2, 4 and 8 workers".
func workersList(ws []int) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = fmt.Sprint(w)
	}
	list := s[0]
	if n := len(s); n > 1 {
		list = strings.Join(s[:n-1], ", ") + " and " + s[n-1]
	}
	return list + " worker" + plural(ws[len(ws)-1])
}
