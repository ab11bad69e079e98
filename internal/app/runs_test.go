package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunsKeptAndCompareLast: two runs without -o land in two
// directories, results/latest names the second, and compare --last
// compares them in one command.
func TestRunsKeptAndCompareLast(t *testing.T) {
	t.Chdir(t.TempDir())
	args := []string{"run", "--topology", "goroutine", "--workers", "1", "--tasks", "2000", "--repetitions", "3",
		"--warmup", "0", "--format", "csv", "--progress", "off", "--no-report"}
	code, _, stderr := snbench(t, "compare", "--last")
	if code != 2 || !strings.Contains(stderr, "--last: 0 runs kept under results") {
		t.Fatalf("compare --last without runs: exit %d, %q", code, stderr)
	}
	for i := range 2 {
		if code, _, stderr := snbench(t, args...); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, stderr)
		}
	}
	entries, err := os.ReadDir("results")
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, e := range entries {
		if e.IsDir() && e.Type()&os.ModeSymlink == 0 {
			runs = append(runs, e.Name())
		}
	}
	if len(runs) != 2 {
		t.Fatalf("results/ holds %v, want two run directories", runs)
	}
	for _, r := range runs {
		if _, err := os.Stat(filepath.Join("results", r, "results.json")); err != nil {
			t.Error(err)
		}
	}
	if target, err := os.Readlink(filepath.Join("results", "latest")); err != nil || target != runs[1] {
		t.Errorf("results/latest -> %q (%v), want %s", target, err, runs[1])
	}
	if b, err := os.ReadFile(filepath.Join("results", "LATEST")); err != nil || strings.TrimSpace(string(b)) != runs[1] {
		t.Errorf("results/LATEST holds %q (%v), want %s", b, err, runs[1])
	}
	code, stdout, stderr := snbench(t, "compare", "--last", "--threshold", "1000%")
	if code != 0 || !strings.Contains(stderr, "compare: "+filepath.Join("results", runs[0], "results.json")+" -> ") || stdout == "" {
		t.Errorf("compare --last: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if code, _, stderr := snbench(t, "compare", filepath.Join("results", runs[0]), filepath.Join("results", "latest"), "--threshold", "1000%"); code != 0 {
		t.Errorf("compare DIR DIR: exit %d: %s", code, stderr)
	}
}
