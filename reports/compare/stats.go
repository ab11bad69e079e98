package compare

import (
	"math"
	"slices"
	"sort"

	"github.com/montanaflynn/stats"
	"gonum.org/v1/gonum/stat/distuv"
)

// maxExactU is the largest sample size for which the Mann-Whitney U null
// distribution is computed exactly; larger samples use the normal
// approximation.
const maxExactU = 50

// MinPValue returns the smallest two-sided p-value the Mann-Whitney U test
// can give for samples of sizes n1 and n2: 2/C(n1+n2, n1), reached when
// every value of one sample is below every value of the other. It is 1 when
// either sample is empty.
func MinPValue(n1, n2 int) float64 {
	if n1 < 1 || n2 < 1 {
		return 1
	}
	// log C(n1+n2, n1)
	lc, _ := math.Lgamma(float64(n1 + n2 + 1))
	a, _ := math.Lgamma(float64(n1 + 1))
	b, _ := math.Lgamma(float64(n2 + 1))
	return math.Min(1, 2*math.Exp(-(lc-a-b)))
}

// RepsNeeded returns the smallest n such that two samples of n can reach
// p < alpha/tests, the strictest level of a Holm-Bonferroni correction over
// tests comparisons; 0 when even 1000 are not enough.
func RepsNeeded(alpha float64, tests int) int {
	level := alpha / float64(max(tests, 1))
	for n := 1; n <= 1000; n++ {
		if MinPValue(n, n) < level {
			return n
		}
	}
	return 0
}

// Holm returns the Holm-Bonferroni adjusted p-values of ps, in ps's order:
// ps[i] is significant at family-wise level alpha when the result's [i] is
// below alpha. NaN p-values stay NaN and do not count as tests.
func Holm(ps []float64) []float64 {
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	out := make([]float64, len(ps))
	for i := range out {
		out[i] = math.NaN()
	}
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, float64(m-rank)*ps[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}

// memo keeps what one comparison computes more than once: null
// distributions of U and decoded histograms. It is not safe for concurrent
// use; each Compare call has its own.
type memo struct {
	ucdf    map[[2]int][]float64
	grids   map[histGeometry][]int64
	buckets map[*Benchmark][][]bucket
}

// uCDF returns cdf with cdf[u] = P(U <= u) under the null hypothesis for
// samples of m and n distinct values (U counts the pairs in which the
// second sample's value is the smaller). It counts, for every u, the
// partitions of u into at most m parts of at most n each.
func (c *memo) uCDF(m, n int) []float64 {
	if m > n {
		m, n = n, m
	}
	key := [2]int{m, n}
	if v, ok := c.ucdf[key]; ok {
		return v
	}
	// f[i][u]: arrangements of i values of the first sample and j of the
	// second with U = u; f(i, j) = f(i-1, j) shifted by j + f(i, j-1).
	size := m*n + 1
	f := make([][]float64, m+1)
	for i := range f {
		f[i] = make([]float64, size)
		f[i][0] = 1 // j = 0
	}
	for j := 1; j <= n; j++ {
		for i := 1; i <= m; i++ {
			// f[i] holds f(i, j-1); f[i-1] already holds f(i-1, j).
			for u := size - 1; u >= j; u-- {
				f[i][u] += f[i-1][u-j]
			}
		}
	}
	total := 0.0
	for _, c := range f[m] {
		total += c
	}
	cdf := make([]float64, size)
	acc := 0.0
	for u, c := range f[m] {
		acc += c
		cdf[u] = acc / total
	}
	if c.ucdf == nil {
		c.ucdf = map[[2]int][]float64{}
	}
	c.ucdf[key] = cdf
	return cdf
}

// ciRank returns k such that the k-th smallest and k-th largest of the
// m*n pairwise differences bound a distribution-free confidence interval at
// level conf for the shift between two samples (Bauer 1972, the interval
// that matches the Mann-Whitney U test); 0 when the samples are too small
// for any interval at that level.
func (c *memo) ciRank(m, n int, conf float64) int {
	half := (1 - conf) / 2
	if m <= maxExactU && n <= maxExactU {
		cdf := c.uCDF(m, n)
		k := 0
		for k < len(cdf) && cdf[k] <= half {
			k++
		}
		// P(U <= k-1) <= half: the interval uses the k-th order statistic.
		return k
	}
	mn := float64(m * n)
	z := distuv.UnitNormal.Quantile(1 - half)
	k := int(math.Floor(mn/2 - z*math.Sqrt(mn*float64(m+n+1)/12)))
	return max(k, 0)
}

// shiftCI returns the change of new over old as a fraction with its
// distribution-free confidence interval at level conf: the Hodges-Lehmann
// interval of the shift in log space (so a ratio) when every value is
// positive, else of the plain shift relative to the old median. lo and hi
// are NaN when the samples are too small for an interval.
func (c *memo) shiftCI(old, new []float64, conf float64) (lo, hi float64) {
	m, n := len(old), len(new)
	k := c.ciRank(m, n, conf)
	if m == 0 || n == 0 || k < 1 {
		return math.NaN(), math.NaN()
	}
	positive := !slices.ContainsFunc(old, func(v float64) bool { return v <= 0 }) &&
		!slices.ContainsFunc(new, func(v float64) bool { return v <= 0 })
	d := make([]float64, 0, m*n)
	for _, x := range old {
		for _, y := range new {
			if positive {
				d = append(d, math.Log(y)-math.Log(x))
			} else {
				d = append(d, y-x)
			}
		}
	}
	slices.Sort(d)
	lo, hi = d[k-1], d[len(d)-k]
	if positive {
		return math.Expm1(lo), math.Expm1(hi)
	}
	med := median(old)
	if med == 0 {
		return math.NaN(), math.NaN()
	}
	return lo / math.Abs(med), hi / math.Abs(med)
}

// median returns the median of xs (NaN when empty) without changing xs.
// Descriptive statistics have one home, montanaflynn/stats (bench/results
// uses it too); gonum's distuv gives the distribution quantiles it lacks,
// and x/perf's benchmath the rank tests.
func median(xs []float64) float64 {
	m, err := stats.Median(xs) // sorts a copy
	if err != nil {
		return math.NaN()
	}
	return m
}

// geomean returns the geometric mean of xs, which must be positive.
func geomean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(xs)))
}
