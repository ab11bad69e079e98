package app

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/snbench/snbench/reports/compare"
)

// benchFile writes Go benchmark format: reps lines of one benchmark whose
// time per op is around 100ns times slow, and returns its path.
func benchFile(t *testing.T, dir, name string, seed uint64, reps int, slow float64, commit string) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	fmt.Fprintf(&b, "goos: linux\ngoarch: amd64\npkg: example.com/x\ncommit: %s\n", commit)
	for range reps {
		ns := 100 * slow * math.Exp(0.02*rng.NormFloat64())
		fmt.Fprintf(&b, "BenchmarkX/n=1-2 1000000 %.3f ns/op %.0f tasks/s\n", ns, 1e9/ns)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	old := benchFile(t, dir, "old.txt", 1, 10, 1, "aaa")
	same := benchFile(t, dir, "same.txt", 2, 10, 1, "bbb")
	slow := benchFile(t, dir, "slow.txt", 3, 10, 1.25, "ccc")
	fewOld := benchFile(t, dir, "few-old.txt", 4, 3, 1, "ddd")
	few := benchFile(t, dir, "few.txt", 5, 3, 1.25, "eee")
	garbage := filepath.Join(dir, "garbage.txt")
	if err := os.WriteFile(garbage, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cal := filepath.Join(dir, "cal.json")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // substrings, "|"-separated
		stderr string
	}{
		{"A/A", []string{"compare", old, same}, 0, "result: 0 regressions|tasks/s|~", ""},
		{"slowdown", []string{"compare", old, slow}, 1, "REGRESSION|-19.63%", "compare: 1 regression"},
		{"slowdown markdown", []string{"compare", "--format", "markdown", old, slow}, 1, "❌ 1 regression|| `X/n=1-2` |", ""},
		{"slowdown json", []string{"compare", "--format", "json", old, slow}, 1, `"regressions": 1`, ""},
		{"slowdown all metrics", []string{"compare", "--metric", "time,throughput", old, slow}, 1, "sec/op|tasks/s", "2 regressions"},
		{"threshold above the change", []string{"compare", "--threshold", "30%", old, slow}, 0, "within threshold", ""},
		{"too few repetitions", []string{"compare", fewOld, few}, 0, "too few repetitions", ""},
		{"pooled runs", []string{"compare", old + "," + same, filepath.Join(dir, "sl*.txt")}, 1, "20+10|REGRESSION", ""},
		{"glob matches nothing", []string{"compare", old, filepath.Join(dir, "zz*.txt")}, 2, "", "matches no file"},
		{"missing file", []string{"compare", old, filepath.Join(dir, "nope.txt")}, 2, "", "no such file"},
		{"not a benchmark file", []string{"compare", old, garbage}, 2, "", "no benchmark results"},
		{"bad threshold", []string{"compare", "--threshold", "lots", old, same}, 2, "", "--threshold"},
		{"bad format", []string{"compare", "--format", "xml", old, same}, 2, "", `--format: unknown "xml"`},
		{"bad alpha", []string{"compare", "--alpha", "2", old, same}, 2, "", "alpha 2"},
		{"one argument", []string{"compare", old}, 2, "", "accepts 2 arg"},
		{"auto without calibration", []string{"compare", "--threshold", "auto", "--calibration", cal, old, same}, 2, "", "snbench calibrate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := snbench(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, want := range strings.Split(tt.stdout, "|") {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
		})
	}

	// Calibrate from files, then use the calibration.
	var runs []string
	for i := range 4 {
		runs = append(runs, benchFile(t, dir, fmt.Sprintf("aa%d.txt", i), uint64(10+i), 10, 1, "aaa"))
	}
	code, stdout, stderr := snbench(t, append([]string{"calibrate", "-o", cal}, runs...)...)
	if code != 0 || !strings.Contains(stdout, "4 A/A runs of 10 repetitions") || !strings.Contains(stdout, "tasks/s") {
		t.Fatalf("calibrate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	c, err := compare.ReadCalibration(cal)
	if err != nil {
		t.Fatal(err)
	}
	th := c.Metrics[compare.UnitTasksPerS].Threshold
	code, stdout, _ = snbench(t, "compare", "--threshold", "auto", "--calibration", cal, old, slow)
	if code != 1 || !strings.Contains(stdout, fmt.Sprintf("threshold %s", strings.TrimSuffix(fmt.Sprintf("%.1f", 100*th), ".0")+"%")) {
		t.Errorf("compare --threshold auto: exit %d, want 1 and threshold %.3f:\n%s", code, th, stdout)
	}
	if code, _, stderr := snbench(t, "calibrate", runs[0]); code != 2 || !strings.Contains(stderr, "two or more") {
		t.Errorf("calibrate with one file: exit %d: %s", code, stderr)
	}
}

// TestGobenchEndToEnd: a real run printed with --format gobench reads back
// with benchfmt, and compares with its own results.json without a change.
func TestGobenchEndToEnd(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := snbench(t, "run", "--topology", "goroutine", "--workers", "1,2", "--tasks", "3000",
		"--repetitions", "3", "--warmup", "100", "--progress", "off", "-o", dir, "--format", "gobench")
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	rd := benchfmt.NewReader(strings.NewReader(stdout), "stdout")
	lines := 0
	for rd.Scan() {
		switch r := rd.Result().(type) {
		case *benchfmt.Result:
			lines++
			if _, ok := r.Value("tasks/s"); !ok || r.GetConfig("pkg") == "" || r.GetConfig("goos") == "" {
				t.Errorf("line %d: no tasks/s or config: %v", lines, r.Name)
			}
		case *benchfmt.SyntaxError:
			t.Errorf("syntax error: %v", r)
		}
	}
	if lines != 6 {
		t.Errorf("%d benchmark lines, want 2 cells x 3 repetitions:\n%s", lines, stdout)
	}
	txt := filepath.Join(dir, "results.txt")
	if err := os.WriteFile(txt, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := snbench(t, "compare", filepath.Join(dir, "results.json"), txt)
	if code != 0 || !strings.Contains(out, "0 regressions, 0 improvements") {
		t.Errorf("compare of a run with its own gobench output: exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestHelpOfRegressionCommands(t *testing.T) {
	for _, args := range [][]string{{"compare", "--help"}, {"calibrate", "--help"}, {"history"}, {"history", "append", "--help"}, {"history", "plot", "--help"}} {
		code, stdout, _ := snbench(t, args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") {
			t.Errorf("%v: exit %d\n%s", args, code, stdout)
		}
	}
	_, stdout, _ := snbench(t, "compare", "--help")
	for _, want := range []string{`(default 0.05)`, `(default "5%")`, `(default "results/calibration.json")`, "Exit status: 0 no regression, 1 regression, 2 bad input"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("compare --help lacks %q", want)
		}
	}
}
