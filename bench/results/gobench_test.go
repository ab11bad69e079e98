package results_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/snbench/snbench/bench/results"
)

// sampleResults builds results of two cells with three repetitions each,
// with known figures, as a run would store them, at the default auto
// window (so names say window=auto, and read back as it).
func sampleResults(t testing.TB) *results.Results {
	t.Helper()
	p := results.DefaultPlan([]string{"goroutine", "tcp"})
	p.Workers, p.Tasks, p.Repetitions = []int{2}, []int{1000}, 3
	res := &results.Results{Schema: results.SchemaVersion, Tool: "snbench", Plan: p,
		Env: results.Env{OS: "linux", Arch: "amd64", CPUModel: "Test CPU @ 1GHz", GOMAXPROCS: 4, Commit: "abc123"}}
	for ci, k := range p.Keys() {
		c := results.Cell{Key: k, Dispatch: p.Dispatch, Status: results.StatusOK}
		for r := range p.Repetitions {
			lat := results.NewHist()
			results.Record(lat, time.Duration(1000*(ci+1)+10*r), 500)
			results.Record(lat, time.Duration(9000*(ci+1)), 10)
			enc, err := results.EncodeHist(lat)
			if err != nil {
				t.Fatal(err)
			}
			wall := int64(2_000_000 + 100_000*r + 1_000_000*ci)
			node := int64(500_000)
			c.Reps = append(c.Reps, results.Rep{Round: r, Tasks: 1000, WallNS: wall,
				Throughput: 1000 / (float64(wall) / 1e9), CoordCPUNS: 1_500_000, NodeCPUNS: &node,
				NodeTasks: []int64{500, 500}, Verify: results.Verification{Expected: 1000, Verified: 1000},
				Latency: enc})
		}
		if err := results.Summarize(&c); err != nil {
			t.Fatal(err)
		}
		res.Cells = append(res.Cells, c)
	}
	return res
}

// TestWriteGobenchRoundTrip: what WriteGobench writes, benchfmt's reader
// reads back with the config, names, iteration counts and values given.
func TestWriteGobenchRoundTrip(t *testing.T) {
	t.Parallel()
	res := sampleResults(t)
	var buf bytes.Buffer
	if err := results.WriteGobench(&buf, res); err != nil {
		t.Fatal(err)
	}
	rd := benchfmt.NewReader(bytes.NewReader(buf.Bytes()), "out.txt")
	var got []*benchfmt.Result
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			got = append(got, rec.Clone())
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v\n%s", rec, buf.Bytes())
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("read %d results, want 6:\n%s", len(got), buf.Bytes())
	}
	if better := rd.Units().GetBetter(results.UnitTasksPerS); better != 1 {
		t.Errorf("tasks/s better = %d, want 1 (higher)", better)
	}
	for i, r := range got {
		c := res.Cells[i/3]
		rep := c.Reps[i%3]
		t.Run(r.Name.String(), func(t *testing.T) {
			for key, want := range map[string]string{"goos": "linux", "goarch": "amd64", "pkg": results.GobenchPkg,
				"cpu": "Test CPU @ 1GHz", "commit": "abc123"} {
				if v := r.GetConfig(key); v != want {
					t.Errorf("config %s = %q, want %q", key, v, want)
				}
			}
			wantName := results.GobenchName("doubling", c.Key) + "-4"
			if r.Name.String() != wantName || r.Iters != 1000 {
				t.Errorf("name %q iters %d, want %q 1000", r.Name, r.Iters, wantName)
			}
			p50 := float64(1000*(i/3+1) + 10*(i%3))
			for unit, want := range map[string]float64{
				"sec/op":       float64(rep.WallNS) / 1000 / 1e9,
				"tasks/s":      rep.Throughput,
				"p50-sec":      p50 / 1e9,
				"cpu-sec/task": 2000 / 1e9,
			} {
				v, ok := r.Value(unit)
				if !ok || math.Abs(v-want) > 1e-5*want {
					t.Errorf("%s = %g (present %v), want %g", unit, v, ok, want)
				}
			}
		})
	}

	back, err := results.FromGobench("out.txt", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Cells) != 2 || back.Cells[1].Key != res.Cells[1].Key || len(back.Cells[1].Reps) != 3 || back.Cells[1].Window != results.WindowAuto {
		t.Fatalf("FromGobench cells: %+v", back.Cells)
	}
	if got, want := back.Cells[0].Summary.Throughput.Mean, res.Cells[0].Summary.Throughput.Mean; math.Abs(got-want) > 1e-4*want {
		t.Errorf("throughput after round trip %g, want %g", got, want)
	}
	if back.Env.Commit != "abc123" || back.Env.GOMAXPROCS != 4 || back.Plan.Workload != "doubling" {
		t.Errorf("env %+v workload %q", back.Env, back.Plan.Workload)
	}
}

