package results

import (
	"fmt"
	"math"
	"time"

	"github.com/montanaflynn/stats"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary is a cell's figures, recomputable from its repetitions.
type Summary struct {
	// Reps is the number of measured repetitions.
	Reps int `json:"reps"`
	// Throughput is tasks per second over the repetitions.
	Throughput Estimate `json:"throughput"`
	// Latency and Service are percentiles of the merged histograms, in ns.
	// Every task carries its batch's latency (see Rep.Latency), hence the
	// JSON name.
	Latency Percentiles `json:"batch_latency"`
	Service Percentiles `json:"service"`
	// Occupancy is the mean over repetitions of Rep.Occupancy, over those
	// that have one; 0 (absent) when none has (open loop, older files).
	Occupancy float64 `json:"occupancy,omitempty"`
	// NoWaitRTNS is the median over repetitions of Rep.NoWaitRTNS, the
	// cell's batch round trip with no wait; 0 (absent) where none has.
	NoWaitRTNS int64 `json:"nowait_rt_ns,omitempty"`
	// CPUPerTaskNS is the mean over repetitions of coordinator plus node
	// CPU time per task; CoordCPUPerTaskNS and NodeCPUPerTaskNS split it
	// (NodeCPUPerTaskNS is 0 where nodes share the coordinator's process).
	CPUPerTaskNS      float64 `json:"cpu_per_task_ns"`
	CoordCPUPerTaskNS float64 `json:"coord_cpu_per_task_ns"`
	NodeCPUPerTaskNS  float64 `json:"node_cpu_per_task_ns"`
	// NodeMaxRSSKB is the largest node peak RSS seen, in KiB.
	NodeMaxRSSKB int64 `json:"node_max_rss_kb,omitempty"`
	// Load summarises open-loop repetitions; nil in closed loop.
	Load *LoadSummary `json:"load,omitempty"`
	// Measurements is the latency measurements the percentiles above rest
	// on, over all repetitions: one per batch (see Rep.Measurements).
	// Beyond is, per percentile, the measurements beyond it, m × (1 −
	// p/100); Thin names the percentiles with fewer than ThinBeyond beyond
	// them ("p99", "p999"). They hold for Latency, Service and
	// Load.Uncorrected alike. See SamplesOf.
	Measurements int64    `json:"measurements"`
	Beyond       Beyond   `json:"beyond"`
	Thin         []string `json:"thin,omitempty"`
	// Clamped is the tasks, over all repetitions, whose latency exceeded
	// HistMax (60 s) and was recorded as HistMax: the max and the
	// percentiles at that value are then lower bounds.
	Clamped int64 `json:"clamped,omitempty"`
}

// LoadSummary is the open-loop part of a Summary.
type LoadSummary struct {
	Offered     float64     `json:"offered"`
	Achieved    Estimate    `json:"achieved"`
	Uncorrected Percentiles `json:"uncorrected"`
	// LagP50NS is the largest repetition's generator lag p50, LagP99NS
	// and LagMaxNS the largest p99 and max (see Load).
	LagP50NS int64 `json:"lag_p50_ns"`
	LagP99NS int64 `json:"lag_p99_ns"`
	LagMaxNS int64 `json:"lag_max_ns"`
	// BoundHits, BoundWaitNS and BoundMaxNS are the backpressure over
	// all repetitions: batches that found the window full, the time they
	// waited in all, and the longest wait.
	BoundHits   int64 `json:"bound_hits"`
	BoundWaitNS int64 `json:"bound_wait_ns"`
	BoundMaxNS  int64 `json:"bound_max_ns"`
	// ProbeP50NS is the median over repetitions of the unloaded round
	// trip (Load.ProbeP50NS); Utilization is how busy that makes a node at
	// the offered rate: batches per second per node times ProbeP50NS.
	ProbeP50NS  int64   `json:"probe_p50_ns,omitempty"`
	Utilization float64 `json:"utilization,omitempty"`
	// Unreliable is set when the harness could not measure the cell
	// honestly: its generator fell behind its schedule by more than
	// backpressure explains, or at low load the round trip came out far
	// above the unloaded one. The cell's warnings say which (see
	// judgeLoad); backpressure alone never sets it.
	Unreliable bool `json:"unreliable,omitempty"`
}

// Estimate is a mean over repetitions with its 95% confidence interval
// (Student's t). With fewer than two repetitions there is no interval and
// HasCI is false.
type Estimate struct {
	Mean  float64 `json:"mean"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	HasCI bool    `json:"has_ci"`
	// CV is the coefficient of variation (sample SD / mean). It is data:
	// no caveat is raised on it alone (see ImpreciseRelCI).
	CV float64 `json:"cv"`
	N  int     `json:"n"`
}

// RelCI returns the half-width of the interval relative to the mean, or 0
// without an interval.
func (e Estimate) RelCI() float64 {
	if !e.HasCI || e.Mean == 0 {
		return 0
	}
	return (e.Hi - e.Lo) / 2 / math.Abs(e.Mean)
}

// Percentiles are points of a latency distribution in nanoseconds.
type Percentiles struct {
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p999"`
	P9999 int64   `json:"p9999"`
	Max   int64   `json:"max"`
	Mean  float64 `json:"mean"`
	Count int64   `json:"count"`
}

// MeanCI returns the mean of xs with a 95% Student's t confidence interval.
func MeanCI(xs []float64) Estimate {
	e := Estimate{N: len(xs)}
	if len(xs) == 0 {
		return e
	}
	e.Mean, _ = stats.Mean(xs)
	e.Lo, e.Hi = e.Mean, e.Mean
	if len(xs) < 2 {
		return e
	}
	sd, err := stats.StandardDeviationSample(xs)
	if err != nil || math.IsNaN(sd) {
		return e
	}
	if e.Mean != 0 {
		e.CV = sd / math.Abs(e.Mean)
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}.Quantile(0.975)
	half := t * sd / math.Sqrt(float64(len(xs)))
	e.Lo, e.Hi, e.HasCI = e.Mean-half, e.Mean+half, true
	return e
}

// PercentilesOf reads the standard percentiles from an encoded histogram.
func PercentilesOf(h Hist) (Percentiles, error) {
	d, err := h.Decode()
	if err != nil {
		return Percentiles{}, err
	}
	return Percentiles{
		P50:   d.ValueAtQuantile(50),
		P90:   d.ValueAtQuantile(90),
		P99:   d.ValueAtQuantile(99),
		P999:  d.ValueAtQuantile(99.9),
		P9999: d.ValueAtQuantile(99.99),
		Max:   d.Max(),
		Mean:  d.Mean(),
		Count: d.TotalCount(),
	}, nil
}

// Summarize recomputes c.Summary, c.Verify and the merged histograms from
// c.Reps, and adds warnings for figures that should not be trusted.
func Summarize(c *Cell) error {
	var s Summary
	s.Reps = len(c.Reps)
	var tput, cpu, coord, nodeCPU []float64
	var lat, svc []Hist
	var nowait []float64
	c.Verify = Verification{}
	if c.AutoWindow != nil && c.AutoWindow.Verify != nil {
		c.Verify = *c.AutoWindow.Verify // a probe pass that did not verify
	}
	for _, r := range c.Reps {
		c.Verify = c.Verify.Add(r.Verify)
		if r.NoWaitRTNS > 0 {
			nowait = append(nowait, float64(r.NoWaitRTNS))
		}
		tput = append(tput, r.Throughput)
		if r.Tasks > 0 {
			coord = append(coord, float64(r.CoordCPUNS)/float64(r.Tasks))
			n := 0.0
			if r.NodeCPUNS != nil {
				n = float64(*r.NodeCPUNS) / float64(r.Tasks)
			}
			nodeCPU = append(nodeCPU, n)
			cpu = append(cpu, float64(r.CPUPerTask()))
		}
		s.NodeMaxRSSKB = max(s.NodeMaxRSSKB, r.NodeMaxRSSKB)
		lat = append(lat, r.Latency)
		svc = append(svc, r.Service)
	}
	s.Throughput = MeanCI(tput)
	if m, err := stats.Median(nowait); err == nil {
		s.NoWaitRTNS = int64(m)
	}
	s.CPUPerTaskNS = meanOf(cpu)
	s.CoordCPUPerTaskNS = meanOf(coord)
	s.NodeCPUPerTaskNS = meanOf(nodeCPU)
	for _, m := range []struct {
		in  []Hist
		out *Hist
		p   *Percentiles
	}{{lat, &c.Latency, &s.Latency}, {svc, &c.Service, &s.Service}} {
		merged, err := MergeHists(m.in...)
		if err != nil {
			return fmt.Errorf("cell %s: %w", c.Key, err)
		}
		if *m.out, err = EncodeHist(merged); err != nil {
			return fmt.Errorf("cell %s: %w", c.Key, err)
		}
		if *m.p, err = PercentilesOf(*m.out); err != nil {
			return fmt.Errorf("cell %s: %w", c.Key, err)
		}
	}
	if b := c.Baseline; b != nil {
		var tp, p50 []float64
		for _, r := range b.Reps {
			tp = append(tp, r.Throughput)
			p50 = append(p50, float64(r.P50NS))
		}
		b.Throughput = MeanCI(tp)
		if m, err := stats.Median(p50); err == nil {
			b.P50NS = int64(m)
		}
	}
	if err := summarizeLoad(c, &s); err != nil {
		return err
	}
	summarizeSamples(c, &s)
	summarizeOccupancy(c, &s)
	c.Summary = s
	for _, w := range dispersionWarnings(s.Throughput, s.Load != nil) {
		c.addWarning(w)
	}
	if w := autoWindowWarning(c); w != "" {
		c.addWarning(w)
	}
	if !c.Verify.OK() && c.Status == StatusOK {
		c.Status = StatusFailed
	}
	return nil
}

func (c *Cell) addWarning(w string) {
	for _, x := range c.Warnings {
		if x == w {
			return
		}
	}
	c.Warnings = append(c.Warnings, w)
}

func meanOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	m, _ := stats.Mean(xs)
	return m
}

