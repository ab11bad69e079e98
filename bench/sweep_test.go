package bench_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

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
	stdout, out := runScript(t, "sweep.sh", "WORKERS=1,2", "TASKS=20000", "REPS=1")
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
	for _, line := range strings.Split(stdout, "\n") {
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
