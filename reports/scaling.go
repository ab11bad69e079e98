package reports

import (
	"fmt"
	"math"
	"slices"

	"github.com/snbench/snbench/bench/results"
)

// Scaling is one topology's workers sweep at one scale, with its Universal
// Scalability Law fit.
type Scaling struct {
	// Topology is the topology swept.
	Topology string
	// Scale names the other scale axes where the plan varies them
	// ("payload=4"); it is empty when none vary.
	Scale string
	// Points are the usable cells' mean throughputs (tasks/s) by worker
	// count, ascending.
	Points []Point
	// Fit is the USL fit to Points; nil when there is none, and Reason
	// then says why.
	Fit    *USLFit
	Reason string
	// Skipped counts the sweep's cells left out because they failed or
	// have no figures.
	Skipped int
	// Noise is the largest relative half-width of the points' 95%
	// confidence intervals; 0 without intervals.
	Noise float64

	scale scale
}

// MeasuredPeak returns the point with the highest throughput; ok is false
// when there are no points.
func (s Scaling) MeasuredPeak() (p Point, ok bool) {
	for _, q := range s.Points {
		if q.X > p.X {
			p = q
		}
	}
	return p, len(s.Points) > 0
}

// MaxN returns the largest worker count measured, or 0.
func (s Scaling) MaxN() float64 {
	if len(s.Points) == 0 {
		return 0
	}
	return s.Points[len(s.Points)-1].N
}

// Scalings returns the scaling analysis of every topology at every scale
// of res, in plan order.
func Scalings(res *results.Results) []Scaling {
	var out []Scaling
	for _, sc := range scalesOf(res) {
		for _, t := range topologiesOf(res) {
			cells := sweep(res, t, sc)
			if len(cells) == 0 {
				continue
			}
			s := Scaling{Topology: t, Scale: sc.label(res.Plan), scale: sc}
			if sc.openLoop() {
				s.Reason = fmt.Sprintf("open loop at %d tasks/s: throughput follows the offered rate, so there is no scaling fit", sc.rate)
				out = append(out, s)
				continue
			}
			for _, c := range cells {
				if !usable(c) || c.Summary.Throughput.Mean <= 0 {
					s.Skipped++
					continue
				}
				s.Points = append(s.Points, Point{N: float64(c.Workers), X: c.Summary.Throughput.Mean})
				s.Noise = math.Max(s.Noise, c.Summary.Throughput.RelCI())
			}
			s.fit()
			out = append(out, s)
		}
	}
	return out
}

func (s *Scaling) fit() {
	switch n := len(s.Points); {
	case n == 0:
		s.Reason = "no usable cells"
		return
	case n < MinUSLPoints:
		s.Reason = fmt.Sprintf("too few points for a fit: %d worker count%s, the USL needs %d",
			n, plural(n), MinUSLPoints)
		return
	}
	f, err := FitUSL(s.Points)
	if err != nil {
		s.Reason = err.Error()
		return
	}
	s.Fit = &f
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Verdict says in a few words where the sweep stops scaling.
func (s Scaling) Verdict() string {
	peak, ok := s.MeasuredPeak()
	if !ok {
		return s.Reason
	}
	measured := fmt.Sprintf("measured best at %g worker%s", peak.N, plural(int(peak.N)))
	if peak.N == s.MaxN() && len(s.Points) > 1 {
		measured = fmt.Sprintf("still rising at %g workers, the most measured", peak.N)
	}
	if s.Fit == nil {
		return measured + "; " + s.Reason
	}
	f := s.Fit
	v := measured + "; " + f.verdict()
	if f.Distinct == MinUSLPoints {
		v += "; 3 points for 3 parameters, so the fit is exact and says little"
	} else if f.R2 < 0.8 {
		v += fmt.Sprintf("; poor fit (R²=%.2f), treat with caution", f.R2)
	}
	return v
}

// Growth is how one topology's run time grows with the task count between
// two cells that differ only in tasks: the doubling test. A doubling ratio
// T(2n)/T(n) of 2 means every task costs the same however many there are;
// log2 of it is the empirical order of growth b in T ∝ n^b.
type Growth struct {
	// Topology and Workers identify the sweep; Scale names the payload,
	// window and batch where the plan varies them.
	Topology string
	Workers  int
	Scale    string
	// N1 < N2 are the task counts compared, consecutive in the plan.
	N1, N2 int
	// T1 and T2 are the mean measured wall times, in ns.
	T1, T2 float64
	// Ratio is the doubling ratio: T2/T1 rescaled to a doubling of the
	// task count, (T2/T1)^(1/log2(N2/N1)); it is T2/T1 when N2 = 2*N1.
	Ratio float64
	// Order is log2(Ratio), the empirical order of growth.
	Order float64
	// OrderErr is the half-width of Order's approximate 95% confidence
	// interval (from the wall times' intervals); 0 without intervals.
	OrderErr float64
}

// Growths returns the doubling analysis of res: for every topology,
// worker count and scale, each pair of consecutive task counts. It is
// empty when the plan has one task count.
func Growths(res *results.Results) []Growth {
	var out []Growth
	type key struct {
		topo                     string
		workers, pl, win, batchN int
	}
	byKey := map[key][]*results.Cell{}
	var order []key
	for i := range res.Cells {
		c := &res.Cells[i]
		if !usable(c) || c.Rate > 0 { // open loop: the task count follows the rate
			continue
		}
		k := key{c.Topology, c.Workers, c.Payload, c.Window, c.Batch}
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], c)
	}
	for _, k := range order {
		cells := byKey[k]
		slices.SortStableFunc(cells, func(a, b *results.Cell) int { return a.Tasks - b.Tasks })
		for i := 1; i < len(cells); i++ {
			if g, ok := growth(res.Plan, cells[i-1], cells[i]); ok {
				out = append(out, g)
			}
		}
	}
	return out
}

func growth(p results.Plan, a, b *results.Cell) (Growth, bool) {
	if a.Tasks == b.Tasks {
		return Growth{}, false
	}
	ea, eb := wallTime(a), wallTime(b)
	if ea.Mean <= 0 || eb.Mean <= 0 {
		return Growth{}, false
	}
	p.Tasks = []int{a.Tasks} // label the other axes only
	g := Growth{Topology: a.Topology, Workers: a.Workers, Scale: scaleOf(a).label(p),
		N1: a.Tasks, N2: b.Tasks, T1: ea.Mean, T2: eb.Mean}
	doublings := math.Log2(float64(b.Tasks) / float64(a.Tasks))
	g.Order = math.Log2(g.T2/g.T1) / doublings
	g.Ratio = math.Pow(2, g.Order)
	if ea.HasCI && eb.HasCI {
		rel := math.Hypot(ea.RelCI(), eb.RelCI())
		g.OrderErr = rel / math.Ln2 / doublings
	}
	return g, true
}

// wallTime is the mean wall time of a cell's repetitions, in ns.
func wallTime(c *results.Cell) results.Estimate {
	xs := make([]float64, 0, len(c.Reps))
	for _, r := range c.Reps {
		xs = append(xs, float64(r.WallNS))
	}
	return results.MeanCI(xs)
}

// Reading says what the order of growth means.
func (g Growth) Reading() string {
	tol := math.Max(g.OrderErr, 0.05)
	switch {
	case math.Abs(g.Order-1) <= tol && g.OrderErr > 0.25:
		return "consistent with linear, but too noisy to tell"
	case math.Abs(g.Order-1) <= tol:
		return "linear: each task costs the same"
	case g.Order < 1:
		return "sublinear: fixed costs are being amortised"
	}
	return "superlinear: tasks cost more as n grows"
}
