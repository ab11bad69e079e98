package bench_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies/builtin"
	"github.com/snbench/snbench/workloads"
)

// TestSweepScript runs bench/sweep.sh, the 16-core scaling sweep, at a
// small size (1 and 2 workers, 20,000 tasks, one repetition): it must
// write the run, the report and a summary with one row per topology and
// worker count, each with its speedup and its efficiency against the raw
// transport.
func TestSweepScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds snbench and runs every topology")
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
	out := filepath.Join(dir, "sweep")
	cmd := exec.CommandContext(ctx, "bash", "sweep.sh", bin, out)
	cmd.Env = append(os.Environ(), "WORKERS=1,2", "TASKS=20000", "REPS=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("sweep.sh: %v\n%s\n%s", err, stdout, stderr.String())
	}
	for _, f := range []string{"results.json", "index.html", "table.txt", "sweep.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("sweep.sh wrote no %s: %v", f, err)
		}
	}
	res, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := builtin.Registry(workloads.DefaultRegistry()).Defaults(); !slices.Equal(res.Plan.Topologies, want) {
		t.Errorf("the sweep ran %v, want the default comparison's %v", res.Plan.Topologies, want)
	}
	row := regexp.MustCompile(`^\| ([a-z]+) \| ([12]) \| [0-9.]+[kM]? \| [0-9.]+x \| [0-9.]+[kM]? \| [0-9.]+x \| [0-9]+% \|$`)
	rows := map[string]int{}
	for _, line := range strings.Split(string(stdout), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			rows[m[1]]++
		}
	}
	for _, topo := range res.Plan.Topologies {
		if rows[topo] != 2 {
			t.Errorf("topology %s: %d summary rows with speedup and efficiency, want 2:\n%s", topo, rows[topo], stdout)
		}
	}
}
