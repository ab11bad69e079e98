package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeCrashLog: a node process that dies for lack of threads dumps the
// Go runtime's crash output on its stderr. The coordinator's stderr gets
// a few lines of it, not the flood; the error names the cause in one line
// and where the full log is; DIR/nodes/proc-1.log holds the whole dump.
func TestNodeCrashLog(t *testing.T) {
	t.Setenv(envNodeMaxThreads, "1")
	out := filepath.Join(t.TempDir(), "res")
	code, _, stderr := snbench(t, "run", "--topology", "subprocess", "--workers", "1", "--tasks", "200", "--repetitions", "1",
		"--warmup", "0", "-o", out, "--format", "csv", "--no-report")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, stderr)
	}
	logPath := filepath.Join(out, "nodes", "subprocess-1.log")
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("the node's log: %v\nstderr:\n%s", err, stderr)
	}
	log := string(data)
	if !strings.Contains(log, "fatal error: thread exhaustion") || !strings.Contains(log, "goroutine") {
		t.Fatalf("%s lacks the crash dump:\n%.2000s", logPath, log)
	}
	if n := strings.Count(log, "\n"); n < 20 {
		t.Fatalf("%s has %d lines: not the whole dump", logPath, n)
	}
	if n := strings.Count(stderr, "\n"); n > 12 {
		t.Errorf("coordinator stderr has %d lines: the node's crash flooded it:\n%s", n, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "snbench: ") || !strings.Contains(last, "fatal error: thread exhaustion") || !strings.Contains(last, logPath) {
		t.Errorf("the error line does not name the cause and the log:\n%s", last)
	}
}

// TestNodeCrashLogTCP: a tcp child node that dies before it announces its
// address gives the same one-line cause and log.
func TestNodeCrashLogTCP(t *testing.T) {
	t.Setenv(envNodeMaxThreads, "1")
	out := filepath.Join(t.TempDir(), "res")
	code, _, stderr := snbench(t, "run", "--topology", "tcp", "--workers", "1", "--tasks", "200", "--repetitions", "1",
		"--warmup", "0", "-o", out, "--format", "csv", "--no-report")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	logPath := filepath.Join(out, "nodes", "tcp-1.log")
	if code != 1 || !strings.Contains(last, "fatal error: thread exhaustion") || !strings.Contains(last, logPath) || len(lines) > 12 {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1, a few lines, the last naming the cause and %s", code, stderr, logPath)
	}
	if _, err := os.Stat(logPath); err != nil {
		t.Fatal(err)
	}
}
