package reports

import (
	"fmt"
	"io"
	"math"

	"github.com/snbench/snbench/bench/results"
)

// A speedup over one worker has a ceiling set by the machine: N workers
// on C cores do at most min(N, C) times the work of one worker that kept
// a core busy. A measured speedup above that ceiling does not show a
// topology scaling past the hardware; it shows that the 1-worker cell
// left the machine partly idle (waiting on round trips with only its
// window in flight, or descheduled), so that more workers bought
// concurrency, not parallelism. The table marks such a speedup and says
// so under it.

// beyondMark follows a speedup that is beyond the machine in the table.
const beyondMark = "!"

// machineCores returns the CPUs the run could use: Env.Cores, or
// GOMAXPROCS where that is lower (a GOMAXPROCS setting or a CPU quota,
// which the nodes inherit too); 0 when the results do not say.
func machineCores(env results.Env) int {
	c := env.Cores
	if g := env.GOMAXPROCS; g > 0 && (c <= 0 || g < c) {
		c = g
	}
	return max(c, 0)
}

// speedupCeiling returns min(workers, cores), the most speedup over one
// worker that workers workers can give on cores cores; 0 when cores is
// unknown.
func speedupCeiling(workers, cores int) float64 {
	if cores <= 0 {
		return 0
	}
	return float64(min(workers, cores))
}

// speedupRelCI returns the relative half-width of the approximate 95%
// interval of a speedup X_N/X_1, from the two throughputs' intervals
// (sqrt(h_N² + h_1²), the first-order error of a ratio); 0 when either
// has no interval.
func speedupRelCI(xn, x1 results.Estimate) float64 {
	if !xn.HasCI || !x1.HasCI {
		return 0
	}
	return math.Hypot(xn.RelCI(), x1.RelCI())
}

// beyondMachine reports whether r's speedup is beyond the machine: the
// lower end of its approximate 95% interval, Speedup*(1-h) with h from
// speedupRelCI, exceeds speedupCeiling. Without intervals (h = 0) any
// speedup above the ceiling is beyond it.
func beyondMachine(res *results.Results, r Row) bool {
	ceil := speedupCeiling(r.Cell.Workers, machineCores(res.Env))
	if math.IsNaN(r.Speedup) || ceil <= 0 || r.Cell.Workers <= 1 {
		return false
	}
	one := oneWorkerCell(res, r.Cell)
	if one == nil {
		return false
	}
	h := speedupRelCI(r.Cell.Summary.Throughput, one.Summary.Throughput)
	return r.Speedup*(1-h) > ceil
}

// oneWorkerCell returns the usable 1-worker cell that c's speedup is
// over: same topology and other scales; nil when there is none.
func oneWorkerCell(res *results.Results, c *results.Cell) *results.Cell {
	for i := range res.Cells {
		o := &res.Cells[i]
		if o.Workers == 1 && o.Topology == c.Topology && o.Tasks == c.Tasks && o.Payload == c.Payload &&
			o.Window == c.Window && o.Batch == c.Batch && o.Rate == c.Rate && usable(o) {
			return o
		}
	}
	return nil
}

// markBeyond sets Beyond on the rows whose speedup is beyond the machine.
func markBeyond(res *results.Results, rows []Row) {
	for i := range rows {
		rows[i].Beyond = beyondMachine(res, rows[i])
	}
}

// speedupText formats r's speedup, marked when it is beyond the machine.
func speedupText(r Row) string {
	s := FormatRatio(r.Speedup)
	if r.Beyond {
		s += beyondMark
	}
	return s
}

// beyondNotes says, for each row whose speedup is beyond the machine,
// what that means.
func beyondNotes(res *results.Results, rows []Row) []string {
	cores := machineCores(res.Env)
	var out []string
	for _, r := range rows {
		if !r.Beyond {
			continue
		}
		c := r.Cell
		sp := FormatRatio(r.Speedup)
		if one := oneWorkerCell(res, c); one != nil {
			if h := speedupRelCI(c.Summary.Throughput, one.Summary.Throughput); h > 0 {
				sp += fmt.Sprintf(" (95%% interval from %s)", FormatRatio(r.Speedup*(1-h)))
			} else {
				sp += " (no 95% interval, so part of the excess may be noise)"
			}
		}
		out = append(out, fmt.Sprintf("%s: %s speedup %s over 1 worker is beyond the machine: "+
			"%d workers on %d cores can do at most %gx the work of one worker that keeps a core busy, "+
			"so the 1-worker cell left the machine partly idle (waiting on round trips, or descheduled) "+
			"and this speedup measures added concurrency, not the topology scaling past the hardware",
			c.Key, beyondMark, sp, c.Workers, cores, speedupCeiling(c.Workers, cores)))
	}
	return out
}

// writeBeyondNotes writes beyondNotes under the summary table.
func writeBeyondNotes(w io.Writer, res *results.Results, rows []Row, format string) error {
	bullet := ""
	if format == FormatMarkdown {
		bullet = "- "
	}
	for _, n := range beyondNotes(res, rows) {
		if _, err := fmt.Fprintln(w, bullet+n); err != nil {
			return err
		}
	}
	return nil
}
