package bench_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestWindowCheckScript runs bench/windowcheck.sh, auto against windows
// 1..64 in one run, at a small size (goroutine, 1 and 2 workers, 20,000
// tasks, one repetition, MIN 0 so that a noisy machine cannot fail it):
// it must write the run and a summary with one row per worker count,
// each with the window auto chose, the best explicit window and their
// ratio, and the explicit cell at the window chosen. It checks the
// script, not the figures (see docs/performance.md).
func TestWindowCheckScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds snbench and runs 16 cells")
	}
	if _, err := exec.LookPath("jq"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("jq is missing; .ci/run installs it")
		}
		t.Skip("jq is missing")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "snbench")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/snbench/snbench/cmd/snbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "check")
	cmd := exec.CommandContext(ctx, "bash", "windowcheck.sh", bin, out)
	cmd.Env = append(os.Environ(), "TOPOLOGIES=goroutine", "WORKERS=1,2", "TASKS=20000", "REPS=1", "MIN=0")
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("windowcheck.sh: %v\n%s", err, stdout)
	}
	for _, f := range []string{"results.json", "table.txt", "windowcheck.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("windowcheck.sh wrote no %s: %v", f, err)
		}
	}
	row := regexp.MustCompile(`^\| goroutine \| ([12]) \| (1|2|4|8|16|32|64) \| [0-9.]+[kM]? \| (1|2|4|8|16|32|64) \| [0-9.]+[kM]? \| [0-9.]+ \| yes \| [0-9.]+[kM]? \| [0-9.]+ \| [0-9.]+ \|$`)
	rows := 0
	for _, line := range strings.Split(string(stdout), "\n") {
		if row.MatchString(line) {
			rows++
		}
	}
	if rows != 2 {
		t.Errorf("%d summary rows with the chosen window, the best and their ratio, want 2:\n%s", rows, stdout)
	}
}
