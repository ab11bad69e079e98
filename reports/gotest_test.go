package reports

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
)

// readGoTest reads testdata/name, go test -bench output.
func readGoTest(t *testing.T, name string) *results.Results {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := results.FromGobench(name, f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// goTestFiles are the go test -bench outputs the report is checked on:
// a small user package's `go test -bench . -count 5 -cpu 1,2 -benchmem`
// with b.SetBytes and a b.ReportMetric metric (the package is
// testdata/gotest-tally; regenerate with `cd testdata/gotest-tally && go
// test -bench . -count 5 -cpu 1,2 -benchmem -benchtime 100ms >
// ../gotest-tally.txt`), and package bench's own benchmark, whose lines carry
// snbench's p50-ns, p99-ns and cpu-ns/task and topology= parts, and
// `snbench run --format gobench` output (tasks=, batch=, ... parts too).
var goTestFiles = []string{"gotest-tally.txt", "gotest-snbench.txt", "gotest-snbench-run.txt"}

// TestGoTestGolden pins the summary and scaling tables of go test output
// in every format.
func TestGoTestGolden(t *testing.T) {
	for _, file := range goTestFiles {
		res := readGoTest(t, file)
		stem := strings.TrimSuffix(file, ".txt")
		for _, w := range []struct {
			name  string
			write func(*bytes.Buffer, string) error
		}{
			{"summary", func(b *bytes.Buffer, f string) error { return WriteTable(b, res, f) }},
			{"scaling", func(b *bytes.Buffer, f string) error { return WriteScalingTable(b, res, f) }},
		} {
			for _, format := range []string{FormatTerminal, FormatMarkdown, FormatCSV} {
				t.Run(stem+"/"+w.name+"/"+format, func(t *testing.T) {
					var b bytes.Buffer
					if err := w.write(&b, format); err != nil {
						t.Fatal(err)
					}
					golden(t, stem+"-"+w.name+"."+formatExt[format], b.Bytes())
				})
			}
		}
	}
}

// goTestOutputs renders every output of the report of res: the summary
// table in each format and the HTML page.
func goTestOutputs(t *testing.T, res *results.Results) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, format := range []string{FormatTerminal, FormatMarkdown, FormatCSV} {
		var b bytes.Buffer
		if err := WriteTable(&b, res, format); err != nil {
			t.Fatal(err)
		}
		out[format] = b.String()
	}
	page, _ := writeHTML(t, res)
	out["html"] = page
	return out
}

// TestGoTestNothingInvented: a user package's go test output shows its
// own units (ns/op, B/op, allocs/op, MB/s, the b.ReportMetric unit), the
// header's environment, and none of snbench's figures that the input has
// no data for: no latency or CPU column, no b.N or tasks=1, no "vs best"
// between different benchmarks, no snbench command line, no core count.
func TestGoTestNothingInvented(t *testing.T) {
	t.Parallel()
	outs := goTestOutputs(t, readGoTest(t, "gotest-tally.txt"))
	present := map[string][]string{
		FormatTerminal: {"B/op", "allocs/op", "probes/op", "MB/s", "ns/op", "benchmark", "speedup"},
		FormatMarkdown: {"B/op", "allocs/op", "probes/op", "MB/s", "ns/op", "5 repetitions (-count)", "example.com/tally"},
		FormatCSV:      {"B/op", "allocs/op", "probes/op", "MB/s", "ns/op", "benchmark,workers,tasks_per_s"},
		"html": {"<th>B/op</th>", "<th>probes/op</th>", "<th>goos/goarch</th><td>linux/amd64</td>",
			"<th>pkg</th><td>example.com/tally</td>", "<th>repetitions (-count)</th><td>5</td>",
			"snbench report: go test -bench example.com/tally", "<th>workers (-cpu)</th><td>1 2</td>"},
	}
	absent := []string{" 0ns", ">0ns<", "p90", "p99.9", "cpu/task", "vs best", "vs_best", "tasks=1", "round-robin",
		"snbench run", "cores", "GOMAXPROCS", "single task count", "batch_latency", "dispatch", "occupancy", "verified",
		"warm-up", "seed", "no latency histograms; p50", ThinMark, "thin percentile"}
	for format, out := range outs {
		for _, w := range present[format] {
			if !strings.Contains(out, w) {
				t.Errorf("%s lacks %q", format, w)
			}
		}
		for _, w := range absent {
			if strings.Contains(out, w) {
				t.Errorf("%s shows %q, which the input has no data for", format, w)
			}
		}
	}
	if strings.Contains(outs["html"], "<pre>") && strings.Contains(outs["html"], "--workload") {
		t.Error("the page shows an invented command line")
	}
}

// TestGoTestSnbenchUnits: go test output of snbench's own benchmark keeps
// the figures its lines carry (p50, p99, cpu/task, vs best between its
// topologies) and still leaves out those it lacks (p90, p99.9, max).
func TestGoTestSnbenchUnits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"gotest-snbench.txt", []string{"p50", "p99", "B/op"}},
		{"gotest-snbench-run.txt", []string{"p50", "p99", "tasks=2000 payload=1 batch=64 window=4"}},
	} {
		testSnbenchUnits(t, tt.file, tt.want)
	}
}