func TestWriteGobenchSkipsFailedCells(t *testing.T) {
	t.Parallel()
	res := sampleResults(t)
	res.Cells[0].Status = results.StatusFailed
	var buf bytes.Buffer
	if err := results.WriteGobench(&buf, res); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "\nBenchmark"); n != 3 {
		t.Errorf("%d benchmark lines, want 3:\n%s", n, out)
	}
	if !strings.Contains(out, "left out, status failed") {
		t.Errorf("no note of the failed cell:\n%s", out)
	}
}

// TestFromGobenchGoTest reads real `go test -bench` output: package
// bench's own benchmarks (custom metrics, -cpu 1,2, -benchmem) and a
// user's package (MB/s, msgs/s, sub-benchmarks by size).
func TestFromGobenchGoTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file        string
		cells       int
		first       results.Key
		reps        int
		p99, tput   float64 // first cell's summary: median p99, mean tasks/s
		topologies  []string
		workersAxis []int
	}{
		{"gotest_doubling.txt", 8, results.Key{Topology: "goroutine", Workers: 1, Tasks: 1, Payload: 1, Window: 1, Batch: 1},
			2, (15167 + 6259) / 2, (26308451 + 29018142) / 2.0,
			[]string{"goroutine", "goroutine-2", "tcp", "tcp-2"}, []int{1, 2}},
		{"gotest_custom.txt", 6, results.Key{Topology: "Encode/size=16", Workers: 1, Tasks: 1, Payload: 1, Window: 1, Batch: 1},
			2, 0, 1/12.40e-9/2 + 1/4.974e-9/2,
			[]string{"Encode/size=16", "Encode/size=1024", "Publish"}, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := results.FromGobench(tt.file, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Cells) != tt.cells {
				t.Fatalf("%d cells, want %d: %+v", len(res.Cells), tt.cells, res.Cells)
			}
			c := res.Cells[0]
			if c.Key != tt.first || len(c.Reps) != tt.reps {
				t.Errorf("first cell %v with %d reps, want %v with %d", c.Key, len(c.Reps), tt.first, tt.reps)
			}
			if got := float64(c.Summary.Latency.P99); math.Abs(got-tt.p99) > 1 {
				t.Errorf("p99 %g, want %g", got, tt.p99)
			}
			if got := c.Summary.Throughput.Mean; math.Abs(got-tt.tput) > 1e-3*tt.tput {
				t.Errorf("throughput %g, want %g", got, tt.tput)
			}
			if strings.Join(res.Plan.Topologies, ",") != strings.Join(tt.topologies, ",") {
				t.Errorf("topologies %v, want %v", res.Plan.Topologies, tt.topologies)
			}
			if len(res.Plan.Workers) != len(tt.workersAxis) {
				t.Errorf("workers %v, want %v", res.Plan.Workers, tt.workersAxis)
			}
			if err := res.Plan.Validate(); err != nil {
				t.Error(err)
			}
			if res.Env.OS != "linux" || res.Env.CPUModel != "AMD EPYC" {
				t.Errorf("env %+v", res.Env)
			}
		})
	}
}

// TestFromGobenchVaryingN: go test -bench . -count 3 -cpu 1,2 with the
// default benchtime picks a different b.N for nearly every line; each
// benchmark is still one cell per -cpu value, its -count lines its
// repetitions, and -cpu its workers axis.
func TestFromGobenchVaryingN(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "gotest_varying_n.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := results.FromGobench("gotest_varying_n.txt", f)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Plan.Topologies, ","); got != "Sort/n=100,Sort/n=1000,Parallel" {
		t.Errorf("topologies %s", got)
	}
	if fmt.Sprint(res.Plan.Workers) != "[1 2]" || fmt.Sprint(res.Plan.Tasks) != "[1]" || res.Plan.Repetitions != 3 {
		t.Errorf("plan workers %v tasks %v repetitions %d, want [1 2], [1], 3", res.Plan.Workers, res.Plan.Tasks, res.Plan.Repetitions)
	}
	if len(res.Cells) != 6 {
		t.Fatalf("%d cells, want 3 benchmarks x 2 worker counts", len(res.Cells))
	}
	for _, c := range res.Cells {
		if len(c.Reps) != 3 {
			t.Errorf("cell %v: %d repetitions, want 3", c.Key, len(c.Reps))
		}
	}
	if res.Env.OS != "linux" || res.Env.Arch != "amd64" || !strings.HasPrefix(res.Env.CPUModel, "Oxide") {
		t.Errorf("env %+v, want the header's goos, goarch, cpu", res.Env)
	}
}

func TestFromGobenchErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", "no benchmark results"},
		{"only config", "goos: linux\nPASS\n", "no benchmark results"},
		{"bad line", "BenchmarkX 10 abc ns/op\n", "parsing measurement"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := results.FromGobench("in.txt", strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	res, err := results.FromGobench("in.txt", strings.NewReader("BenchmarkX 10 abc ns/op\nBenchmarkX 10 5 ns/op\n"))
	if err != nil || len(res.Cells) != 1 || len(res.Warnings) != 1 {
		t.Fatalf("a bad line among good ones: err %v, results %+v", err, res)
	}
}

func TestFormatGobenchValue(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {42, "42"}, {29.768123456, "29.7681"}, {0.000123456789, "0.000123457"},
		{33592668.4, "33592668"}, {123456.7, "123457"}, {math.NaN(), "0"}, {-1.5, "-1.5"},
	} {
		if got := results.FormatGobenchValue(tt.in); got != tt.want {
			t.Errorf("FormatGobenchValue(%g) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFromGobenchGoTestFacts: what a user package's `go test -bench .
// -count 5 -cpu 1,2 -benchmem` says about itself is kept, and nothing
// else: the packages, every unit in file order, each line's metrics that
// no Rep field holds, no key parts from the names (so the tasks, payload,
// window and batch are defaults), no GOMAXPROCS (the -N suffix is -cpu's
// worker axis), and no warning about latency percentiles it never had.
// snbench's own output keeps its p50-ns and p99-ns, with the warning, and
// names its key parts.
func TestFromGobenchGoTestFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		pkgs     string
		units    string
		axes     string
		maxprocs int
		warned   bool
		metric   string // a metric the first repetition of the first cell has
	}{
		{"gotest_tally.txt", "example.com/tally", "ns/op MB/s probes/op B/op allocs/op", "", 0, false, "probes/op"},
		{"gotest_doubling.txt", "github.com/snbench/snbench/bench", "ns/op cpu-ns/task p50-ns p99-ns tasks/s B/op allocs/op",
			"topology workers", 0, true, "B/op"}, // -cpu 1,2 of names with workers=: GOMAXPROCS 1 and 2
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := results.FromGobench(tt.file, f)
			if err != nil {
				t.Fatal(err)
			}
			g := res.GoTest
			if g == nil {
				t.Fatal("no GoTest facts")
			}
			if got := strings.Join(g.Pkgs, " "); got != tt.pkgs {
				t.Errorf("pkgs %q, want %q", got, tt.pkgs)
			}
			if got := strings.Join(g.Units, " "); got != tt.units {
				t.Errorf("units %q, want %q", got, tt.units)
			}
			if got := strings.Join(g.Axes, " "); got != tt.axes {
				t.Errorf("axes %q, want %q", got, tt.axes)
			}
			if res.Env.GOMAXPROCS != tt.maxprocs || res.Env.Cores != 0 || res.Env.Host != "" || res.Env.GoVersion != "" {
				t.Errorf("env %+v: only the header's facts (GOMAXPROCS %d)", res.Env, tt.maxprocs)
			}
			if got := slices.Contains(res.Warnings, results.GobenchWarning); got != tt.warned {
				t.Errorf("latency warning %v, want %v", got, tt.warned)
			}
			rep := res.Cells[0].Reps[0]
			if _, ok := rep.Metrics[tt.metric]; !ok {
				t.Errorf("first repetition's metrics %v lack %s", rep.Metrics, tt.metric)
			}
			for _, u := range []string{"ns/op", "tasks/s", "p50-ns", "p99-ns", "cpu-ns/task"} {
				if _, ok := rep.Metrics[u]; ok {
					t.Errorf("metrics hold %s, which a field holds", u)
				}
			}
		})
	}
}
