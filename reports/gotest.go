package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// Results read from `go test -bench` output (Results.GoTest set) have
// only the figures their lines reported: no latency histograms, no
// verification, no dispatch, and key parts (tasks, payload, window,
// batch) that are defaults unless the names gave them. Their tables show
// the columns the input has data for, never a default as a figure:
// snbench's latency, CPU and verification columns only where the lines
// reported the unit, and every other unit the lines reported (ns/op,
// B/op, allocs/op, MB/s, b.ReportMetric's own) as a column of its own.
// Cells of different benchmarks measure different things, so "vs best"
// and the fastest-topology findings compare only topologies of one
// benchmark (names with topology= parts, as snbench's own output has).

// acrossTopologies reports whether res's topologies are the same work on
// different transports, so that their throughputs compare: always for
// snbench's own runs, and for go test output only where the names gave
// topology= parts.
func acrossTopologies(res *results.Results) bool {
	return res.GoTest == nil || res.GoTest.HasAxis("topology")
}

// goTestColumn says whether a summary column of snbench's own (see
// header) has data in go test output g; columns it does not know are
// kept.
func goTestColumn(g *results.GoTest, name string) bool {
	switch name {
	case "p50":
		return g.Has(results.UnitP50)
	case "p99":
		return g.Has(results.UnitP99)
	case "cpu/task":
		return g.Has(results.UnitCPU)
	case "p90", "p99.9", "max", "occupancy":
		return false
	case "vs best":
		return g.HasAxis("topology")
	}
	return true
}

// goTestUnits are the units a go test summary shows as columns of their
// own, after the throughput: ns/op, then the metrics in file order.
func goTestUnits(g *results.GoTest) []string {
	var us []string
	if g.Has(results.UnitNsPerOp) {
		us = append(us, results.UnitNsPerOp)
	}
	return append(us, g.Metrics()...)
}

// goTestGrid turns the summary grid of go test output (header and textRow
// of every row) into the one its tables show: the columns without data
// left out, a cell's missing latency as "-", the unit columns inserted
// after the throughput's interval, and the topology column named
// "benchmark" where the names gave no topology= parts.
func goTestGrid(res *results.Results, rows []Row, hdr []string, text [][]string) ([]string, [][]string) {
	g := res.GoTest
	units := goTestUnits(g)
	var h []string
	out := make([][]string, len(text))
	for j, name := range hdr {
		if !goTestColumn(g, name) {
			continue
		}
		switch {
		case name == "topology" && !g.HasAxis("topology"):
			h = append(h, "benchmark")
		default:
			h = append(h, name)
		}
		for i := range text {
			v := text[i][j]
			if lat := rows[i].Cell.Summary.Latency; name == "p50" || name == "p99" {
				// The lines' own figures: no histogram, so no thin mark.
				v = formatLatency(map[string]int64{"p50": lat.P50, "p99": lat.P99}[name])
			}
			out[i] = append(out[i], v)
		}
		if name == "±95% CI" {
			h = append(h, units...)
			for i := range text {
				for _, u := range units {
					out[i] = append(out[i], formatMetric(rows[i].Cell, u))
				}
			}
		}
	}
	return h, out
}

// formatLatency formats a latency the lines reported, "-" for none.
func formatLatency(ns int64) string {
	if ns <= 0 {
		return "-"
	}
	return FormatDuration(float64(ns), 3)
}

// metricOf returns the median over c's repetitions of unit u, per op as
// the lines reported it, and whether any repetition reported it.
func metricOf(c *results.Cell, u string) (float64, bool) {
	var xs []float64
	for _, r := range c.Reps {
		if u == results.UnitNsPerOp {
			if r.Tasks > 0 && r.WallNS > 0 {
				xs = append(xs, float64(r.WallNS)/float64(r.Tasks))
			}
			continue
		}
		if v, ok := r.Metrics[u]; ok {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return math.NaN(), false
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2], true
	}
	return (xs[n/2-1] + xs[n/2]) / 2, true
}

