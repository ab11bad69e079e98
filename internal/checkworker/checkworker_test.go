package checkworker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/workloads"
)

// envBad, set, makes the test binary a worker that misbehaves as it says
// ("good": not at all).
const envBad = "CHECKWORKER_TEST_WORKER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envBad); mode != "" {
		reg := workloads.NewRegistry()
		reg.Register("doubling", "", func(s workloads.Spec) (workloads.Workload, error) {
			w, err := workloads.NewDoubling(s)
			if err != nil || mode == "good" {
				return w, err
			}
			return &bad{Workload: w, mode: mode}, nil
		})
		err := node.Serve(context.Background(), struct {
			io.Reader
			io.Writer
		}{os.Stdin, os.Stdout}, node.SessionConfig{Registry: reg, Name: "test-worker", MaxTaskWork: -1})
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// bad is the doubling workload, broken as mode says, at the task with id
// 50000 (one in the 100,000 of the pipelined case) or id 17.
type bad struct {
	workloads.Workload
	mode string
}

func (b *bad) Serve(in *workloads.Batch, out *workloads.Result) {
	b.Workload.Serve(in, out)
	for i, id := range out.IDs {
		switch {
		case b.mode == "drop" && id == 50_000:
			out.IDs, out.Values = out.IDs[:len(out.IDs)-1], out.Values[:len(out.Values)-out.K]
			return
		case b.mode == "duplicate" && id == 50_000 && i > 0:
			out.IDs[i] = out.IDs[i-1]
		case b.mode == "plusone" && id == 17:
			out.Values[i*out.K]++
		case b.mode == "order" && id == 50_000 && i > 0:
			out.IDs[i], out.IDs[i-1] = out.IDs[i-1], out.IDs[i]
			out.Values[i], out.Values[i-1] = out.Values[i-1], out.Values[i]
		case b.mode == "stall" && id == 50_000:
			time.Sleep(time.Hour)
		case b.mode == "stall-say" && id == 50_000:
			fmt.Fprintln(os.Stderr, "worker: stalling on purpose at task 50000")
			time.Sleep(time.Hour)
		}
	}
}

func check(t *testing.T, mode string, timeout time.Duration) ([]Result, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res := Run(context.Background(), Config{Start: Command([]string{exe}, []string{envBad + "=" + mode}), Timeout: timeout, Process: true}, &out)
	return res, out.String()
}

// TestGoodWorker: snbench's own node passes every case.
func TestGoodWorker(t *testing.T) {
	res, out := check(t, "good", 5*time.Second)
	if !Passed(res) {
		t.Fatalf("a correct worker failed:\n%s", out)
	}
	if len(res) != len(cases) {
		t.Errorf("%d cases ran, want %d", len(res), len(cases))
	}
	t.Log("\n" + out)
}

// TestBadWorkers: a worker that drops one task in 100,000, duplicates one,
// returns 2x+1 once, answers two results out of order, or stalls, fails
// the case that meets it, with a diagnosis that says what and where, in
// bounded time.
func TestBadWorkers(t *testing.T) {
	for _, tc := range []struct {
		mode, failing, want string
	}{
		{"drop", "100,000 tasks, 8 batches in flight", "63 results, want 64"},
		{"duplicate", "100,000 tasks, 8 batches in flight", "is for id 49999, want id 50000"},
		{"plusone", "batch sizes 1 to 8192", "result for id 17 is"},
		{"order", "100,000 tasks, 8 batches in flight", "is for id 50000, want id 49999"},
		{"stall", "100,000 tasks, 8 batches in flight", "no answer within 500ms"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res, out := check(t, tc.mode, 500*time.Millisecond)
			if Passed(res) {
				t.Fatalf("a %s worker passed:\n%s", tc.mode, out)
			}
			for _, r := range res {
				if r.Case == tc.failing {
					if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
						t.Errorf("case %q: %v, want a diagnosis with %q", r.Case, r.Err, tc.want)
					}
				}
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}
