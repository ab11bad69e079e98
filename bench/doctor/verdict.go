package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// Rate writes a rate in tasks/s with a k or M suffix and two or three
// significant digits: 1.2 M/s, 350 k/s, 800/s (results.FormatRate).
func Rate(r float64) string { return results.FormatRate(r) }

// checkScope says what a check vouches for: when it fails, not to trust
// that.
func checkScope(name string) string {
	switch name {
	case CheckFixedWait:
		return "service times and latencies of cells with --wait"
	case CheckStall:
		return "open-loop tail latencies (the coordinated-omission correction)"
	case CheckUSL:
		return "the USL fits in reports"
	}
	return "what it checks"
}

// Verdicts derives the plain-words lines from d's figures: what runs on
// this machine can and cannot be trusted for.
func Verdicts(d *results.Doctor) []string {
	var v []string
	for _, c := range d.Ceiling {
		v = append(v, ceilingVerdict(c))
	}
	for _, w := range d.Wake {
		if w.Primitive != "timing.Waiter" {
			continue
		}
		late := time.Duration(w.P99NS)
		v = append(v, fmt.Sprintf("waits under ~%v are dominated by wake-up error here: the node wait (timing.Waiter) returns %v late at p99, over 10%% of such a wait",
			round(10*late), round(late)))
	}
	if c := d.ClockNS.Value; c > 0 {
		v = append(v, fmt.Sprintf("per-task costs under ~%v carry over 5%% of clock cost at batch 1: the harness reads the clock about twice per batch, %.0f ns each",
			round(time.Duration(40*c)), c))
	}
	v = append(v, fmt.Sprintf("speedups above %d cores cannot be measured here (%d cores, GOMAXPROCS %d%s)",
		d.CPU.Usable, d.CPU.Cores, d.CPU.GOMAXPROCS, quotaNote(d.CPU.QuotaCPUs)))
	v = append(v, d.CPU.Warnings...)
	failed := d.Failed()
	for _, c := range failed {
		v = append(v, fmt.Sprintf("the %s check failed (%s): do not trust %s here", c.Name, Misses(c), checkScope(c.Name)))
	}
	if len(failed) == 0 && len(d.Checks) > 0 {
		v = append(v, fmt.Sprintf("all %d known-answer checks passed", len(d.Checks)))
	}
	return v
}

func ceilingVerdict(c results.DoctorCeiling) string {
	var s string
	switch {
	case c.Held == 0:
		s = fmt.Sprintf("the generator could not hold even %s at batch %d here, the lowest rate tried: open-loop cells at that batch will be flagged at any rate", Rate(float64(c.Failed)), c.Batch)
	case c.Failed == 0:
		return fmt.Sprintf("the generator held every rate tried at batch %d, up to %s: its ceiling is higher", c.Batch, Rate(float64(c.Held)))
	default:
		s = fmt.Sprintf("open-loop rates above ~%s at batch %d will be flagged here (held %s, flagged at %s)",
			Rate(float64(c.Held)), c.Batch, Rate(float64(c.Held)), Rate(float64(c.Failed)))
	}
	if lagOnly(c) {
		s += fmt.Sprintf("; the flagged step achieved its rate, but over 1%% of its batches went out more than %v late: the limit is this machine's scheduling hiccups, not the generator's speed",
			results.LagWarn)
	}
	return s
}

// lagOnly reports whether the lowest flagged step of c achieved 95% of its
// rate, so that only its lag flagged it.
func lagOnly(c results.DoctorCeiling) bool {
	for _, st := range c.Steps {
		if st.Offered == c.Failed && !st.Held {
			return st.Achieved >= 0.95*float64(st.Offered)
		}
	}
	return false
}

func quotaNote(q float64) string {
	if q <= 0 {
		return ""
	}
	return fmt.Sprintf(", cgroup quota %.3g CPUs", q)
}

// Misses says by how much each failed part of c missed: "service p50
// 1.08 ms, want 1 ms (0.95 to 1.05)".
func Misses(c results.DoctorCheck) string {
	var out []string
	for _, p := range c.Parts {
		if !p.Pass {
			out = append(out, fmt.Sprintf("%s %s, want %s (%s to %s)", p.Figure, num(p.Got, p.Unit), num(p.Want, p.Unit), num(p.Lo, ""), num(p.Hi, p.Unit)))
		}
	}
	return strings.Join(out, "; ")
}

func num(v float64, unit string) string {
	s := fmt.Sprintf("%.4g", v)
	if unit != "" {
		s += " " + unit
	}
	return s
}

// round rounds d to three significant digits for display.
func round(d time.Duration) time.Duration {
	p := time.Duration(1)
	for d/p >= 1000 {
		p *= 10
	}
	return d.Round(p)
}
