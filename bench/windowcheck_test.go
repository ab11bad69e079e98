package bench_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWindowCheckScript runs bench/windowcheck.sh, auto against windows
// 1..64 in one run, at a small size (goroutine, 1 and 2 workers, 20,000
// tasks, one repetition, MIN 0 so that a noisy machine cannot fail it):
// it must write the run and a summary with one row per worker count,
// each with the window auto chose, the best explicit window and their
// ratio, and the explicit cell at the window chosen. It checks the
// script, not the figures (see docs/performance.md).
func TestWindowCheckScript(t *testing.T) {
	stdout, out := runScript(t, "windowcheck.sh", "TOPOLOGIES=goroutine", "WORKERS=1,2", "TASKS=20000", "REPS=1", "MIN=0")
	for _, f := range []string{"results.json", "table.txt", "windowcheck.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("windowcheck.sh wrote no %s: %v", f, err)
		}
	}
	row := regexp.MustCompile(`^\| goroutine \| ([12]) \| (1|2|4|8|16|32|64) \| [0-9.]+[kM]? \| (1|2|4|8|16|32|64) \| [0-9.]+[kM]? \| [0-9.]+ \| yes \| [0-9.]+[kM]? \| [0-9.]+ \| [0-9.]+ \|$`)
	rows := 0
	for _, line := range strings.Split(stdout, "\n") {
		if row.MatchString(line) {
			rows++
		}
	}
	if rows != 2 {
		t.Errorf("%d summary rows with the chosen window, the best and their ratio, want 2:\n%s", rows, stdout)
	}
}
