package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
)

// TestExecBadInput: what is wrong with --exec gets one line naming it and
// exit 2, before anything starts.
func TestExecBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty", []string{"--exec", ""}, "--exec: an empty command"},
		{"empty after a label", []string{"--exec", "py="}, "--exec py=: an empty command"},
		{"label twice", []string{"--exec", "py=true", "--exec", "py=false"}, "the label py is given twice"},
		{"without the topology", []string{"--topology", "goroutine", "--exec", "true"}, "--exec is an option of the exec topology, which the plan does not run"},
		{"topology without a command", []string{"--topology", "exec"}, "give the worker's command: --exec"},
		{"several, one unlabelled", []string{"--exec", "a=true", "--exec", "true"}, "give each a label"},
		{"not found", []string{"--exec", "py=no-such-worker-here"}, "no-such-worker-here: executable file not found"},
		{"no such row", []string{"--topology", "exec:zz", "--exec", "py=true"}, `no row "zz"`},
		{"two lines", []string{"--exec", "py=true\nfalse"}, "a value must be one line"},
		{"label without nodes", []string{"--topology", "tcp", "--nodes-label", "py"}, "--nodes-label labels the nodes --nodes names"},
		{"bad label", []string{"--nodes", "127.0.0.1:1", "--nodes-label", "Py Worker"}, "want 1 to 32 of a-z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := snbench(t, append([]string{"run", "--tasks", "100"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", code, stderr, tc.want)
			}
		})
	}
}

// TestExecPlanFile: a plan file gives exec's commands one per line, and
// the run measures each as a labelled row, verified.
func TestExecPlanFile(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	worker := "env " + topologies.EnvNodeMode + "=" + node.ModeStdio + " '" + exe + "'"
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(plan, []byte("topologies: [goroutine, exec]\noptions:\n  exec:\n    exec: |\n      a="+worker+"\n      b="+worker+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := snbench(t, "run", "--plan", plan, "--workers", "1", "--tasks", "2000", "--warmup", "100",
		"--repetitions", "1", "--no-report", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Plan.Topologies, ","); got != "goroutine,exec:a,exec:b" {
		t.Errorf("plan topologies %s, want goroutine,exec:a,exec:b", got)
	}
	for _, c := range res.Cells {
		if c.Status != results.StatusOK || c.Verify.Verified != 2000 {
			t.Errorf("cell %s: status %s, %d verified; want ok, 2000", c.Key, c.Status, c.Verify.Verified)
		}
	}
	if got := res.Plan.Options["exec"]["exec"]; !strings.HasPrefix(got, "a=") || !strings.Contains(got, "\nb=") {
		t.Errorf("options.exec.exec = %q, want the two commands, one per line", got)
	}
}
