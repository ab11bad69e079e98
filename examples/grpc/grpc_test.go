package grpctopology_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench"
	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/topotest"
	"github.com/snbench/snbench/workloads"

	"example.com/grpctopology"
)

// extensions are the built-ins and the grpc topology, the same in the
// coordinator and in every node (this test binary, started again).
func extensions() snbench.Extensions {
	e := snbench.Builtin()
	e.Topologies.Register(grpctopology.New(), grpctopology.Summary)
	return e
}

var ext = extensions()

func TestMain(m *testing.M) {
	if code, ok := ext.ServeIfNode(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestConformance drives started clusters the way the runner does, with
// snbench's own conformance kit.
func TestConformance(t *testing.T) { topotest.Conformance(t, grpctopology.New()) }

// TestRunVerified runs a plan on grpc next to tcp: every task verified,
// node CPU read through the Stats call.
func TestRunVerified(t *testing.T) {
	p := bench.DefaultPlan([]string{"grpc", "tcp"})
	p.Workers, p.Tasks, p.Repetitions, p.Warmup = []int{1, 2}, []int{20_000}, 2, 1000
	res, err := ext.Runner().Run(context.Background(), p, bench.CaptureEnv())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		if c.Status != results.StatusOK || !c.Verify.OK() || c.Verify.Verified != 2*20_000 {
			t.Errorf("cell %s: status %s, verification %+v", c.Key, c.Status, c.Verify)
		}
		for _, r := range c.Reps {
			if r.NodeCPUNS == nil || *r.NodeCPUNS <= 0 {
				t.Errorf("cell %s: no node CPU from the Stats call", c.Key)
			}
		}
		t.Logf("%s: %.0f tasks/s, p50 %v", c.Key, c.Summary.Throughput.Mean, time.Duration(c.Summary.Latency.P50))
	}
}

// TestNodeKilled: a node that dies mid-run ends the run with an error
// naming it, in bounded time.
func TestNodeKilled(t *testing.T) {
	spec := workloads.DefaultSpec()
	spec.Wait = workloads.Duration(time.Millisecond)
	c, err := grpctopology.New().Start(context.Background(), topologies.Config{Workers: 2, Workload: spec, Window: 1, Batch: 1, StartTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l := c.Links()[1]
	if err := syscall.Kill(l.Info().PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		b := workloads.Batch{Tag: 1, K: 1, IDs: []uint64{1}, Values: []int64{1}}
		if err := l.Send(&b); err != nil {
			done <- err
			return
		}
		var r workloads.Result
		done <- l.Recv(&r)
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "grpc-2") {
			t.Fatalf("err = %v, want one naming grpc-2", err)
		}
		t.Log(err)
	case <-time.After(10 * time.Second):
		t.Fatal("no error within 10s of the node's death")
	}
}

// TestCustomBuild builds the custom snbench of cmd/snbench-grpc and runs
// it as a user would: grpc is listed, and a run of grpc and tcp cells
// comes back verified, nodes included (they are the custom binary too).
func TestCustomBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "snbench-grpc")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/snbench-grpc").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "list").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "grpc ") {
		t.Fatalf("snbench-grpc list: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outDir := filepath.Join(dir, "out")
	run := exec.CommandContext(ctx, bin, "run", "--topology", "grpc,tcp", "--workers", "1,2", "--tasks", "20000", "--repetitions", "1", "-o", outDir)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("snbench-grpc run: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(outDir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Cells []struct {
			Topology string `json:"topology"`
			Workers  int    `json:"workers"`
			Status   string `json:"status"`
			Verify   struct {
				Expected, Verified int64
			} `json:"verify"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	grpcCells := 0
	for _, c := range res.Cells {
		if c.Status != "ok" || c.Verify.Verified != 20_000 || c.Verify.Expected != 20_000 {
			t.Errorf("%s at %d workers: status %s, %d of %d verified", c.Topology, c.Workers, c.Status, c.Verify.Verified, c.Verify.Expected)
		}
		if c.Topology == "grpc" {
			grpcCells++
		}
	}
	if grpcCells != 2 || len(res.Cells) != 4 {
		t.Fatalf("%d cells, %d of them grpc; want 4 and 2", len(res.Cells), grpcCells)
	}
}
