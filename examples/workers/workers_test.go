// Package workers holds snbench's reference workers, each in its own
// language, and this test, which runs every one through snbench as a user
// would: check-worker, then a run in one table with snbench's own
// topologies, every result verified.
package workers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// built is what TestMain builds once for every test: snbench, and each
// reference worker's command by label.
var built struct {
	snbench string
	workers map[string]string
	err     error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "snbench-workers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	built.snbench, built.workers, built.err = build(dir)
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build builds snbench and the workers that can be built here, into dir.
func build(dir string) (string, map[string]string, error) {
	snbench := filepath.Join(dir, "snbench")
	if err := buildCmd("../..", "go", "build", "-o", snbench, "./cmd/snbench"); err != nil {
		return "", nil, err
	}
	workers := map[string]string{"go": filepath.Join(dir, "worker-go")}
	if err := buildCmd(".", "go", "build", "-o", workers["go"], "./go"); err != nil {
		return "", nil, err
	}
	if _, err := exec.LookPath("cc"); err == nil {
		workers["c"] = filepath.Join(dir, "worker-c")
		if err := buildCmd(".", "cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", workers["c"], "c/worker.c"); err != nil {
			return "", nil, err
		}
	}
	if _, err := exec.LookPath("python3"); err == nil {
		abs, err := filepath.Abs("python/worker.py")
		if err != nil {
			return "", nil, err
		}
		workers["py"] = "python3 " + abs
	}
	return snbench, workers, nil
}

func buildCmd(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// tools returns what TestMain built. A worker whose toolchain is missing
// (cc, python3) is left out, with a log line; CI installs both.
func tools(t *testing.T) (string, map[string]string) {
	t.Helper()
	if built.err != nil {
		t.Fatal(built.err)
	}
	for _, l := range []string{"c", "py"} {
		if _, ok := built.workers[l]; !ok {
			if os.Getenv("CI") == "true" {
				t.Fatalf("worker %s: its toolchain (cc, python3) is missing; .ci/run installs it", l)
			}
			t.Logf("worker %s left out: its toolchain (cc, python3) is not installed", l)
		}
	}
	return built.snbench, built.workers
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCheckWorker: every reference worker passes every case.
func TestCheckWorker(t *testing.T) {
	snbench, workers := tools(t)
	for label, cmd := range workers {
		t.Run(label, func(t *testing.T) {
			out := run(t, ".", snbench, append([]string{"check-worker", "--"}, strings.Fields(cmd)...)...)
			if !strings.Contains(out, "all 9 cases passed") {
				t.Errorf("check-worker on %s:\n%s", cmd, out)
			}
		})
	}
}

// cell is what this test reads of a results.json cell.
type cell struct {
	Topology string `json:"topology"`
	Workers  int    `json:"workers"`
	Status   string `json:"status"`
	Verify   struct {
		Expected, Verified, Lost, Duplicate, Wrong int64
	} `json:"verify"`
	Baseline *struct{ Transport string } `json:"baseline"`
}

func readCells(t *testing.T, path string) (topologies []string, cells []cell) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Plan struct {
			Topologies []string `json:"topologies"`
		} `json:"plan"`
		Cells []cell `json:"cells"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return res.Plan.Topologies, res.Cells
}

func checkCells(t *testing.T, cells []cell, tasks int64) {
	t.Helper()
	for _, c := range cells {
		v := c.Verify
		if c.Status != "ok" || v.Verified != v.Expected || v.Expected != tasks*2 || v.Lost+v.Duplicate+v.Wrong != 0 {
			t.Errorf("cell %s at %d workers: status %s, verify %+v; want ok and all %d tasks of 2 repetitions verified",
				c.Topology, c.Workers, c.Status, v, tasks)
		}
	}
}

// TestRun: the reference workers as exec rows, labelled, in one table with
// snbench's own goroutine and subprocess topologies, each cell verified,
// with the raw pipe as the workers' baseline.
func TestRun(t *testing.T) {
	snbench, workers := tools(t)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"run", "--topology", "goroutine,subprocess,exec", "--workers", "1,2", "--tasks", "20000",
		"--repetitions", "2", "--warmup", "1000", "--baselines", "-o", out}
	var want []string
	for _, label := range []string{"py", "c", "go"} {
		if cmd, ok := workers[label]; ok {
			args = append(args, "--exec", label+"="+cmd)
			want = append(want, "exec:"+label)
		}
	}
	table := run(t, ".", snbench, args...)
	topos, cells := readCells(t, filepath.Join(out, "results.json"))
	if got := strings.Join(topos, ","); got != "goroutine,subprocess,"+strings.Join(want, ",") {
		t.Errorf("plan topologies %s, want goroutine, subprocess and %s", got, want)
	}
	if len(cells) != 2*len(topos) {
		t.Fatalf("%d cells, want %d", len(cells), 2*len(topos))
	}
	checkCells(t, cells, 20000)
	for _, c := range cells {
		if strings.HasPrefix(c.Topology, "exec:") && (c.Baseline == nil || c.Baseline.Transport != "pipe") {
			t.Errorf("cell %s: baseline %+v, want the raw pipe", c.Topology, c.Baseline)
		}
	}
	for _, row := range want {
		if !strings.Contains(table, row) {
			t.Errorf("the table has no row %s:\n%s", row, table)
		}
	}
}

// TestPythonOverTCP: the Python worker serving on a loopback port is a
// foreign tcp node, labelled as such.
func TestPythonOverTCP(t *testing.T) {
	snbench, workers := tools(t)
	if _, ok := workers["py"]; !ok {
		t.Skip("no python3")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	node := exec.CommandContext(ctx, "python3", "python/worker.py", "--listen", "127.0.0.1:0")
	stdout, err := node.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	node.Stderr = &stderr
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = node.Process.Kill()
		_ = node.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "snbench-node listening ")
	if err != nil || !ok {
		t.Fatalf("the worker announced %q (%v); stderr: %s", line, err, stderr.String())
	}
	out := filepath.Join(t.TempDir(), "out")
	table := run(t, ".", snbench, "run", "--nodes", addr, "--nodes-label", "py", "--tasks", "20000", "--repetitions", "2",
		"--warmup", "1000", "-o", out)
	topos, cells := readCells(t, filepath.Join(out, "results.json"))
	if strings.Join(topos, ",") != "tcp:py" || len(cells) != 1 {
		t.Fatalf("topologies %v, %d cells; want one row tcp:py", topos, len(cells))
	}
	checkCells(t, cells, 20000)
	if !strings.Contains(table, "tcp:py") {
		t.Errorf("the table has no row tcp:py:\n%s", table)
	}
}
