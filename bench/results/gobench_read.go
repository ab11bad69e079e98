package results

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/montanaflynn/stats"
	"golang.org/x/perf/benchfmt"

	"github.com/snbench/snbench/workloads"
)

// GobenchWarning is the warning FromGobench stores with results whose
// lines report latency percentiles (snbench's p50-ns and p99-ns).
const GobenchWarning = "read from Go benchmark format: no latency histograms; p50 and p99 are the medians of the lines' p50-ns and p99-ns metrics"

// GoTest is what a `go test -bench` file said about itself (see
// FromGobench).
type GoTest struct {
	// Pkgs are the packages its pkg: lines named, in file order.
	Pkgs []string `json:"pkgs,omitempty"`
	// Units are every unit its benchmark lines reported, in the order
	// first seen, as the lines wrote them: ns/op, B/op, allocs/op, MB/s,
	// b.ReportMetric's own, and snbench's tasks/s, p50-ns, p99-ns and
	// cpu-ns/task.
	Units []string `json:"units"`
	// Axes are the parts of the cells' keys that benchmark names gave:
	// "topology", "tasks", "payload", "window" and "batch" for parts of
	// those names; the keys' other parts are defaults, not figures. The
	// workers always come from the names: a workers= part, else the -N
	// suffix that -cpu sets.
	Axes []string `json:"axes,omitempty"`
}

// fieldUnits are the units that Rep's own fields hold.
var fieldUnits = []string{UnitNsPerOp, UnitTasksPerS, UnitCPU, UnitP50, UnitP99}

// Has reports whether the file reported unit on some line.
func (g *GoTest) Has(unit string) bool { return g != nil && slices.Contains(g.Units, unit) }

// HasAxis reports whether benchmark names gave the key part axis (see
// Axes).
func (g *GoTest) HasAxis(axis string) bool { return g != nil && slices.Contains(g.Axes, axis) }

// Metrics returns the units that Rep.Metrics hold, in Units order.
func (g *GoTest) Metrics() []string {
	if g == nil {
		return nil
	}
	var out []string
	for _, u := range g.Units {
		if !slices.Contains(fieldUnits, u) {
			out = append(out, u)
		}
	}
	return out
}

// maxSyntaxWarnings bounds the syntax errors FromGobench keeps as warnings.
const maxSyntaxWarnings = 10

// FromGobench reads Go's benchmark format (the output of `go test -bench`,
// or of `snbench run --format gobench`) as results, so that reports can
// chart anyone's benchmarks. name is used in errors.
//
// Each distinct benchmark name becomes a cell and each line a repetition,
// with the iteration count (b.N) as its tasks; b.N is never part of the
// cell's key, since the testing package picks it anew for every -count
// and -cpu run. A name's topology=, workers=, tasks=, payload=, window=
// and batch= parts give the cell's key (tasks 1 without a tasks= part); without
// a topology= part the whole name except those parts is the topology, and
// without a workers= part the GOMAXPROCS suffix (-N, as -cpu sets it) is
// the workers, so `go test -bench . -cpu 1,2,4,8` charts as a scaling
// sweep. ns/op gives the wall time, tasks/s the throughput (else 1/ns/op),
// cpu-ns/task the CPU time; p50-ns and p99-ns set the cell's latency
// summary, since the format carries no histograms. Every other metric
// (-benchmem's B/op and allocs/op, MB/s, b.ReportMetric's units) is kept
// in Rep.Metrics. Results.GoTest records the packages, the units reported
// and the key parts the names gave; Env holds only what the header says
// (goos, goarch, cpu, commit) and, where names carry a workers= part
// (snbench's own output), GOMAXPROCS from the -N suffix where every such
// name has the same (no suffix is 1). Lines that do
// not parse are skipped and listed in the warnings.
func FromGobench(name string, r io.Reader) (*Results, error) {
	rd := benchfmt.NewReader(r, name)
	g := &gobenchReader{cells: map[Key]*gobenchCell{}}
	var syntax []string
	nSyntax := 0
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			g.add(rec)
		case *benchfmt.SyntaxError:
			nSyntax++
			if len(syntax) < maxSyntaxWarnings {
				syntax = append(syntax, rec.Error())
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(g.order) == 0 {
		reason := "no benchmark results"
		if len(syntax) > 0 {
			reason += " (" + syntax[0] + ")"
		}
		return nil, &ReadError{Path: name, Reason: reason}
	}
	res, err := g.results()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	res.Warnings = append(res.Warnings, syntax...)
	if nSyntax > len(syntax) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: %d more lines did not parse", name, nSyntax-len(syntax)))
	}
	return res, nil
}

// gobenchCell collects one cell's lines.
type gobenchCell struct {
	key      Key
	reps     []Rep
	p50, p99 []float64
}

type gobenchReader struct {
	env      Env
	procs    []int // the GOMAXPROCS suffixes of names with a workers= part
	gotest   GoTest
	workload string
	cells    map[Key]*gobenchCell
	order    []Key
	names    map[string]Key // full name to its cell key
}

