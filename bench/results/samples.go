package results

import (
	"fmt"
	"math/bits"
)

// How many measurements a percentile rests on.
//
// A cell's percentiles are read from its repetitions' histograms merged
// into one, so they pool the repetitions' measurements. A measurement is
// one reading of the clock on a verified result: one per batch, because
// every task of a batch carries its batch's latency (closed loop), or its
// batch's completion time less its own intended send time (open loop). At
// batch 1 the measurements are the tasks; at batch 64, 640 tasks are 10
// measurements recorded 64 times each.
//
// The measurements beyond percentile p are m × (1 − p/100), where m is the
// cell's measurements over all its repetitions: the tail the percentile
// stands at the edge of. Below ThinBeyond the percentile is thin: it is
// decided by a handful of measurements, and the next run may move it as far
// as the gap between them (with one beyond, p99.9 is the second largest).

// ThinBeyond is the number of measurements beyond a percentile under which
// the percentile is marked as resting on too few.
const ThinBeyond = 10

// percentilePoints are the percentiles of Percentiles, in parts per 10^4,
// with their JSON names.
var percentilePoints = [...]struct {
	name string
	ppt  int64 // p × 100: 9990 for p99.9
}{{"p50", 5000}, {"p90", 9000}, {"p99", 9900}, {"p999", 9990}, {"p9999", 9999}}

// Beyond is, for each percentile of Percentiles, how many of the cell's
// measurements lie beyond it: m × (1 − p/100), m the cell's Measurements.
// Fractions are kept: 0.2 beyond p99.9 means p99.9 is the largest of 200.
type Beyond struct {
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
}

// Samples says how many measurements a cell's percentiles rest on, and how
// many of its tasks were clamped at the histogram's ceiling.
type Samples struct {
	// Measurements is m: the cell's latency measurements over all its
	// repetitions (see Rep.Measurements).
	Measurements int64
	// Beyond is m × (1 − p/100) for each percentile.
	Beyond Beyond
	// Thin names the percentiles with fewer than ThinBeyond measurements
	// beyond them, by their JSON names ("p99", "p999"), lowest first.
	Thin []string
	// Clamped is the cell's tasks whose latency exceeded HistMax, summed
	// over repetitions (see Rep.Clamped).
	Clamped int64
}

// SamplesOf counts c's measurements from its repetitions. A repetition
// written before Rep.Measurements existed counts its tasks divided by the
// batch, rounded up: the fewest batches that could have carried them, so
// that such a file marks at least the percentiles it should.
func SamplesOf(c *Cell) Samples {
	var s Samples
	for _, r := range c.Reps {
		m := r.Measurements
		if m == 0 && r.Tasks > 0 {
			b := int64(max(c.Batch, 1))
			m = (r.Tasks + b - 1) / b
		}
		s.Measurements += m
		s.Clamped += r.Clamped
	}
	s.Beyond = beyondOf(s.Measurements)
	for _, p := range percentilePoints {
		if s.Measurements > 0 && s.Measurements*(10000-p.ppt) < ThinBeyond*10000 {
			s.Thin = append(s.Thin, p.name)
		}
	}
	return s
}

func beyondOf(m int64) Beyond {
	at := func(ppt int64) float64 { return float64(m*(10000-ppt)) / 10000 }
	return Beyond{P50: at(5000), P90: at(9000), P99: at(9900), P999: at(9990), P9999: at(9999)}
}

// IsThin reports whether the percentile of JSON name p ("p99") is in Thin.
func (s Samples) IsThin(p string) bool {
	for _, t := range s.Thin {
		if t == p {
			return true
		}
	}
	return false
}

// AtCeiling reports whether a latency read from a histogram (a percentile
// or the max, in ns) is at the ceiling HistMax, where clamped values are
// recorded: it is then only a lower bound. Readings below it are not
// moved by clamping, which only lowers values above the ceiling.
func AtCeiling(ns int64) bool { return ns >= ceilingLow() }

// ceilingLow is the lowest value the histogram cannot tell from HistMax.
// At 3 significant digits (and HistMin 1) it splits each power of two
// above 2048 into 1024 equal steps, so HistMax's step starts at HistMax with
// its low bits cleared: 59.995 s.
func ceilingLow() int64 {
	shift := bits.Len64(uint64(HistMax)) - 11
	return HistMax >> shift << shift
}

// summarizeSamples fills s's sample counts from c and adds the clamping
// caveat.
func summarizeSamples(c *Cell, s *Summary) {
	x := SamplesOf(c)
	s.Measurements, s.Beyond, s.Thin, s.Clamped = x.Measurements, x.Beyond, x.Thin, x.Clamped
	if x.Clamped > 0 {
		var tasks int64
		for _, r := range c.Reps {
			tasks += r.Tasks
		}
		c.addWarning(fmt.Sprintf("%d of %d tasks took longer than the histogram's %gs ceiling and were recorded at it: "+
			"the max and any percentile marked ≥ are lower bounds", x.Clamped, tasks, float64(HistMax)/1e9))
	}
}