// formatMetric formats c's median of unit u for a table: ns/op as a
// duration, others with 3 significant digits (whole numbers whole), "-"
// where no repetition reported it.
func formatMetric(c *results.Cell, u string) string {
	v, ok := metricOf(c, u)
	switch {
	case !ok:
		return "-"
	case u == results.UnitNsPerOp:
		return FormatDuration(v, 3)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return sigFig(v, 3)
}

// goTestCaption is Caption for go test output: the key parts the names
// gave and every row shares, the packages, the repetitions, and what the
// columns are.
func goTestCaption(res *results.Results) string {
	g, p := res.GoTest, res.Plan
	var parts []string
	t, pl, w, b := varying(p)
	for _, a := range []struct {
		name   string
		varies bool
		v      string
	}{{"tasks", t, strconv.Itoa(p.Tasks[0])}, {"payload", pl, strconv.Itoa(p.Payload[0])}, {"batch", b, strconv.Itoa(p.Batch[0])},
		{"window", w, results.FormatWindow(p.Window[0])}} {
		if g.HasAxis(a.name) && !a.varies {
			parts = append(parts, a.name+"="+a.v)
		}
	}
	s := "go test -bench output"
	if len(g.Pkgs) > 0 {
		s += " of " + strings.Join(g.Pkgs, ", ")
	}
	if len(parts) > 0 {
		parts[len(parts)-1] += ";"
	}
	parts = append([]string{s + ";"}, parts...)
	lo, hi := repRange(res)
	reps := fmt.Sprintf("%d repetition%s", hi, plural(hi))
	if lo != hi {
		reps = fmt.Sprintf("%d to %d repetitions", lo, hi)
	}
	tput := "tasks/s: ops (b.N iterations) per second, from ns/op, mean ± 95% CI"
	if g.Has(results.UnitTasksPerS) {
		tput = "tasks/s: the lines' tasks/s, mean ± 95% CI"
	}
	per := reps + " (-count) per benchmark and -cpu value (workers);"
	if g.HasAxis("workers") { // snbench's own output: workers= parts
		per = reps + " (lines) per cell;"
	}
	parts = append(parts, per, tput)
	if us := goTestUnits(g); len(us) > 0 {
		parts[len(parts)-1] += ";"
		parts = append(parts, strings.Join(us, ", ")+": median over the repetitions")
	}
	if g.Has(results.UnitP50) || g.Has(results.UnitP99) {
		parts[len(parts)-1] += ";"
		parts = append(parts, "p50, p99: medians of the lines' p50-ns and p99-ns")
	}
	return strings.Join(parts, " ")
}

// repRange returns the fewest and most repetitions of res's cells that
// have any.
func repRange(res *results.Results) (lo, hi int) {
	for i := range res.Cells {
		n := len(res.Cells[i].Reps)
		if n == 0 {
			continue
		}
		if lo == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return lo, hi
}

// goTestCSVColumn says whether a column of the summary CSV (see writeCSV)
// has data in go test output g.
func goTestCSVColumn(g *results.GoTest, name string) bool {
	switch name {
	case "tasks", "payload", "batch", "window":
		return g.HasAxis(name)
	case "window_used": // a go test line says no window it chose
		return false
	case "batch_latency_p50_ns":
		return g.Has(results.UnitP50)
	case "batch_latency_p99_ns":
		return g.Has(results.UnitP99)
	case "cpu_ns_per_task":
		return g.Has(results.UnitCPU)
	case "vs_best", "vs_best_established":
		return g.HasAxis("topology")
	case "dispatch", "batch_latency_p90_ns", "batch_latency_p999_ns", "batch_latency_max_ns",
		"service_p50_ns", "service_p99_ns", "coord_cpu_ns_per_task", "node_cpu_ns_per_task", "occupancy",
		"verified", "lost", "duplicate", "wrong", "measurements", "thin_percentiles", "clamped_tasks":
		return false
	}
	return true
}

// goTestCSV turns the summary CSV's header and rows into those of go test
// output: the columns without data left out, a cell's missing latency
// empty, and a column per unit (median over the repetitions, named by the
// unit) after reps.
func goTestCSV(res *results.Results, rows []Row, hdr []string, recs [][]string) ([]string, [][]string) {
	g := res.GoTest
	units := goTestUnits(g)
	var h []string
	out := make([][]string, len(recs))
	for j, name := range hdr {
		if !goTestCSVColumn(g, name) {
			continue
		}
		if name == "topology" && !g.HasAxis("topology") {
			h = append(h, "benchmark")
		} else {
			h = append(h, name)
		}
		for i := range recs {
			v := recs[i][j]
			if c := rows[i].Cell; (name == "batch_latency_p50_ns" && c.Summary.Latency.P50 == 0) ||
				(name == "batch_latency_p99_ns" && c.Summary.Latency.P99 == 0) {
				v = ""
			}
			out[i] = append(out[i], v)
		}
		if name == "reps" {
			h = append(h, units...)
			for i := range recs {
				for _, u := range units {
					v, _ := metricOf(rows[i].Cell, u)
					out[i] = append(out[i], csvFloat(v))
				}
			}
		}
	}
	return h, out
}

// goTestTitle is the page title for go test output: the packages, not
// "a vs b" of benchmarks that measure different things.
func goTestTitle(res *results.Results) string {
	if !acrossTopologies(res) {
		if pk := res.GoTest.Pkgs; len(pk) > 0 {
			return "snbench report: go test -bench " + strings.Join(pk, ", ")
		}
		return "snbench report: go test -bench"
	}
	return "snbench report: " + strings.Join(topologiesOf(res), " vs ")
}

// goTestSubtitle counts what the file holds.
func goTestSubtitle(res *results.Results) string {
	n := len(topologiesOf(res))
	what := map[bool]string{true: "benchmark", false: "benchmarks"}[n == 1]
	if acrossTopologies(res) {
		what = map[bool]string{true: "topology", false: "topologies"}[n == 1]
	}
	lo, hi := repRange(res)
	reps := fmt.Sprintf("%d repetition%s each", hi, plural(hi))
	if lo != hi {
		reps = fmt.Sprintf("%d to %d repetitions each", lo, hi)
	}
	return fmt.Sprintf("go test -bench output: %d %s, %d cells, %s (-count)", n, what, len(res.Cells), reps)
}

// goTestPlanRows is what the file ran, as far as it says: the
// benchmarks, the -cpu values, the -count and the units reported, and the
// key parts the names gave.
func goTestPlanRows(res *results.Results) [][2]string {
	g, p := res.GoTest, res.Plan
	ints := func(vs []int) string { return strings.Trim(fmt.Sprint(vs), "[]") }
	name := "benchmarks"
	if g.HasAxis("topology") {
		name = "topologies"
	}
	rows := [][2]string{{name, strings.Join(topologiesOf(res), ", ")}}
	if g.HasAxis("topology") && p.Workload != "" {
		rows = append(rows, [2]string{"benchmark", "Benchmark" + strings.ToUpper(p.Workload[:1]) + p.Workload[1:]})
	}
	workers := "workers (-cpu)"
	if g.HasAxis("workers") {
		workers = "workers"
	}
	rows = append(rows, [2]string{workers, ints(p.Workers)})
	for _, a := range []struct {
		name string
		vs   []int
	}{{"tasks", p.Tasks}, {"payload", p.Payload}, {"batch", p.Batch}} {
		if g.HasAxis(a.name) {
			rows = append(rows, [2]string{a.name, ints(a.vs)})
		}
	}
	if g.HasAxis("window") {
		rows = append(rows, [2]string{"window", strings.ReplaceAll(p.Window.String(), ",", ", ")})
	}
	lo, hi := repRange(res)
	reps := strconv.Itoa(hi)
	if lo != hi {
		reps = fmt.Sprintf("%d to %d", lo, hi)
	}
	return append(rows, [2]string{"repetitions (-count)", reps}, [2]string{"units reported", strings.Join(g.Units, ", ")})
}

// goTestEnvRows is the file's header: goos and goarch, cpu, pkg and
// commit, each only where the file gave it.
func goTestEnvRows(res *results.Results) [][2]string {
	e, g := res.Env, res.GoTest
	var rows [][2]string
	add := func(k, v string) {
		if v = strings.Trim(strings.TrimSpace(v), "/"); v != "" {
			rows = append(rows, [2]string{k, v})
		}
	}
	add("goos/goarch", e.OS+"/"+e.Arch)
	add("cpu", e.CPUModel)
	if e.GOMAXPROCS > 0 {
		add("GOMAXPROCS", strconv.Itoa(e.GOMAXPROCS))
	}
	add("pkg", strings.Join(g.Pkgs, ", "))
	add("commit", e.Commit)
	return rows
}
