package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// reportCLI runs the CLI in-process and returns its exit code and output.
func reportCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code = report(err, &errb)
	return code, out.String(), errb.String()
}

// runResults runs a small goroutine-only plan, as a user would, and
// returns the directory holding its results.json and report.
func runResults(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	code, _, stderr := reportCLI(t, "run", "--topology", "goroutine", "--workers", "1,2,4", "--tasks", "2000",
		"--repetitions", "2", "--warmup", "100", "--progress", "off", "-o", dir)
	if code != 0 {
		t.Fatalf("snbench run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "report: "+filepath.Join(dir, "index.html")) {
		t.Fatalf("snbench run did not print the report's path: %q", stderr)
	}
	return dir
}

func TestRunWritesReport(t *testing.T) {
	dir := runResults(t)
	for _, n := range []string{"results.json", "index.html", "summary.md", "scaling.csv", "plots/throughput.svg", "plots/throughput.png"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("snbench run left no %s: %v", n, err)
		}
	}
}

// smallResults writes a results file of two topologies at one worker
// count (so that a report draws only two plots: the tests stay quick under
// the race detector) and returns its path.
func smallResults(t *testing.T) string {
	t.Helper()
	p := results.DefaultPlan([]string{"goroutine", "tcp"})
	p.Workers, p.Tasks, p.Repetitions = []int{4}, []int{1000}, 2
	res := &results.Results{Schema: results.SchemaVersion, Tool: "snbench", Plan: p,
		Env: results.Env{Host: "test", Cores: 2, GOMAXPROCS: 2, GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"}}
	for i, k := range p.Keys() {
		c := results.Cell{Key: k, Dispatch: p.Dispatch, Status: results.StatusOK}
		for r := range 2 {
			h := results.NewHist()
			results.Record(h, time.Duration(10+i)*time.Microsecond, 900)
			results.Record(h, time.Duration(100+r)*time.Microsecond, 100)
			lat, err := results.EncodeHist(h)
			if err != nil {
				t.Fatal(err)
			}
			wall := int64(1e6 * (1 + i) * (10 + r))
			c.Reps = append(c.Reps, results.Rep{Round: r, Tasks: 1000, WallNS: wall, Throughput: 1000 / (float64(wall) / 1e9),
				CoordCPUNS: 300_000, NodeTasks: []int64{1000}, Latency: lat,
				Verify: results.Verification{Expected: 1000, Verified: 1000}})
		}
		if err := results.Summarize(&c); err != nil {
			t.Fatal(err)
		}
		res.Cells = append(res.Cells, c)
	}
	path := filepath.Join(t.TempDir(), "results.json")
	if err := results.Write(path, res); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportCommand(t *testing.T) {
	src := smallResults(t)
	tests := []struct {
		name   string
		format string
		want   []string
	}{
		{"table", "table", []string{"│ goroutine │", "lambda (tasks/s)", "goroutine: "}},
		{"markdown", "markdown", []string{"| goroutine |", "|:-", "- goroutine: "}},
		{"csv", "csv", []string{"topology,workers,tasks,payload", "goroutine,4,1000,1"}},
		{"none", "none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := reportCLI(t, "report", src, "-o", out, "--format", tt.format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			if tt.format == "none" && stdout != "" {
				t.Errorf("--format none printed %q", stdout)
			}
			if want := "report: " + filepath.Join(out, "index.html") + "\n"; stderr != want {
				t.Errorf("stderr %q, want %q", stderr, want)
			}
			if tt.format != "table" {
				return
			}
			// The same input gives byte-identical tables and pages.
			again := t.TempDir()
			_, stdout2, _ := reportCLI(t, "report", src, "-o", again, "--format", tt.format)
			a, _ := os.ReadFile(filepath.Join(out, "index.html"))
			b, _ := os.ReadFile(filepath.Join(again, "index.html"))
			if stdout2 != stdout || !bytes.Equal(a, b) || len(a) == 0 {
				t.Error("a second report of the same results differs")
			}
		})
	}
}

// writeVariant writes a copy of the results at src with fn applied.
func writeVariant(t *testing.T, src, dst string, fn func(*results.Results)) string {
	t.Helper()
	res, err := results.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	fn(res)
	if err := results.Write(dst, res); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestReportMergesAndShowsFailures(t *testing.T) {
	src := smallResults(t)
	dir := t.TempDir()
	other := writeVariant(t, src, filepath.Join(dir, "other.json"), func(r *results.Results) {
		for i, t := range r.Plan.Topologies {
			r.Plan.Topologies[i] = "copy-" + t
		}
		for i := range r.Cells {
			r.Cells[i].Topology = "copy-" + r.Cells[i].Topology
		}
		c := &r.Cells[1]
		c.Reps[0].Verify.Verified -= 3
		c.Reps[0].Verify.Lost = 3
		if err := results.Summarize(c); err != nil {
			t.Fatal(err)
		}
	})
	out := filepath.Join(dir, "out")
	code, stdout, stderr := reportCLI(t, "report", src, other, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"│ goroutine ", "│ copy-tcp ", "FAILED 3 lost", "VERIFICATION FAILED"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Merged from", "other.json", `<tr class="fail"><td>copy-tcp</td>`, "FAILED 3 lost", `class="alert"`} {
		if !strings.Contains(string(page), w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestReportBadInput(t *testing.T) {
	src := smallResults(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	notJSON := write("notjson.json", "hello\n")
	truncated := write("truncated.json", string(good[:len(good)/2]))
	newer := write("newer.json", `{"schema": 99, "tool": "snbench"}`)
	badType := write("badtype.json", strings.Replace(string(good), `"workers": [`, `"workers": "many", "x": [`, 1))
	badCell := writeVariant(t, src, filepath.Join(dir, "badcell.json"), func(r *results.Results) { r.Cells[1].Status = "great" })
	tests := []struct {
		name string
		args []string
		want []string // all in the one error line
	}{
		{"not JSON", []string{"report", notJSON, "-o", dir}, []string{notJSON, "invalid JSON at line 1"}},
		{"truncated", []string{"report", truncated, "-o", dir}, []string{truncated, "truncated JSON"}},
		{"newer schema", []string{"report", newer, "-o", dir}, []string{newer, "field schema", "version 99"}},
		{"wrong type", []string{"report", badType, "-o", dir}, []string{badType, "field plan.workers", "want []int"}},
		{"bad cell", []string{"report", badCell, "-o", dir}, []string{badCell, "field cells[1]", `unknown "great"`}},
		{"missing file", []string{"report", filepath.Join(dir, "nope.json"), "-o", dir}, []string{"nope.json", "no such file"}},
		{"same cells twice", []string{"report", src, src, "-o", dir}, []string{"both hold cell goroutine/workers=4/"}},
		{"two files, no -o", []string{"report", src, notJSON}, []string{"2 results files: name the report directory with -o DIR"}},
		{"bad format", []string{"report", src, "--format", "html"}, []string{`--format: unknown "html"`}},
		{"no files", []string{"report"}, []string{"requires at least 1 arg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := reportCLI(t, tt.args...)
			if code != 2 || stdout != "" {
				t.Fatalf("exit %d, stdout %q; want exit 2 and nothing", code, stdout)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 || !strings.HasPrefix(stderr, "snbench: ") {
				t.Fatalf("want one 'snbench: ...' line, got %q", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("error %q lacks %q", stderr, w)
				}
			}
		})
	}
}

func TestReportDefaultDir(t *testing.T) {
	dir := t.TempDir()
	src := writeVariant(t, smallResults(t), filepath.Join(dir, "results.json"), func(*results.Results) {})
	code, _, stderr := reportCLI(t, "report", src, "--format", "none")
	if code != 0 || stderr != "report: "+filepath.Join(dir, "index.html")+"\n" {
		t.Fatalf("exit %d, stderr %q: want the report beside the results file", code, stderr)
	}
}