// add files one benchmark line under its cell.
func (g *gobenchReader) add(rec *benchfmt.Result) {
	if rec.Iters <= 0 {
		return
	}
	if len(g.order) == 0 {
		g.env = Env{OS: rec.GetConfig("goos"), Arch: rec.GetConfig("goarch"),
			CPUModel: strings.TrimSpace(rec.GetConfig("cpu")), Commit: rec.GetConfig("commit")}
	}
	if pkg := rec.GetConfig("pkg"); pkg != "" && !slices.Contains(g.gotest.Pkgs, pkg) {
		g.gotest.Pkgs = append(g.gotest.Pkgs, pkg)
	}
	full := rec.Name.String()
	k, ok := g.names[full]
	if !ok {
		var workload string
		var procs int
		var axes []string
		k, workload, procs, axes = keyOfName(rec.Name)
		if g.workload == "" {
			g.workload = workload
		}
		for _, a := range axes {
			if !slices.Contains(g.gotest.Axes, a) {
				g.gotest.Axes = append(g.gotest.Axes, a)
			}
		}
		if slices.Contains(axes, "workers") {
			// The suffix is the process's GOMAXPROCS only where a
			// workers= part gives the workers; else it is -cpu's worker
			// axis, no fact about the machine. No suffix is GOMAXPROCS 1;
			// names that disagree leave it unknown.
			g.procs = append(g.procs, max(procs, 1))
		}
		if _, taken := g.cells[k]; taken {
			// Another name maps to the same key (-cpu 1,2 with an
			// explicit workers= part): keep them apart by GOMAXPROCS.
			k.Topology += "-" + strconv.Itoa(max(procs, 1))
			if _, taken := g.cells[k]; taken {
				k.Topology = full
			}
		}
		if g.names == nil {
			g.names = map[string]Key{}
		}
		g.names[full] = k
	}
	c := g.cells[k]
	if c == nil {
		c = &gobenchCell{key: k}
		g.cells[k] = c
		g.order = append(g.order, k)
	}
	rep := Rep{Round: len(c.reps), Tasks: int64(rec.Iters), NodeTasks: []int64{int64(rec.Iters)}}
	rep.Verify = Verification{Expected: rep.Tasks, Verified: rep.Tasks}
	n := float64(rec.Iters)
	for _, v := range rec.Values {
		unit, val := v.Unit, v.Value
		if v.OrigUnit != "" {
			unit, val = v.OrigUnit, v.OrigValue
		}
		if !slices.Contains(g.gotest.Units, unit) {
			g.gotest.Units = append(g.gotest.Units, unit)
		}
		if !slices.Contains(fieldUnits, unit) && !math.IsNaN(val) && !math.IsInf(val, 0) {
			if rep.Metrics == nil {
				rep.Metrics = map[string]float64{}
			}
			rep.Metrics[unit] = val
		}
		switch unit {
		case UnitNsPerOp:
			rep.WallNS = int64(val * n)
		case UnitTasksPerS:
			rep.Throughput = val
		case UnitCPU:
			rep.CoordCPUNS = int64(val * n)
		case UnitP50:
			c.p50 = append(c.p50, val)
		case UnitP99:
			c.p99 = append(c.p99, val)
		}
	}
	if rep.WallNS < 0 || rep.Throughput < 0 || rep.CoordCPUNS < 0 {
		rep.WallNS, rep.Throughput, rep.CoordCPUNS = max(rep.WallNS, 0), max(rep.Throughput, 0), max(rep.CoordCPUNS, 0)
	}
	if rep.Throughput == 0 && rep.WallNS > 0 {
		rep.Throughput = n / (float64(rep.WallNS) / 1e9)
	}
	c.reps = append(c.reps, rep)
}

// keyOfName derives a cell key, the workload and the GOMAXPROCS from a
// benchmark name (see FromGobench), and names the key parts the name gave
// (see GoTest.Axes; "workers" only for a workers= part).
func keyOfName(name benchfmt.Name) (k Key, workload string, procs int, axes []string) {
	base, parts := name.Parts()
	fields := map[string]*int{"workers": &k.Workers, "tasks": &k.Tasks, "payload": &k.Payload, "window": &k.Window, "batch": &k.Batch}
	limits := map[string]int{"workers": MaxWorkers, "tasks": MaxTasks, "payload": workloads.MaxPayload, "window": MaxWindow, "batch": MaxBatch}
	var label []string
	topo := ""
	auto := false // window=auto, which snbench writes for an auto cell
	for _, p := range parts {
		if p[0] == '-' {
			procs, _ = strconv.Atoi(string(p[1:]))
			continue
		}
		key, val, isKV := bytes.Cut(p[1:], []byte("="))
		if isKV && string(key) == "topology" && len(val) > 0 && topo == "" {
			topo = string(val)
			axes = append(axes, "topology")
			continue
		}
		if isKV && string(key) == "window" && string(val) == "auto" && k.Window == 0 && !auto {
			auto = true
			axes = append(axes, "window")
			continue
		}
		if dst, ok := fields[string(key)]; ok && isKV && *dst == 0 && (dst != &k.Window || !auto) {
			if v, err := strconv.Atoi(string(val)); err == nil && v >= 1 && v <= limits[string(key)] {
				*dst = v
				axes = append(axes, string(key))
				continue
			}
		}
		label = append(label, string(p))
	}
	if topo != "" {
		workload = "gobench"
		if len(base) > 0 {
			workload = strings.ToLower(string(base[:1])) + string(base[1:])
		}
	} else {
		topo = string(base) + strings.Join(label, "")
		workload = "gobench"
	}
	if topo == "" {
		topo = "benchmark"
	}
	if k.Workers == 0 {
		k.Workers = max(1, min(procs, MaxWorkers))
	}
	if k.Tasks == 0 {
		// Not b.N: the testing package picks it per run to fill the
		// benchtime, so it differs between -count and -cpu runs of one
		// benchmark, and keying cells by it would split them.
		k.Tasks = 1
	}
	for _, d := range []*int{&k.Payload, &k.Window, &k.Batch} {
		if *d == 0 && (d != &k.Window || !auto) {
			*d = 1
		}
	}
	k.Topology = topo
	return k, workload, procs, axes
}

