package changepoint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Options configures Detect. The zero value is not valid: start from
// DefaultOptions.
type Options struct {
	// Alpha is the significance level of each split's permutation test,
	// in (0, 0.5]: a split is a change only where at most this share of
	// shuffled series split as well.
	Alpha float64 `json:"alpha"`
	// MinSegment is the fewest points a segment between changes may
	// hold, at least 2: a level must last this long to count, so a new
	// level in the last MinSegment-1 points is not reported yet.
	MinSegment int `json:"min_segment"`
	// MinMagnitude is the smallest relative change reported, |after /
	// before - 1|, e.g. 0.02 for 2%; 0 reports every significant one.
	MinMagnitude float64 `json:"min_magnitude"`
	// Permutations is the number of shuffles per test, at least 19. The
	// smallest p-value a test can give is 1/(Permutations+1).
	Permutations int `json:"permutations"`
	// Seed seeds the shuffles.
	Seed uint64 `json:"seed"`
}

// DefaultOptions returns the options snbench uses: a 2% significance
// level, segments of at least 3 points, changes of at least 2%, and 499
// permutations. At 2%, A/A series of 60 points with 5% noise report a
// change in about 3% of cases, and 10 points split 6/4 by a clean step
// (p = 0.012, the least a permutation test of 10 points can give) are
// still found; see the package tests.
func DefaultOptions() Options {
	return Options{Alpha: 0.02, MinSegment: 3, MinMagnitude: 0.02, Permutations: 499, Seed: 1}
}

// Validate reports the first option out of range.
func (o Options) Validate() error {
	switch {
	case !(o.Alpha > 0 && o.Alpha <= 0.5):
		return fmt.Errorf("changepoint: alpha %g: want a level in (0, 0.5]", o.Alpha)
	case o.MinSegment < 2:
		return fmt.Errorf("changepoint: minimum segment %d: want at least 2", o.MinSegment)
	case !(o.MinMagnitude >= 0) || math.IsInf(o.MinMagnitude, 0):
		return fmt.Errorf("changepoint: minimum magnitude %g: want 0 or more", o.MinMagnitude)
	case o.Permutations < 19 || o.Permutations > 100000:
		return fmt.Errorf("changepoint: %d permutations: want 19 to 100000", o.Permutations)
	}
	return nil
}

// Change is one change point of a series.
type Change struct {
	// Index is the first point of the new level (0-based).
	Index int `json:"index"`
	// Before and After are the medians of the segments either side: from
	// the previous change (or the start) to Index, and from Index to the
	// next change (or the end).
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	// P is the p-value of the change tested against its neighbouring
	// segments only; the confidence is 1 - P.
	P float64 `json:"p"`
}

// Relative returns After/Before - 1, and false where Before is 0 (a
// relative change is then undefined).
func (c Change) Relative() (float64, bool) {
	if c.Before == 0 {
		return 0, false
	}
	return c.After/c.Before - 1, true
}

// ErrShort is returned (wrapped) for a series too short to hold a change:
// fewer than 2*MinSegment points.
var ErrShort = errors.New("too few points for a change")

// Detect returns the change points of xs in order. A series with a
// non-finite value is an error; one shorter than 2*MinSegment gives
// ErrShort. ctx is checked between tests.
func Detect(ctx context.Context, xs []float64, opt Options) ([]Change, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("changepoint: point %d is %g", i, x)
		}
	}
	if len(xs) < 2*opt.MinSegment {
		return nil, fmt.Errorf("changepoint: %d points, want at least %d: %w", len(xs), 2*opt.MinSegment, ErrShort)
	}
	d := detector{xs: xs, opt: opt}
	cps, err := d.segment(ctx, 0, len(xs), nil)
	if err != nil {
		return nil, err
	}
	slices.Sort(cps)
	return d.prune(ctx, cps)
}

type detector struct {
	xs  []float64
	opt Options
}

