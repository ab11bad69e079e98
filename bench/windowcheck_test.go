package bench_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWindowCheckScript runs bench/windowcheck.sh, auto against windows
// 1..64 in one run, at a small size (goroutine, 1 and 2 workers, 20,000
// tasks, one repetition), twice: with MIN 0, which every cell passes, so
// that a noisy machine cannot fail it, and with MIN 100, which none can
// (auto at 100 times the best explicit window; at 20,000 tasks and one
// repetition, twice has happened). It must write the run and a
// summary with one row per worker count, each with the window auto
// chose, the best explicit window and their ratio, the explicit cell at
// the window chosen, and for a miss whether the choice or the noise
// made it; and it must exit 0 when every cell passed and 1 when one did
// not. It checks the script, not the figures (see docs/performance.md).
func TestWindowCheckScript(t *testing.T) {
	const win = `(1|2|4|8|16|32|64)`
	tests := []struct {
		min, pass, why string
		fails          bool
	}{
		{"0", "yes", "-", false},
		{"100", "NO", "(the choice|noise)", true},
	}
	for _, tt := range tests {
		t.Run("MIN="+tt.min, func(t *testing.T) {
			stdout, out, stderr, err := runScriptStatus(t, "windowcheck.sh", "TOPOLOGIES=goroutine", "WORKERS=1,2", "TASKS=20000", "REPS=1", "MIN="+tt.min)
			var ee *exec.ExitError
			switch {
			case tt.fails && !(errors.As(err, &ee) && ee.ExitCode() == 1):
				t.Errorf("windowcheck.sh with every cell a miss: %v, want exit status 1\n%s\n%s", err, stdout, stderr)
			case !tt.fails && err != nil:
				t.Fatalf("windowcheck.sh with every cell passing: %v, want exit status 0\n%s\n%s", err, stdout, stderr)
			}
			for _, f := range []string{"results.json", "table.txt", "windowcheck.md"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("windowcheck.sh wrote no %s: %v", f, err)
				}
			}
			row := regexp.MustCompile(`^\| goroutine \| ([12]) \| ` + win + ` \| [0-9.]+[kM]? \| ` + win + ` \| [0-9.]+[kM]? \| [0-9.]+ \| ` + tt.pass + ` \| [0-9.]+[kM]? \| [0-9.]+ \| [0-9.]+ \| ` + tt.why + ` \|$`)
			rows := 0
			for _, line := range strings.Split(stdout, "\n") {
				if row.MatchString(line) {
					rows++
				}
			}
			if rows != 2 {
				t.Errorf("%d summary rows with the chosen window, the best, their ratio, %s and the miss's cause %s, want 2:\n%s", rows, tt.pass, tt.why, stdout)
			}
		})
	}
}

// TestWindowCheckScriptRuns: with RUNS=2 the script runs the check twice,
// each run in OUT/run-N with its own summary, and adds a pooled table,
// one row per worker count with the windows chosen in each run, the
// pooled ratio, its verdict and how many runs passed; its exit status is
// the pooled table's (0 at MIN 0). RUNS that is not a count is refused
// with exit status 2.
func TestWindowCheckScriptRuns(t *testing.T) {
	const win = `(1|2|4|8|16|32|64)`
	stdout, out, stderr, err := runScriptStatus(t, "windowcheck.sh", "TOPOLOGIES=goroutine", "WORKERS=1,2", "TASKS=20000", "REPS=1", "MIN=0", "RUNS=2")
	if err != nil {
		t.Fatalf("windowcheck.sh RUNS=2 MIN=0: %v\n%s\n%s", err, stdout, stderr)
	}
	for _, f := range []string{"run-1/results.json", "run-1/windowcheck.md", "run-2/results.json", "run-2/windowcheck.md", "windowcheck.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("windowcheck.sh RUNS=2 wrote no %s: %v", f, err)
		}
	}
	_, pooled, ok := strings.Cut(stdout, "## Pooled over the 2 runs")
	if !ok {
		t.Fatalf("no pooled table:\n%s", stdout)
	}
	row := regexp.MustCompile(`^\| goroutine \| ([12]) \| ` + win + `, ` + win + ` \| [0-9.]+[kM]? \| ` + win + ` \| [0-9.]+[kM]? \| [0-9.]+ \| yes \| 2 of 2 \|$`)
	rows := 0
	for _, line := range strings.Split(pooled, "\n") {
		if row.MatchString(line) {
			rows++
		}
	}
	if rows != 2 {
		t.Errorf("%d pooled rows with both runs' windows, the ratio, yes and 2 of 2 passing, want 2:\n%s", rows, pooled)
	}
	if strings.Count(stdout, "## Run ") != 2 {
		t.Errorf("want the two runs' own tables before the pooled one:\n%s", stdout)
	}

	_, _, _, err = runScriptStatus(t, "windowcheck.sh", "TOPOLOGIES=goroutine", "RUNS=two")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("windowcheck.sh RUNS=two: %v, want exit status 2", err)
	}
}
