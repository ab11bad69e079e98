package app

import (
	"context"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/fakenode"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

func TestReliabilityBadInput(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(plan, []byte("on_node_failure: retry\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown policy", []string{"run", "--on-node-failure", "sometimes"}, `--on-node-failure: unknown policy "sometimes" (want fail or redispatch)`},
		{"unknown policy in a plan file", []string{"run", "--plan", plan}, `plan: on_node_failure: unknown policy "retry" (want fail or redispatch)`},
		{"node idle timeout not a duration", []string{"node", "--idle-timeout", "soon"}, `invalid argument "soon" for "--idle-timeout"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := snbench(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q: want exit 2 and one line with %q", code, stderr, tt.want)
			}
		})
	}
}

// garbageNode is a TCP "node" that completes handshakes and answers stats
// requests, then answers tasks with bytes that are not a frame.
func garbageNode(t *testing.T) string {
	t.Helper()
	return fakenode.Listen(t, 8, func(conn net.Conn) {
		fakenode.Answer(conn, wire.Welcome{Node: "garbage"}, []byte("<html>not a frame</html>"), false)
	})
}

// TestOnNodeFailure runs the CLI against two good nodes and one that
// answers garbage: with --on-node-failure=redispatch the run exits 0,
// prints the failure and the redispatch, and results.json records them;
// by default it exits 1 with the node and the task counts.
func TestOnNodeFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	var good []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &node.Server{Registry: workloads.DefaultRegistry(), Name: "good", Log: log.New(io.Discard, "", 0)}
		wg.Go(func() { _ = srv.Serve(ctx, ln) })
		good = append(good, ln.Addr().String())
	}
	bad := garbageNode(t)
	nodes := strings.Join([]string{good[0], bad, good[1]}, ",")
	for _, tc := range []struct {
		policy string
		code   int
		want   []string
	}{
		{"redispatch", 0, []string{"node failure in round 1: tcp-2 (" + bad + ")", "bad magic", "redispatch in round 1:", "tasks in"}},
		{"fail", 1, []string{"node tcp-2 (" + bad + ")", "bad magic", "of 4000 completed", "lost to this measured pass"}},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "res")
			// An explicit window: an auto window's probe would meet the
			// node first (see TestRunAutoWindowNodeFailure).
			code, _, stderr := snbench(t, "run", "--nodes", nodes, "--tasks", "4000", "--repetitions", "1", "--warmup", "0", "--window", "4",
				"--on-node-failure", tc.policy, "-o", out, "--format", "csv")
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			res, err := results.Read(filepath.Join(out, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			c := res.Cells[0]
			switch tc.policy {
			case "redispatch":
				if res.Plan.OnNodeFailure != "redispatch" || len(c.Reps) != 1 || c.Reps[0].Redispatch == nil || !c.Verify.OK() {
					t.Fatalf("results.json lacks the redispatch: plan %q, cell %+v", res.Plan.OnNodeFailure, c)
				}
			case "fail":
				if c.Abort == nil || c.Abort.Failure.Node != "tcp-2 ("+bad+")" || !res.Incomplete {
					t.Fatalf("results.json lacks the abort: %+v", c)
				}
			}
		})
	}
}
