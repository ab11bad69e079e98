package results

import (
	"fmt"
	"time"
)

// Thresholds of judgeLoad.
const (
	// LagWarn is the generator lag p99 above which an open-loop cell is
	// unreliable: a millisecond of the harness's own lateness in the tail.
	LagWarn = time.Millisecond
	// LagP50Warn is the generator lag p50 above which an open-loop cell is
	// unreliable: the harness's lateness is a visible part of every
	// latency from the intended time, the median included.
	LagP50Warn = 50 * time.Microsecond
	// LowLoad is the utilization (LoadSummary.Utilization) under which a
	// node should almost never find a batch ahead of the one it gets: the
	// round trip should stay near the unloaded one.
	LowLoad = 0.1
	// RoundTripSlack is how far above the unloaded round trip a low-load
	// round trip may come out before the cell is unreliable.
	RoundTripSlack = 100 * time.Microsecond
	// MinSecondCount is the fewest results a second of the per-second
	// series needs for its p50 to be judged: the run's last, partial
	// second may hold only a handful.
	MinSecondCount = 20
	// MinAchieved is the share of the offered rate under which a cell
	// says the system did not keep up.
	MinAchieved = 0.95
)

// judgeLoad adds an open-loop cell's caveats and decides whether it is
// unreliable. It separates the two parties a late task can blame:
//
//   - the harness (unreliable): the generator sent batches later than
//     waiting for a free slot explains (lag p50 over LagP50Warn or p99
//     over LagWarn), or, at a load under LowLoad of a node's unloaded
//     capacity, the round trip from the actual send (or, at batch 1, any
//     second's latency from the intended time, in seconds of at least
//     MinSecondCount results) came out more than
//     RoundTripSlack above the unloaded round trip: nothing the system
//     does at that load explains it, so the harness or the machine did;
//   - the system (a finding, the cell stays valid): batches found the
//     window full and waited (backpressure), or it achieved under
//     MinAchieved of the offered rate.
func judgeLoad(c *Cell, l *LoadSummary) {
	if l.LagP50NS > int64(LagP50Warn) || l.LagP99NS > int64(LagWarn) {
		l.Unreliable = true
		c.addWarning(fmt.Sprintf("unreliable: the generator sent late beyond any wait for a slot (lag p50 %v, p99 %v, max %v): the harness's own lateness is in every latency from the intended time",
			time.Duration(l.LagP50NS), time.Duration(l.LagP99NS), time.Duration(l.LagMaxNS)))
	}
	if why := lowLoadExcess(c, l); why != "" {
		l.Unreliable = true
		c.addWarning("unreliable: " + why)
	}
	if l.Offered > 0 && l.Achieved.Mean < MinAchieved*l.Offered {
		c.addWarning(fmt.Sprintf("saturated: achieved %.4g tasks/s of %.4g offered (%.0f%%): the system did not keep up with the offered rate",
			l.Achieved.Mean, l.Offered, 100*l.Achieved.Mean/l.Offered))
	}
	if l.BoundHits > 0 {
		waited := "" // results written before the wait was recorded lack it
		if l.BoundWaitNS > 0 {
			waited = fmt.Sprintf(", which waited %v in all (longest %v)",
				time.Duration(l.BoundWaitNS).Round(time.Microsecond), time.Duration(l.BoundMaxNS).Round(time.Microsecond))
		}
		c.addWarning(fmt.Sprintf("backpressure: the in-flight bound (window) was full for %d batches%s; the waits are in their latency",
			l.BoundHits, waited))
	}
}

// lowLoadExcess says why a low-load cell's round trip shows a delay the
// system cannot explain, or returns "".
func lowLoadExcess(c *Cell, l *LoadSummary) string {
	if l.ProbeP50NS <= 0 || l.Utilization >= LowLoad {
		return ""
	}
	probe := time.Duration(l.ProbeP50NS)
	limit := probe + RoundTripSlack
	if p50 := time.Duration(l.Uncorrected.P50); p50 > limit {
		return fmt.Sprintf("at %.0f%% of a node's unloaded capacity a batch's round trip should stay near its unloaded p50 %v, but from the actual send its p50 was %v: the harness or the machine delayed the results",
			100*l.Utilization, probe, p50)
	}
	if c.Batch != 1 {
		return "" // at batch > 1 the intended times include waiting for the batch to fill
	}
	for _, r := range c.Reps {
		for _, s := range r.Load.Series {
			if p50 := time.Duration(s.P50); s.Count >= MinSecondCount && p50 > limit {
				return fmt.Sprintf("at %.0f%% of a node's unloaded capacity latency should stay near the unloaded round trip %v, but in second %d of round %d its p50 was %v",
					100*l.Utilization, probe, s.T, r.Round, p50)
			}
		}
	}
	return ""
}
