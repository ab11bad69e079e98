package app

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// envReal turns on TestRealRegression; envRealTrials, envRealTopology,
// envRealMode and envRealSlowCPU change its trials (default 20), topology
// (default goroutine), mode (interleaved, the default, or sequential) and
// the slow variant's CPU cost per task (default 2.5us, +25% over the
// baseline's 2us; 2.2us is +10%).
const (
	envReal         = "SNBENCH_REAL_REGRESSION"
	envRealTrials   = "SNBENCH_REAL_TRIALS"
	envRealTopology = "SNBENCH_REAL_TOPOLOGY"
	envRealMode     = "SNBENCH_REAL_MODE"
	envRealSlowCPU  = "SNBENCH_REAL_SLOW_CPU"
)

// TestRealRegression measures, with real runs of one small cell, how often
// snbench compare raises a false alarm on an A/A pair (the same code run
// twice) and how often it catches a 25% slowdown per task, injected
// through the workload's CPU cost (2.5 µs instead of 2 µs per task).
//
// Each trial measures three variants, a baseline, an A/A copy and the slow
// one, 10 repetitions each. Interleaved (the default, and what the example
// CI workflow does) runs them as 10 rounds of one repetition per variant,
// in rotating order, and compares the pooled runs, so a change of machine
// load hits all three alike. Sequential runs each variant's 10 repetitions
// in one go, as comparing against a stored baseline does.
//
// It must not flag more than one A/A pair in 20 and must catch the
// slowdown in at least 19 of 20. It takes a minute or more, so it runs
// only with SNBENCH_REAL_REGRESSION=1; docs/regressions.md records the
// measured rates.
func TestRealRegression(t *testing.T) {
	if os.Getenv(envReal) != "1" {
		t.Skipf("set %s=1 to run (a minute or more)", envReal)
	}
	trials := 20
	if s := os.Getenv(envRealTrials); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envRealTrials, s)
		}
		trials = n
	}
	topology := cmp.Or(os.Getenv(envRealTopology), "goroutine")
	mode := cmp.Or(os.Getenv(envRealMode), "interleaved")
	if mode != "interleaved" && mode != "sequential" {
		t.Fatalf("%s=%q: want interleaved or sequential", envRealMode, mode)
	}
	dir := t.TempDir()
	runCell := func(name, cpu string, reps int) string {
		t.Helper()
		out := filepath.Join(dir, name)
		code, _, stderr := snbench(t, "run", "--topology", topology, "--workers", "2", "--tasks", "20000",
			"--repetitions", strconv.Itoa(reps), "--warmup", "2000", "--cpu", cpu, "--progress", "off", "--format", "json", "-o", out)
		if code != 0 {
			t.Fatalf("run %s: exit %d: %s", name, code, stderr)
		}
		return filepath.Join(out, "results.json")
	}
	slowCPU := cmp.Or(os.Getenv(envRealSlowCPU), "2.5us")
	variants := []struct{ name, cpu string }{{"base", "2us"}, {"aa", "2us"}, {"slow", slowCPU}}
	falseAlarms, detected := 0, 0
	for trial := range trials {
		files := map[string][]string{}
		if mode == "sequential" {
			for i := range variants {
				v := variants[(i+trial)%len(variants)]
				files[v.name] = append(files[v.name], runCell(fmt.Sprintf("%s%d", v.name, trial), v.cpu, 10))
			}
		} else {
			for round := range 10 {
				for i := range variants {
					v := variants[(i+round+trial)%len(variants)]
					files[v.name] = append(files[v.name], runCell(fmt.Sprintf("%s%d-%d", v.name, trial, round), v.cpu, 1))
				}
			}
		}
		base := strings.Join(files["base"], ",")
		if code, out, stderr := snbench(t, "compare", base, strings.Join(files["aa"], ",")); code == 1 {
			falseAlarms++
			t.Logf("trial %d: A/A false alarm:\n%s", trial, out)
		} else if code != 0 {
			t.Fatalf("compare: exit %d: %s", code, stderr)
		}
		if code, out, stderr := snbench(t, "compare", base, strings.Join(files["slow"], ",")); code == 1 {
			detected++
		} else if code == 0 {
			t.Logf("trial %d: slowdown (cpu %s) missed:\n%s", trial, slowCPU, out)
		} else {
			t.Fatalf("compare: exit %d: %s", code, stderr)
		}
	}
	t.Logf("%s, %s, 2 workers, 20000 tasks x 10 repetitions: A/A false alarms %d of %d, slowdown (cpu 2us -> %s) detected %d of %d",
		mode, topology, falseAlarms, trials, slowCPU, detected, trials)
	if falseAlarms*20 > trials || detected*20 < 19*trials {
		t.Errorf("want at most 1 false alarm and at least 19 detections per 20 trials")
	}
}
