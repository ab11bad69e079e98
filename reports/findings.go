package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// Findings returns the report's headline in plain sentences: which
// topology is fastest at each scale and by how much, where each topology
// stops scaling, how many cells failed or carry warnings, and which
// speedups are beyond the machine.
func Findings(res *results.Results) []string {
	var out []string
	if p := problemCount(res); p != "" {
		out = append(out, p)
	}
	if len(topologiesOf(res)) > 1 && acrossTopologies(res) {
		for _, sc := range scalesOf(res) {
			if !sc.openLoop() { // open-loop throughput is the offered rate
				out = append(out, fastest(res, sc)...)
			}
		}
	}
	for _, s := range Scalings(res) {
		if len(s.Points) > 1 || s.Skipped > 0 {
			out = append(out, withScale(s.Topology, s.Scale)+": "+s.Verdict()+".")
		}
	}
	for _, n := range beyondNotes(res, Rows(res)) {
		out = append(out, n+".")
	}
	return out
}

// problemCount summarises failed and flagged cells, or returns "".
func problemCount(res *results.Results) string {
	failed, flagged := 0, 0
	for i := range res.Cells {
		c := &res.Cells[i]
		switch {
		case !usable(c) || c.Status != results.StatusOK:
			failed++
		case len(c.Warnings) > 0:
			flagged++
		}
	}
	var parts []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d cells failed, errored or did not finish", failed, len(res.Cells)))
	}
	if flagged > 0 {
		parts = append(parts, fmt.Sprintf("%d cell%s %s warnings", flagged, plural(flagged),
			map[bool]string{true: "carries", false: "carry"}[flagged == 1]))
	}
	if res.Incomplete {
		parts = append(parts, "the run stopped early")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + ": see Problems."
}

// lead is the fastest topology at one scale and workers, against the
// runner-up.
type lead struct {
	workers       int
	best, next    *results.Cell
	ratio         float64
	indistinctive bool // the 95% intervals overlap
}

func leads(res *results.Results, sc scale) []lead {
	var out []lead
	for _, w := range workersOf(res, sc) {
		var cs []*results.Cell
		for _, t := range topologiesOf(res) {
			for _, c := range sweep(res, t, sc) {
				if c.Workers == w && usable(c) && c.Summary.Throughput.Mean > 0 {
					cs = append(cs, c)
				}
			}
		}
		if len(cs) < 2 {
			continue
		}
		slices.SortStableFunc(cs, func(a, b *results.Cell) int {
			return cmp.Compare(b.Summary.Throughput.Mean, a.Summary.Throughput.Mean)
		})
		a, b := cs[0].Summary.Throughput, cs[1].Summary.Throughput
		out = append(out, lead{workers: w, best: cs[0], next: cs[1], ratio: a.Mean / b.Mean,
			indistinctive: a.HasCI && b.HasCI && a.Lo <= b.Hi})
	}
	return out
}

// fastest says which topology leads at each worker count of a scale: one
// sentence when the same one leads everywhere, else one per worker count.
func fastest(res *results.Results, sc scale) []string {
	ls := leads(res, sc)
	if len(ls) == 0 {
		return nil
	}
	label := sc.label(res.Plan)
	same := true
	for _, l := range ls {
		same = same && l.best.Topology == ls[0].best.Topology
	}
	if same && len(ls) > 1 {
		lo, hi := ls[0].ratio, ls[0].ratio
		var close, next []string
		for _, l := range ls {
			lo, hi = min(lo, l.ratio), max(hi, l.ratio)
			if l.indistinctive {
				close = append(close, fmt.Sprint(l.workers))
			}
			if !slices.Contains(next, l.next.Topology) {
				next = append(next, l.next.Topology)
			}
		}
		s := fmt.Sprintf("%s is fastest at every worker count measured%s: %s to %s the runner-up (%s)",
			ls[0].best.Topology, inScale(label), ratio2(lo), ratio2(hi), strings.Join(next, " or "))
		if len(close) > 0 {
			s += fmt.Sprintf(", though at %s worker(s) the 95%% confidence intervals overlap", strings.Join(close, ", "))
		}
		return []string{s + "."}
	}
	var out []string
	for _, l := range ls {
		e := l.best.Summary.Throughput
		s := fmt.Sprintf("At %d worker%s%s, %s is fastest (%s tasks/s), %s %s (%s tasks/s)",
			l.workers, plural(l.workers), inScale(label), l.best.Topology,
			FormatRate(e.Mean, SigFigsForError(e.Mean, (e.Hi-e.Lo)/2)), ratio2(l.ratio), l.next.Topology,
			FormatRate(l.next.Summary.Throughput.Mean, 2))
		if l.indistinctive {
			s += "; the 95% confidence intervals overlap, so the lead is within the noise"
		}
		out = append(out, s+".")
	}
	return out
}

// ratio2 formats a ratio of two noisy throughputs with 2 significant
// digits.
func ratio2(r float64) string { return sigFig(r, 2) + "x" }

func inScale(label string) string {
	if label == "" {
		return ""
	}
	return " (" + label + ")"
}