// segment splits xs[lo:hi] by binary segmentation, appending the change
// points it finds to cps.
func (d *detector) segment(ctx context.Context, lo, hi int, cps []int) ([]int, error) {
	if hi-lo < 2*d.opt.MinSegment {
		return cps, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tau, q := bestSplit(d.xs[lo:hi], d.opt.MinSegment)
	if q <= 0 {
		return cps, nil
	}
	if p := d.pvalue(d.xs[lo:hi], q, lo, hi, d.opt.MinSegment, true); p > d.opt.Alpha {
		return cps, nil
	}
	cps = append(cps, lo+tau)
	cps, err := d.segment(ctx, lo, lo+tau, cps)
	if err != nil {
		return nil, err
	}
	return d.segment(ctx, lo+tau, hi, cps)
}

// prune re-tests each change point against its neighbouring segments
// and removes, one at a time and weakest first, those that fail the
// significance level or the magnitude filter, until all pass.
func (d *detector) prune(ctx context.Context, cps []int) ([]Change, error) {
	type window struct{ lo, cp, hi int }
	tests := map[window]retest{} // a window's test does not change when others go
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		changes := make([]Change, len(cps))
		weakest, weakestP := -1, -1.0
		for i, cp := range cps {
			lo, hi := 0, len(d.xs)
			if i > 0 {
				lo = cps[i-1]
			}
			if i+1 < len(cps) {
				hi = cps[i+1]
			}
			w := window{lo, cp, hi}
			t, ok := tests[w]
			if !ok {
				t = d.retest(lo, cp, hi)
				tests[w] = t
			}
			c := Change{Index: cp, Before: median(d.xs[lo:cp]), After: median(d.xs[cp:hi]), P: t.p}
			changes[i] = c
			fails := t.p > d.opt.Alpha || t.q <= 0
			if t.before != 0 && math.Abs(t.after/t.before-1) < d.opt.MinMagnitude {
				fails = true
			} else if t.before == 0 && t.after == 0 {
				fails = true
			}
			p := t.p
			// Weakest: the largest p-value; a failing magnitude ranks
			// as p 1, so small steps go before significant big ones.
			score := p
			if fails && p <= d.opt.Alpha {
				score = 1 + p
			}
			if fails && score > weakestP {
				weakest, weakestP = i, score
			}
		}
		if weakest < 0 {
			return changes, nil
		}
		cps = slices.Delete(cps, weakest, weakest+1)
	}
}

// retest is a change's test against its neighbouring segments alone,
// without the window's most outlying entry.
type retest struct {
	q, p          float64
	before, after float64 // the sides' medians without that entry
}

// retest tests the change at cp against the segments xs[lo:cp] and
// xs[cp:hi] with the one entry farthest from its own side's median left
// out, so that no single entry can make a change: a one-entry spike
// inside a short segment carries the statistic and the medians of three
// entries, but not of two.
func (d *detector) retest(lo, cp, hi int) retest {
	left, right := d.xs[lo:cp], d.xs[cp:hi]
	ml, mr := median(left), median(right)
	drop, worst := -1, -1.0
	for i, x := range d.xs[lo:hi] {
		m := ml
		if lo+i >= cp {
			m = mr
		}
		if dev := math.Abs(x - m); dev > worst {
			drop, worst = i, dev
		}
	}
	seg := slices.Delete(slices.Clone(d.xs[lo:hi]), drop, drop+1)
	tau := cp - lo
	if drop < tau {
		tau--
	}
	q := energy(seg, tau)
	r := retest{q: q, before: median(seg[:tau]), after: median(seg[tau:])}
	r.p = d.pvalue(seg, q, lo, hi, d.opt.MinSegment-1, false)
	return r
}

// pvalue is the permutation p-value of a split statistic q in seg: the
// share of shuffles of seg whose best split is at least q, counting the
// series itself. With stopEarly, shuffling stops as soon as the p-value
// is certain to exceed Alpha (the estimate returned is then too low, but
// above Alpha).
func (d *detector) pvalue(seg []float64, q float64, lo, hi, minSeg int, stopEarly bool) float64 {
	rng := rand.New(rand.NewPCG(d.opt.Seed, uint64(lo)<<32|uint64(hi)))
	perm := slices.Clone(seg)
	var sp splitter
	sp.rankOf(perm) // ranks travel with their values through the shuffles
	tol := 1e-9 * q
	n := d.opt.Permutations
	limit := d.opt.Alpha * float64(n+1) // p > Alpha once count+1 exceeds this
	count := 0
	for k := 1; k <= n; k++ {
		rng.Shuffle(len(perm), func(i, j int) {
			perm[i], perm[j] = perm[j], perm[i]
			sp.rank[i], sp.rank[j] = sp.rank[j], sp.rank[i]
		})
		if _, pq := sp.bestRanked(perm, minSeg); pq >= q-tol {
			count++
			if stopEarly && float64(count+1) > limit {
				return float64(count+1) / float64(k+1)
			}
		}
	}
	return float64(count+1) / float64(n+1)
}