// summarizeLoad fills s.Load from open-loop repetitions and judges
// whether the harness kept its schedule (judgeLoad).
func summarizeLoad(c *Cell, s *Summary) error {
	var achieved []float64
	var unc []Hist
	var probes []float64
	var l LoadSummary
	for _, r := range c.Reps {
		if r.Load == nil {
			return nil
		}
		l.Offered = r.Load.Offered
		achieved = append(achieved, r.Load.Achieved)
		unc = append(unc, r.Load.Uncorrected)
		l.LagP50NS = max(l.LagP50NS, r.Load.LagP50NS)
		l.LagP99NS = max(l.LagP99NS, r.Load.LagP99NS)
		l.LagMaxNS = max(l.LagMaxNS, r.Load.LagMaxNS)
		l.BoundHits += r.Load.BoundHits
		l.BoundWaitNS += r.Load.BoundWaitNS
		l.BoundMaxNS = max(l.BoundMaxNS, r.Load.BoundMaxNS)
		if r.Load.ProbeP50NS > 0 {
			probes = append(probes, float64(r.Load.ProbeP50NS))
		}
	}
	if len(achieved) == 0 {
		return nil
	}
	l.Achieved = MeanCI(achieved)
	merged, err := MergeHists(unc...)
	if err != nil {
		return fmt.Errorf("cell %s: %w", c.Key, err)
	}
	enc, err := EncodeHist(merged)
	if err != nil {
		return err
	}
	if l.Uncorrected, err = PercentilesOf(enc); err != nil {
		return err
	}
	if len(probes) > 0 {
		med, _ := stats.Median(probes)
		l.ProbeP50NS = int64(med)
		if c.Workers > 0 && c.Batch > 0 {
			l.Utilization = l.Offered / float64(c.Workers) / float64(c.Batch) * time.Duration(l.ProbeP50NS).Seconds()
		}
	}
	judgeLoad(c, &l)
	s.Load = &l
	return nil
}
