package topotest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// The environment with which StartFailures has the node processes that Main
// serves misbehave; node processes inherit it from the test.
const (
	// envFail lists the node processes that fail on purpose as they
	// start, as NAME=HOW,...: HOW is exit (a line on stderr, then exit
	// status 3) or hang (say nothing, and wait to be killed).
	envFail = "SNBENCH_TOPOTEST_FAIL"
	// envPIDs is a directory where each node process leaves a file named
	// after its pid.
	envPIDs = "SNBENCH_TOPOTEST_PIDS"
)

// failOnPurpose does what envPIDs and envFail ask of this node process.
func failOnPurpose() {
	name := os.Getenv(topologies.EnvNodeName)
	if dir := os.Getenv(envPIDs); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), []byte(name), 0o600)
	}
	for f := range strings.SplitSeq(os.Getenv(envFail), ",") {
		n, how, _ := strings.Cut(f, "=")
		if name == "" || n != name {
			continue
		}
		switch how {
		case "exit":
			fmt.Fprintf(os.Stderr, "topotest: node %s fails on purpose\n", name)
			os.Exit(3)
		case "hang":
			time.Sleep(time.Hour) // until the coordinator kills it
			os.Exit(4)
		}
	}
}

// StartFailures starts clusters of workers nodes (at least 3) of topo in
// which a node process fails on purpose as it starts, and checks that
// Start fails in bounded time with an error naming that node, and that
// every node process the cluster started is gone by then, killed and
// reaped:
//
//   - node 3 exits at once: Start fails well within the start bound,
//     naming node 3 and its exit status;
//   - node 3 hangs without a word: Start fails once the start bound has
//     passed (and at most a few seconds more), naming node 3;
//   - node 3 exits while node 2 hangs: Start fails as promptly as when node
//     3 alone exits, naming node 3, without waiting out node 2's bound.
//
// name(i) is the name topo gives node i's process (counting from 1), as
// its errors say. The package's TestMain must be Main. StartFailures sets
// environment variables, so its test must not be parallel.
func StartFailures(t *testing.T, topo topologies.Topology, workers int, name func(i int) string) {
	if workers < 3 {
		t.Fatalf("StartFailures needs at least 3 workers, got %d", workers)
	}
	bad, hung := name(3), name(2)
	for _, tc := range []struct {
		name   string
		fail   string
		bound  time.Duration // the cluster's StartTimeout
		within time.Duration // how soon Start must fail
		want   []string
	}{
		{"one exits", bad + "=exit", 20 * time.Second, 5 * time.Second, []string{"node " + bad, "exit status 3"}},
		{"one hangs", bad + "=hang", 2 * time.Second, 7 * time.Second, []string{"node " + bad}},
		{"one exits, another hangs", bad + "=exit," + hung + "=hang", 20 * time.Second, 5 * time.Second, []string{"node " + bad, "exit status 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv(envPIDs, dir)
			t.Setenv(envFail, tc.fail)
			start := time.Now()
			c, err := topo.Start(context.Background(), topologies.Config{Workers: workers, Workload: workloads.DefaultSpec(),
				Window: 1, Batch: 1, StartTimeout: tc.bound})
			took := time.Since(start)
			if err == nil {
				_ = c.Close()
				t.Fatalf("started; want an error naming node %s", bad)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if took > tc.within {
				t.Errorf("Start failed after %v, want within %v (start bound %v)", took, tc.within, tc.bound)
			}
			checkGone(t, dir)
		})
	}
}

// checkGone fails t if a node process that left its pid in dir, or any
// child process of this one, still exists (a zombie included).
func checkGone(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) == 0 {
		t.Error("no node process left its pid: did the package's TestMain call topotest.Main?")
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
			who, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			t.Errorf("node process %s (pid %d) outlived the failed start (signal 0: %v)", who, pid, err)
		}
	}
	if kids := childProcesses(); len(kids) > 0 {
		t.Errorf("child processes %v are left after the failed start", kids)
	}
}

// childProcesses returns the pids of this process's children, zombies
// included, as /proc lists them (none where there is no /proc).
func childProcesses() []int {
	ents, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	var kids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if f := strings.Fields(string(stat[i+1:])); i >= 0 && len(f) > 1 && f[1] == me {
			kids = append(kids, pid)
		}
	}
	return kids
}