// bestSplit returns the split tau of xs (both sides at least minSeg
// long) with the largest energy statistic, and that statistic; q is 0
// where every split gives 0 (a constant series).
func bestSplit(xs []float64, minSeg int) (tau int, q float64) {
	var s splitter
	return s.best(xs, minSeg)
}

// splitter finds best splits in O(n log n): the sums of distances within
// every prefix and every suffix come from Fenwick trees of counts and
// sums over the values' ranks. Its buffers are reused between calls.
type splitter struct {
	order         []int
	rank          []int
	cnt, sum      []float64
	wLeft, wRight []float64
}

func (s *splitter) best(xs []float64, minSeg int) (tau int, q float64) {
	s.rankOf(xs)
	return s.bestRanked(xs, minSeg)
}

// bestRanked is best with s.rank already holding the ranks of xs.
func (s *splitter) bestRanked(xs []float64, minSeg int) (tau int, q float64) {
	n := len(xs)
	s.wLeft = s.within(xs, s.wLeft, false)
	s.wRight = s.within(xs, s.wRight, true)
	total := s.wLeft[n]
	for t := minSeg; t <= n-minSeg; t++ {
		wl, wr := s.wLeft[t], s.wRight[n-t]
		if v := stat(t, n, wl, wr, total-wl-wr); v > q {
			tau, q = t, v
		}
	}
	return tau, q
}

// rankOf sets s.rank[i] to the 1-based rank of xs[i].
func (s *splitter) rankOf(xs []float64) {
	n := len(xs)
	s.order = grow(s.order, n)
	s.rank = grow(s.rank, n)
	for i := range s.order {
		s.order[i] = i
	}
	slices.SortFunc(s.order, func(a, b int) int { return cmp.Compare(xs[a], xs[b]) })
	for r, i := range s.order {
		s.rank[i] = r + 1
	}
}

// within fills w[k] with the sum of |x_i - x_j| over the pairs among the
// first k points of xs (of the last k, reversed), k = 0..n.
func (s *splitter) within(xs []float64, w []float64, reversed bool) []float64 {
	n := len(xs)
	w = grow(w, n+1)
	s.cnt = grow(s.cnt, n+1)
	s.sum = grow(s.sum, n+1)
	clear(s.cnt)
	clear(s.sum)
	seenSum := 0.0
	for k := 0; k < n; k++ {
		i := k
		if reversed {
			i = n - 1 - k
		}
		x, r := xs[i], s.rank[i]
		var c, below float64 // earlier points ranked below x: count, sum
		for j := r; j > 0; j -= j & -j {
			c += s.cnt[j]
			below += s.sum[j]
		}
		d := (c*x - below) + (seenSum - below) - (float64(k)-c)*x
		w[k+1] = w[k] + d
		for j := r; j <= n; j += j & -j {
			s.cnt[j]++
			s.sum[j] += x
		}
		seenSum += x
	}
	return w
}

func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// energy returns the statistic of the split of xs at tau.
func energy(xs []float64, tau int) float64 {
	var wl, wr, b float64
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			v := math.Abs(xs[i] - xs[j])
			switch {
			case j < tau:
				wl += v
			case i >= tau:
				wr += v
			default:
				b += v
			}
		}
	}
	return stat(tau, len(xs), wl, wr, b)
}

// stat is E-divisive's Q for a split of n points at t, given the sums of
// distances within the left side, within the right side, and between
// them: (m k / (m + k)) times the energy distance 2/(mk) B - W_L/C(m,2)
// - W_R/C(k,2), with m = t and k = n - t.
func stat(t, n int, wl, wr, between float64) float64 {
	m, k := float64(t), float64(n-t)
	e := 2*between/(m*k) - wl/(m*(m-1)/2) - wr/(k*(k-1)/2)
	return m * k / (m + k) * e
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
