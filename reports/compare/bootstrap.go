package compare

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// repHists holds the latency histograms of one side's repetitions over a
// value grid shared with the other side, as cumulative counts, so that the
// quantile of any merge of repetitions costs a binary search.
type repHists struct {
	values []int64   // the grid: every bucket value either side recorded, ascending
	cum    [][]int64 // cum[r][i]: repetition r's count of values <= values[i]
	total  []int64   // total[r]: repetition r's count
}

// bucket is one non-empty histogram bucket: its highest equivalent value
// (what ValueAtQuantile reports) and its count.
type bucket struct{ value, count int64 }

// histGeometry identifies histograms whose counts arrays line up.
type histGeometry struct{ lowest, highest, sigFigs int64 }

// grid returns, for histograms of geometry g, the value of every counts
// index: the buckets of a histogram holding one value at its top, in
// counts order.
func (c *memo) grid(g histGeometry) ([]int64, error) {
	if v, ok := c.grids[g]; ok {
		return v, nil
	}
	h := hdr.New(g.lowest, g.highest, int(g.sigFigs))
	if err := h.RecordValue(g.highest); err != nil {
		return nil, err
	}
	bars := h.Distribution()
	v := make([]int64, len(bars))
	for i, b := range bars {
		v[i] = b.To
	}
	if c.grids == nil {
		c.grids = map[histGeometry][]int64{}
	}
	c.grids[g] = v
	return v, nil
}

// repBuckets decodes a benchmark's per-repetition histograms into their
// non-empty buckets, once per comparison. It returns nil when one does not
// decode or is empty.
func (c *memo) repBuckets(b *Benchmark) [][]bucket {
	if v, ok := c.buckets[b]; ok {
		return v
	}
	out := make([][]bucket, len(b.Latency))
	for r, h := range b.Latency {
		d, err := h.Decode()
		if err != nil || d.TotalCount() == 0 {
			out = nil
			break
		}
		snap := d.Export()
		grid, err := c.grid(histGeometry{snap.LowestTrackableValue, snap.HighestTrackableValue, snap.SignificantFigures})
		if err != nil {
			out = nil
			break
		}
		for i, n := range snap.Counts {
			if n > 0 && i < len(grid) {
				out[r] = append(out[r], bucket{grid[i], n})
			}
		}
	}
	if c.buckets == nil {
		c.buckets = map[*Benchmark][][]bucket{}
	}
	c.buckets[b] = out
	return out
}

// newRepHists lays both sides' repetitions on one grid of values. It
// returns false when a histogram does not decode or one is empty.
func newRepHists(ob, nb [][]bucket) (o, n *repHists, ok bool) {
	if len(ob) == 0 || len(nb) == 0 {
		return nil, nil, false
	}
	var grid []int64
	for _, side := range [][][]bucket{ob, nb} {
		for _, rep := range side {
			for _, b := range rep {
				grid = append(grid, b.value)
			}
		}
	}
	slices.Sort(grid)
	grid = slices.Compact(grid)
	build := func(side [][]bucket) *repHists {
		rh := &repHists{values: grid, cum: make([][]int64, len(side)), total: make([]int64, len(side))}
		for r, rep := range side {
			c := make([]int64, len(grid))
			j := 0
			var acc int64
			for i, v := range grid {
				for j < len(rep) && rep[j].value == v {
					acc += rep[j].count
					j++
				}
				c[i] = acc
			}
			rh.cum[r], rh.total[r] = c, acc
		}
		return rh
	}
	return build(ob), build(nb), true
}

// quantile returns the q-quantile (q in [0,1]) of the merge of the
// repetitions listed in reps (repeats allowed), as HdrHistogram's
// ValueAtQuantile computes it on the merged histogram.
func (rh *repHists) quantile(q float64, reps []int) float64 {
	var total int64
	for _, r := range reps {
		total += rh.total[r]
	}
	if total == 0 {
		return math.NaN()
	}
	rank := int64(1)
	if x := q*float64(total) + 0.5; x >= float64(total) {
		rank = total
	} else if x >= 1 {
		rank = int64(x)
	}
	i := sort.Search(len(rh.values), func(i int) bool {
		var c int64
		for _, r := range reps {
			c += rh.cum[r][i]
		}
		return c >= rank
	})
	return float64(rh.values[min(i, len(rh.values)-1)])
}

// allReps returns 0..n-1.
func allReps(n int) []int {
	r := make([]int, n)
	for i := range r {
		r[i] = i
	}
	return r
}

// bootstrapResult is a quantile comparison from the repetitions'
// histograms: the quantile of each side's merged histogram, their
// bootstrap confidence intervals and that of the change.
type bootstrapResult struct {
	old, new           float64 // quantiles of the merged histograms
	oldLo, oldHi       float64
	newLo, newHi       float64
	change             float64 // new/old - 1
	changeLo, changeHi float64
}

// bootstrapQuantile compares the q-quantile of old and new latency by a
// percentile bootstrap over repetitions: each of b resamples draws each
// side's repetitions with replacement, merges them and takes the quantile.
// Resampling whole repetitions keeps the correlation of latencies within a
// repetition. The random stream is seeded from seed and key, so the result
// is the same on every run and independent of the order of comparisons.
func bootstrapQuantile(old, new [][]bucket, q float64, b int, conf float64, seed uint64, key string) (bootstrapResult, bool) {
	o, n, ok := newRepHists(old, new)
	if !ok || b < 1 {
		return bootstrapResult{}, false
	}
	res := bootstrapResult{old: o.quantile(q, allReps(len(old))), new: n.quantile(q, allReps(len(new)))}
	if res.old <= 0 {
		return bootstrapResult{}, false
	}
	res.change = res.new/res.old - 1
	h := fnv.New64a()
	h.Write([]byte(key))
	rng := rand.New(rand.NewPCG(seed, h.Sum64()))
	ro, rn := make([]int, len(old)), make([]int, len(new))
	qo, qn, ch := make([]float64, b), make([]float64, b), make([]float64, b)
	for i := range b {
		for j := range ro {
			ro[j] = rng.IntN(len(old))
		}
		for j := range rn {
			rn[j] = rng.IntN(len(new))
		}
		qo[i], qn[i] = o.quantile(q, ro), n.quantile(q, rn)
		ch[i] = qn[i]/qo[i] - 1
	}
	half := (1 - conf) / 2
	res.oldLo, res.oldHi = percentileInterval(qo, half)
	res.newLo, res.newHi = percentileInterval(qn, half)
	res.changeLo, res.changeHi = percentileInterval(ch, half)
	return res, true
}

// percentileInterval returns the half and 1-half empirical quantiles of
// xs, sorting xs.
func percentileInterval(xs []float64, half float64) (lo, hi float64) {
	slices.Sort(xs)
	at := func(p float64) float64 {
		i := int(math.Round(p * float64(len(xs)-1)))
		return xs[max(0, min(i, len(xs)-1))]
	}
	return at(half), at(1 - half)
}
