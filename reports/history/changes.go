package history

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/snbench/snbench/reports/changepoint"
	"github.com/snbench/snbench/reports/compare"
)

// Verdicts of a change.
const (
	VerdictRegression  = compare.VerdictRegression  // worse in the metric's better direction
	VerdictImprovement = compare.VerdictImprovement // better
	VerdictChange      = "change"                   // the metric's better direction is unknown
)

// ChangeOptions configures Changes.
type ChangeOptions struct {
	// Detect configures the change-point detection (see changepoint).
	Detect changepoint.Options
	// Metrics are the tidied units to examine (see compare.ResolveMetric);
	// empty means every unit except the compare.Redundant ones.
	Metrics []string
}

// DefaultChangeOptions returns changepoint.DefaultOptions and every metric.
func DefaultChangeOptions() ChangeOptions {
	return ChangeOptions{Detect: changepoint.DefaultOptions()}
}

// Change is a lasting change of one benchmark's metric in a history.
type Change struct {
	// Entry is the first entry at the new level, numbered from 1 in file
	// order; Commit is its title and Date its date.
	Entry  int       `json:"entry"`
	Commit string    `json:"commit"`
	Date   time.Time `json:"date"`
	// Benchmark and Unit name the series.
	Benchmark string `json:"benchmark"`
	Unit      string `json:"unit"`
	// Before and After are the medians of the per-entry medians of the
	// segments either side of the change, in Unit.
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	// Magnitude is After/Before - 1; nil where Before is 0.
	Magnitude *float64 `json:"magnitude"`
	// Confidence is 1 - the permutation p-value of the change tested
	// against its neighbouring segments.
	Confidence float64 `json:"confidence"`
	// Verdict is VerdictRegression, VerdictImprovement or VerdictChange.
	Verdict string `json:"verdict"`
	// Notes say what else changed at this entry that could explain it,
	// e.g. the CPU model.
	Notes []string `json:"notes,omitempty"`
}

// ChangesResult is what Changes found.
type ChangesResult struct {
	// Entries is the number of entries examined; Series the benchmark and
	// metric series long enough to hold a change.
	Entries int `json:"entries"`
	Series  int `json:"series"`
	// Options are the options used.
	Options changepoint.Options `json:"options"`
	// Changes are in order of entry, then benchmark and unit.
	Changes []Change `json:"changes"`
	// Warnings say what was left out and why.
	Warnings []string `json:"warnings,omitempty"`
}

// Regressions counts the changes with VerdictRegression.
func (r *ChangesResult) Regressions() int {
	n := 0
	for _, c := range r.Changes {
		if c.Verdict == VerdictRegression {
			n++
		}
	}
	return n
}

// ErrTooFewEntries is returned (wrapped) when no benchmark and metric has
// enough entries to hold a change.
var ErrTooFewEntries = errors.New("too few entries for a change")

// series is one benchmark's metric across the entries that have it.
type series struct {
	name, unit string
	idx        []int     // entry indexes
	vals       []float64 // the entries' medians
}

// Changes finds the lasting changes of every benchmark's metric across
// entries (in file order), on the median of each entry's repetitions, by
// E-divisive means (see changepoint). A series of fewer than 2 x
// Detect.MinSegment entries is left out with a warning; when every series
// is, the error wraps ErrTooFewEntries. An entry that lacks a benchmark
// or metric is a gap in that series, not a change.
func Changes(ctx context.Context, entries []Entry, opt ChangeOptions) (*ChangesResult, error) {
	if err := opt.Detect.Validate(); err != nil {
		return nil, err
	}
	need := 2 * opt.Detect.MinSegment
	res := &ChangesResult{Entries: len(entries), Options: opt.Detect, Changes: []Change{}}
	all := collect(entries, opt.Metrics)
	if len(all) == 0 {
		if len(opt.Metrics) > 0 {
			return nil, fmt.Errorf("history: no entry has metric %s", strings.Join(opt.Metrics, ", "))
		}
		return nil, fmt.Errorf("history: no benchmarks in %d entries", len(entries))
	}
	longest, short := 0, 0
	for _, s := range all {
		longest = max(longest, len(s.vals))
		if len(s.vals) < need {
			short++
			continue
		}
		res.Series++
		cps, err := changepoint.Detect(ctx, s.vals, opt.Detect)
		if err != nil {
			return nil, fmt.Errorf("history: %s %s: %w", s.name, s.unit, err)
		}
		for _, cp := range cps {
			res.Changes = append(res.Changes, change(entries, s, cp))
		}
	}
	if res.Series == 0 {
		return nil, fmt.Errorf("history: %d entries, the longest series (benchmark and metric) has %d: a change needs at least %d (twice the minimum segment): %w",
			len(entries), longest, need, ErrTooFewEntries)
	}
	if short > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d of %d series (benchmark and metric) left out: fewer than %d entries have them", short, len(all), need))
	}
	slices.SortStableFunc(res.Changes, func(a, b Change) int { return a.Entry - b.Entry })
	return res, nil
}

// collect gathers the series of every benchmark and unit, in order of
// first appearance.
func collect(entries []Entry, metrics []string) []*series {
	var out []*series
	byKey := map[[2]string]*series{}
	for i, e := range entries {
		set := e.Set()
		for _, b := range set.Benchmarks {
			for _, u := range b.Units {
				switch {
				case len(metrics) > 0 && !slices.Contains(metrics, u):
					continue
				case len(metrics) == 0 && compare.Redundant(b, u):
					continue
				}
				k := [2]string{b.Name, u}
				s := byKey[k]
				if s == nil {
					s = &series{name: b.Name, unit: u}
					byKey[k] = s
					out = append(out, s)
				}
				s.idx = append(s.idx, i)
				s.vals = append(s.vals, median(b.Samples[u]))
			}
		}
	}
	return out
}

// change describes change point cp of series s.
func change(entries []Entry, s *series, cp changepoint.Change) Change {
	i := s.idx[cp.Index]
	e := entries[i]
	c := Change{Entry: i + 1, Commit: e.Title(), Date: e.Date, Benchmark: s.name, Unit: s.unit,
		Before: cp.Before, After: cp.After, Confidence: 1 - cp.P, Verdict: VerdictChange}
	if rel, ok := cp.Relative(); ok {
		c.Magnitude = &rel
	}
	switch better := compare.Direction(s.unit); {
	case better == 0:
	case (cp.After > cp.Before) == (better > 0):
		c.Verdict = VerdictImprovement
	default:
		c.Verdict = VerdictRegression
	}
	prev := entries[s.idx[cp.Index-1]]
	for _, f := range []struct{ what, old, new string }{{"cpu", prev.CPU, e.CPU}, {"host", prev.Host, e.Host}} {
		if f.old != f.new {
			c.Notes = append(c.Notes, fmt.Sprintf("%s changed here: %q -> %q", f.what, f.old, f.new))
		}
	}
	return c
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
