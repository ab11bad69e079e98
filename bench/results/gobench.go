package results

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"unicode"
)

// Go benchmark format units that snbench writes, as `go test -bench` of
// package bench reports them (ns/op is per task).
const (
	UnitNsPerOp   = "ns/op"       // wall time of the pass per task
	UnitTasksPerS = "tasks/s"     // throughput
	UnitP50       = "p50-ns"      // median per-task latency
	UnitP99       = "p99-ns"      // 99th percentile per-task latency
	UnitCPU       = "cpu-ns/task" // coordinator plus node CPU time per task
)

// GobenchPkg is the pkg config value snbench writes: the package whose
// BenchmarkDoubling `go test -bench` runs, so both outputs compare.
const GobenchPkg = "github.com/snbench/snbench/bench"

// GobenchName returns a cell's benchmark name in Go's benchmark format,
// without the "Benchmark" prefix and GOMAXPROCS suffix, e.g.
// "Doubling/topology=tcp/workers=4/tasks=100000/payload=1/window=4/batch=64".
// The workload name is capitalised as Go benchmark names are; the
// workload's CPU and wait options are left out, so runs that differ only
// in them (a slowdown injected on purpose) still match up. An auto cell is
// "window=auto", whatever its probe chose, as its key is.
func GobenchName(workload string, k Key) string {
	return fmt.Sprintf("%s/topology=%s/workers=%d/tasks=%d/payload=%d/window=%s/batch=%d",
		capitalise(workload), k.Topology, k.Workers, k.Tasks, k.Payload, FormatWindow(k.Window), k.Batch)
}

func capitalise(s string) string {
	if s == "" {
		return "Snbench"
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) {
			return '_'
		}
		return c
	}, string(r))
}

// gobenchUnits says, for each unit snbench writes, whether higher is
// better; it is written as `Unit` metadata lines that benchstat reads.
var gobenchBetter = [...]struct{ unit, better string }{
	{UnitTasksPerS, "higher"},
	{UnitP50, "lower"},
	{UnitP99, "lower"},
	{UnitCPU, "lower"},
}

// WriteGobench writes r in Go's benchmark format, as benchstat and
// golang.org/x/perf/benchfmt read it: configuration lines (goos, goarch,
// pkg, cpu, and commit where known), Unit metadata lines giving each custom
// metric's better direction, then one line per measured repetition per
// cell, named by GobenchName with the run's GOMAXPROCS as suffix, with the
// repetition's task count as iteration count and the units of package
// bench's BenchmarkDoubling. Cells that did not verify are left out, with a
// comment line saying so.
//
// The commit line makes benchstat split runs of different commits into
// separate tables; compare them with `benchstat -ignore commit`.
func WriteGobench(w io.Writer, r *Results) error {
	bw := bufio.NewWriter(w)
	goos, goarch := r.Env.OS, r.Env.Arch
	if goos == "" {
		goos = runtime.GOOS
	}
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	config := [][2]string{{"goos", goos}, {"goarch", goarch}, {"pkg", GobenchPkg}, {"cpu", r.Env.CPUModel}, {"commit", r.Env.Commit}}
	for _, kv := range config {
		if v := oneLine(kv[1]); v != "" {
			fmt.Fprintf(bw, "%s: %s\n", kv[0], v)
		}
	}
	for _, u := range gobenchBetter {
		fmt.Fprintf(bw, "Unit %s better=%s\n", u.unit, u.better)
	}
	suffix := ""
	if r.Env.GOMAXPROCS > 1 {
		suffix = "-" + strconv.Itoa(r.Env.GOMAXPROCS)
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		name := "Benchmark" + GobenchName(r.Plan.Workload, c.Key) + suffix
		if c.Status == StatusFailed || c.Status == StatusError {
			fmt.Fprintf(bw, "# %s: left out, status %s\n", name, c.Status)
			continue
		}
		for _, rep := range c.Reps {
			line, err := gobenchLine(name, rep)
			if err != nil {
				return fmt.Errorf("writing gobench: cell %s: %w", c.Key, err)
			}
			if line != "" {
				bw.WriteString(line)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing gobench: %w", err)
	}
	return nil
}

// gobenchLine formats one repetition; a repetition without tasks gives "".
func gobenchLine(name string, rep Rep) (string, error) {
	if rep.Tasks <= 0 || rep.WallNS <= 0 {
		return "", nil
	}
	var p50, p99 float64
	if len(rep.Latency) > 0 {
		lat, err := rep.Latency.Decode()
		if err != nil {
			return "", err
		}
		p50, p99 = float64(lat.ValueAtQuantile(50)), float64(lat.ValueAtQuantile(99))
	}
	n := float64(rep.Tasks)
	cpu := float64(rep.CoordCPUNS)
	if rep.NodeCPUNS != nil {
		cpu += float64(*rep.NodeCPUNS)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", name, rep.Tasks)
	for _, v := range []struct {
		val  float64
		unit string
	}{
		{float64(rep.WallNS) / n, UnitNsPerOp},
		{rep.Throughput, UnitTasksPerS},
		{p50, UnitP50},
		{p99, UnitP99},
		{cpu / n, UnitCPU},
	} {
		if v.val == 0 && (v.unit == UnitP50 || v.unit == UnitP99) && len(rep.Latency) == 0 {
			continue // no histogram (results read from this format)
		}
		fmt.Fprintf(&b, " %s %s", FormatGobenchValue(v.val), v.unit)
	}
	b.WriteByte('\n')
	return b.String(), nil
}

// FormatGobenchValue formats v the way the testing package prints
// measurements, a little more precisely: whole numbers and values of 1e5
// or more without a fraction, others with six significant digits, never
// in exponent form. NaN and infinities print as 0.
func FormatGobenchValue(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "0"
	case math.Abs(v) >= 1e5 || v == math.Trunc(v):
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	// Round to six significant digits, then print the shortest form.
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// oneLine keeps a config value on one line.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s))
}