// results assembles the cells into valid results.
func (g *gobenchReader) results() (*Results, error) {
	p := Plan{Workload: g.workload, Seed: 1, Dispatch: DispatchRoundRobin, Repetitions: 1,
		TaskTimeout: workloads.Duration(5 * time.Second)}
	for _, k := range g.order {
		c := g.cells[k]
		if !slices.Contains(p.Topologies, k.Topology) {
			p.Topologies = append(p.Topologies, k.Topology)
		}
		for _, ax := range []struct {
			dst *[]int
			v   int
		}{{&p.Workers, k.Workers}, {&p.Tasks, k.Tasks}, {&p.Payload, k.Payload}, {(*[]int)(&p.Window), k.Window}, {&p.Batch, k.Batch}} {
			if !slices.Contains(*ax.dst, ax.v) {
				*ax.dst = append(*ax.dst, ax.v)
				slices.Sort(*ax.dst)
			}
		}
		p.Repetitions = max(p.Repetitions, min(len(c.reps), 1000))
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(g.procs) > 0 && !slices.ContainsFunc(g.procs, func(n int) bool { return n != g.procs[0] }) {
		g.env.GOMAXPROCS = g.procs[0]
	}
	gt := g.gotest
	res := &Results{Schema: SchemaVersion, Tool: "snbench", Plan: p, Env: g.env, GoTest: &gt}
	if gt.Has(UnitP50) || gt.Has(UnitP99) {
		res.Warnings = []string{GobenchWarning}
	}
	// Plan.Keys order, without expanding the cross product.
	slices.SortStableFunc(g.order, func(a, b Key) int {
		if d := slices.Index(p.Topologies, a.Topology) - slices.Index(p.Topologies, b.Topology); d != 0 {
			return d
		}
		for _, d := range [...]int{a.Payload - b.Payload, a.Batch - b.Batch, a.Window - b.Window, a.Tasks - b.Tasks} {
			if d != 0 {
				return d
			}
		}
		return a.Workers - b.Workers
	})
	for _, k := range g.order {
		gc := g.cells[k]
		res.Cells = append(res.Cells, gc.cell())
	}
	return res, nil
}

// cell summarises the collected lines as Summarize would, without
// merging histograms (the format has none, and merging empty ones costs
// two 220 KB allocations per repetition).
func (gc *gobenchCell) cell() Cell {
	c := Cell{Key: gc.key, Dispatch: "go test", Status: StatusOK, Reps: gc.reps}
	var tput, cpu []float64
	for _, r := range gc.reps {
		c.Verify = c.Verify.Add(r.Verify)
		tput = append(tput, r.Throughput)
		cpu = append(cpu, float64(r.CoordCPUNS)/float64(r.Tasks))
	}
	c.Summary = Summary{Reps: len(gc.reps), Throughput: MeanCI(tput)}
	c.Summary.CPUPerTaskNS = MeanCI(cpu).Mean
	c.Summary.CoordCPUPerTaskNS = c.Summary.CPUPerTaskNS
	c.Summary.Latency.P50 = medianNS(gc.p50)
	c.Summary.Latency.P99 = medianNS(gc.p99)
	c.Warnings = append(c.Warnings, dispersionWarnings(c.Summary.Throughput, false)...)
	return c
}

// medianNS is the median of xs (stats.Median, which sorts a copy), 0 when
// xs is empty or holds a NaN: 0 is "not reported".
func medianNS(xs []float64) int64 {
	m, err := stats.Median(xs)
	if err != nil || math.IsNaN(m) {
		return 0
	}
	return int64(m)
}

// ReadAny reads a results file in either format: snbench's JSON (see
// Read), or Go's benchmark format (see FromGobench). A file named *.json,
// or whose first non-blank byte is '{', is JSON.
func ReadAny(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	if IsJSON(path, b) {
		return Parse(path, b)
	}
	return FromGobench(path, bytes.NewReader(b))
}

// IsJSON tells snbench's JSON from Go's benchmark format: a file named
// *.json, or whose first non-blank byte is '{', is JSON.
func IsJSON(path string, data []byte) bool {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return true
	}
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}