func testSnbenchUnits(t *testing.T, file string, want []string) {
	outs := goTestOutputs(t, readGoTest(t, file))
	for format, out := range outs {
		if format == FormatCSV {
			continue // no caption; its columns are pinned by the goldens
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: %s lacks %q", file, format, w)
			}
		}
		for _, w := range []string{"p90", "p99.9", ">0ns<", " 0ns ", "snbench run", ThinMark, "thin percentile"} {
			if strings.Contains(out, w) {
				t.Errorf("%s: %s shows %q", file, format, w)
			}
		}
	}
	if !strings.Contains(outs[FormatTerminal], "vs best") || !strings.Contains(outs[FormatTerminal], "cpu/task") {
		t.Errorf("topologies of one benchmark compare, and the lines report CPU:\n%s", outs[FormatTerminal])
	}
}

// TestGoTestCSVValues: the CSV's unit columns are the medians of the
// repetitions' values, and speedup is against the same benchmark at
// -cpu 1.
func TestGoTestCSVValues(t *testing.T) {
	t.Parallel()
	res := readGoTest(t, "gotest-tally.txt")
	var b bytes.Buffer
	if err := WriteTable(&b, res, FormatCSV); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		i := slices.Index(recs[0], name)
		if i < 0 {
			t.Fatalf("no column %q in %v", name, recs[0])
		}
		return i
	}
	for i, rec := range recs[1:] {
		c := &res.Cells[i]
		for _, u := range []string{"B/op", "allocs/op", "probes/op"} {
			var xs []float64
			for _, r := range c.Reps {
				if v, ok := r.Metrics[u]; ok {
					xs = append(xs, v)
				}
			}
			if len(xs) == 0 {
				if rec[col(u)] != "" {
					t.Errorf("%s %s: %q for a unit its lines do not report", c.Topology, u, rec[col(u)])
				}
				continue
			}
			slices.Sort(xs)
			want := xs[len(xs)/2]
			if len(xs)%2 == 0 {
				want = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
			}
			if got := rec[col(u)]; got != csvFloat(want) {
				t.Errorf("%s workers=%d %s = %s, want the median %s", c.Topology, c.Workers, u, got, csvFloat(want))
			}
		}
		if c.Workers == 1 && rec[col("speedup")] != "1" {
			t.Errorf("%s at 1 worker: speedup %q, want 1", c.Topology, rec[col("speedup")])
		}
	}
}

// TestMergeGoTest: two go test files merge with their units united; a
// go test file and a snbench run do not merge.
func TestMergeGoTest(t *testing.T) {
	t.Parallel()
	a := readGoTest(t, "gotest-tally.txt")
	b, err := results.FromGobench("other.txt", strings.NewReader("pkg: example.com/other\n"+
		strings.Repeat("BenchmarkOther 100 5 ns/op 3 hits/op\n", 5)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge([]string{"a.txt", "other.txt"}, []*results.Results{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if !m.GoTest.Has("probes/op") || !m.GoTest.Has("hits/op") || len(m.GoTest.Pkgs) != 2 {
		t.Errorf("merged go test facts %+v", m.GoTest)
	}
	if _, err := Merge([]string{"a.txt", "run.json"}, []*results.Results{a, basic(t)}); err == nil {
		t.Error("a go test file merged with a snbench run")
	}
}
