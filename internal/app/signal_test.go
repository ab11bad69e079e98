package app

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/proctest"
)

// TestSignals interrupts a run as a user would: one SIGINT or SIGTERM stops
// it gracefully (exit 130 or 143, partial results written and marked
// incomplete, every node reaped); a second SIGINT stops it at once, and the
// nodes still die with it.
func TestSignals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sigs  []syscall.Signal
		code  int
		wrote bool
	}{
		{"SIGINT", []syscall.Signal{syscall.SIGINT}, 130, true},
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}, 143, true},
		{"two SIGINTs", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, 130, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "res")
			cmd := exec.Command(os.Args[0], "run", "--topology", "subprocess,tcp", "--workers", "2",
				"--tasks", "200000", "--wait", "50us", "--batch", "8", "--repetitions", "3", "--progress", "off", "-o", out)
			cmd.Env = append(os.Environ(), envRunMain+"=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var nodes []int
			for deadline := time.Now().Add(15 * time.Second); len(nodes) < 2 && time.Now().Before(deadline); {
				nodes = proctest.Nodes(t, cmd.Process.Pid)
				time.Sleep(20 * time.Millisecond)
			}
			if len(nodes) < 2 {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("nodes did not start: %s", stderr.String())
			}
			time.Sleep(200 * time.Millisecond)
			for _, s := range tc.sigs {
				_ = cmd.Process.Signal(s)
				time.Sleep(5 * time.Millisecond)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("snbench did not stop within 15 s of the signal")
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Fatalf("exit %v, want %d; stderr:\n%s", err, tc.code, stderr.String())
			}
			for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				still := 0
				for _, p := range nodes {
					if proctest.Alive(p) {
						still++
					}
				}
				if still == 0 {
					break
				}
			}
			for _, p := range nodes {
				if proctest.Alive(p) {
					_ = syscall.Kill(p, syscall.SIGKILL)
					t.Errorf("node process %d outlived snbench", p)
				}
			}
			if !tc.wrote {
				return
			}
			res, rerr := results.Read(filepath.Join(out, "results.json"))
			if rerr != nil {
				t.Fatalf("partial results: %v", rerr)
			}
			if !res.Incomplete || !strings.Contains(res.Error, "interrupted") {
				t.Fatalf("partial results not marked incomplete: incomplete=%v error=%q", res.Incomplete, res.Error)
			}
		})
	}
}
