package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/cli"
)

// autoRun runs snbench run with args, small, and returns its stdout and
// results.json, raw and read.
func autoRun(t *testing.T, args ...string) (string, []byte, *results.Results) {
	t.Helper()
	out := t.TempDir()
	args = append([]string{"run", "--progress", "off", "--no-report", "-o", out, "--tasks", "4000", "--repetitions", "2", "--warmup", "200"}, args...)
	code, stdout, stderr := snbench(t, args...)
	if code != 0 {
		t.Fatalf("run %v: exit %d\n%s", args, code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := results.Parse("results.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return stdout, b, res
}

// TestRunAutoWindow: the default window is auto; each cell's probe
// chooses a window, recorded in results.json (the cell's key keeps
// window 0, the plan says "auto") and shown in the table as auto→N; the
// baseline runs at the chosen window.
func TestRunAutoWindow(t *testing.T) {
	if results.WindowAuto != cli.Auto {
		t.Fatalf("results.WindowAuto %d and cli.Auto %d differ", results.WindowAuto, cli.Auto)
	}
	stdout, raw, res := autoRun(t, "--topology", "goroutine,subprocess", "--workers", "1,2", "--baselines")
	if !strings.Contains(string(raw), `"window": [`+"\n"+`      "auto"`) {
		t.Errorf("results.json's plan does not say window auto:\n%.600s", raw)
	}
	if len(res.Cells) != 4 {
		t.Fatalf("%d cells, want 4", len(res.Cells))
	}
	for _, c := range res.Cells {
		a := c.AutoWindow
		if c.Window != results.WindowAuto || a == nil {
			t.Fatalf("%s: window %d, auto_window %v: want an auto cell with its probe", c.Key, c.Window, a)
		}
		if a.Window < 1 || a.Window > results.AutoMaxWindow || len(a.Steps) == 0 || a.WallNS <= 0 || a.Stop == "" {
			t.Errorf("%s: probe %+v", c.Key, a)
		}
		// The sweep up doubles from 1, the sweep back down halves to 1,
		// and third passes run windows of the sweep up again.
		up := 0
		for up < len(a.Steps) && a.Steps[up].Window == 1<<up {
			up++
		}
		for i, s := range a.Steps {
			bad := s.Tasks < 1 || s.Throughput <= 0
			switch {
			case i >= up && i < 2*up:
				bad = bad || s.Window != a.Steps[2*up-1-i].Window
			case i >= 2*up:
				bad = bad || s.Window >= 1<<up
			}
			if bad {
				t.Errorf("%s: step %d: %+v (steps %+v)", c.Key, i, s, a.Steps)
			}
		}
		if c.Status != results.StatusOK || len(c.Reps) != 2 {
			t.Errorf("%s: status %s, %d reps", c.Key, c.Status, len(c.Reps))
		}
		if !strings.Contains(stdout, "auto→"+strconv.Itoa(a.Window)) {
			t.Errorf("%s: the table does not show auto→%d:\n%s", c.Key, a.Window, stdout)
		}
	}
	// The baseline table shows each cell's window as it ran: auto→N.
	if n := len(regexp.MustCompile(`auto→[0-9]`).FindAllString(stdout, -1)); n != 8 {
		t.Errorf("auto→ %d times in the summary and baseline tables, want 8:\n%s", n, stdout)
	}
	if !strings.Contains(stdout, "window auto→N: chosen per cell by a probe") {
		t.Errorf("the caption does not define auto→N:\n%s", stdout)
	}
}

// TestRunExplicitWindowWins: a window given by flag or plan file is run
// as given, without a probe, and mixes with auto.
func TestRunExplicitWindowWins(t *testing.T) {
	_, raw, res := autoRun(t, "--topology", "goroutine", "--workers", "1", "--window", "8")
	if c := res.Cells[0]; c.Window != 8 || c.AutoWindow != nil || c.WindowUsed() != 8 {
		t.Errorf("--window 8: window %d, auto_window %v", c.Window, c.AutoWindow)
	}
	if strings.Contains(string(raw), "auto_window") {
		t.Errorf("results.json of an explicit window has an auto_window")
	}

	plan := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(plan, []byte("topologies: [goroutine]\nworkers: [1]\nwindow: [auto, 2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, res := autoRun(t, "--plan", plan)
	if len(res.Cells) != 2 || res.Cells[0].AutoWindow == nil || res.Cells[1].Window != 2 || res.Cells[1].AutoWindow != nil {
		t.Fatalf("plan window [auto, 2]: cells %+v", res.Cells)
	}
	if !strings.Contains(stdout, "auto→") {
		t.Errorf("the table does not show the auto cell's window:\n%s", stdout)
	}
	// The flag overrides the plan file's auto.
	_, _, res = autoRun(t, "--plan", plan, "--window", "4")
	if len(res.Cells) != 1 || res.Cells[0].Window != 4 || res.Cells[0].AutoWindow != nil {
		t.Fatalf("plan window [auto, 2] with --window 4: cells %+v", res.Cells)
	}
}

// TestRunAutoWindowOpenLoop: open loop keeps its own default window (the
// in-flight bound), auto or not in the plan's defaults.
func TestRunAutoWindowOpenLoop(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := snbench(t, "run", "--progress", "off", "--no-report", "-o", out, "--format", "json",
		"--topology", "goroutine", "--workers", "1", "--rate", "5k", "--duration", "100ms", "--repetitions", "1", "--warmup", "0")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	res, err := results.Read(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Cells[0]; c.Window != 256 || c.AutoWindow != nil {
		t.Errorf("open loop: window %d, auto_window %v; want 256 and none", c.Window, c.AutoWindow)
	}
	var plan struct {
		Plan struct {
			Window []json.RawMessage `json:"window"`
		} `json:"plan"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "results.json"))
	if err := json.Unmarshal(b, &plan); err != nil || len(plan.Plan.Window) != 1 || string(plan.Plan.Window[0]) != "256" {
		t.Errorf("open loop plan window %s (%v), want [256]", plan.Plan.Window, err)
	}
}

// TestRunAutoWindowNodeFailure: a node that answers garbage meets an auto
// cell's probe first. Under on_node_failure: fail that ends the run,
// naming the window probe's pass; under redispatch only the probe ends:
// the cell runs at the fallback window, says so, and survives the node in
// its repetition as with an explicit window.
func TestRunAutoWindowNodeFailure(t *testing.T) {
	good := goodNodes(t, 2)
	nodes := strings.Join([]string{good[0], garbageNode(t), good[1]}, ",")
	for _, tc := range []struct {
		policy string
		code   int
	}{{"fail", 1}, {"redispatch", 0}} {
		t.Run(tc.policy, func(t *testing.T) {
			out := t.TempDir()
			code, _, stderr := snbench(t, "run", "--nodes", nodes, "--tasks", "4000", "--repetitions", "1", "--warmup", "0",
				"--on-node-failure", tc.policy, "-o", out, "--format", "csv", "--no-report", "--progress", "off")
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			res, err := results.Read(filepath.Join(out, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			c := res.Cells[0]
			if tc.policy == "fail" {
				if !strings.Contains(stderr, "window probe: warm-up: node tcp-2") || c.Abort == nil || c.Abort.Failure.Pass != "window probe" {
					t.Errorf("abort %+v, stderr:\n%s", c.Abort, stderr)
				}
				return
			}
			a := c.AutoWindow
			if a == nil || a.Stop != results.AutoFailed || a.Window != 16 || !strings.Contains(a.Error, "bad magic") {
				t.Fatalf("auto_window %+v, want the fallback window 16 after the node's failure", a)
			}
			if c.Status != results.StatusOK || len(c.Reps) != 1 || c.Reps[0].Redispatch == nil {
				t.Errorf("status %s, %d reps: want the repetition to survive the node", c.Status, len(c.Reps))
			}
			if !strings.Contains(strings.Join(c.Warnings, "\n"), "auto window: a node failed during the window probe") {
				t.Errorf("warnings %q lack the probe's failure", c.Warnings)
			}
		})
	}
}
