package app

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/needs"
)

// buildSnbench builds snbench without the race detector (whose shadow
// memory would not fit an address-space limit) into the test's temp dir;
// the build cache serves most of it.
func buildSnbench(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		needs.Skip(t, "needs the go tool to build snbench: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "snbench")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/snbench/snbench/cmd/snbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestPlansUnderAddressSpaceLimit runs the plans of issue 13 under a 6 GiB
// address-space limit (a container's), set on the child only. Each used to
// end in `fatal error: out of memory` and a runtime dump. Now the ones
// that do not fit are refused before anything starts, with exit 2 and one
// line giving the estimate or the frame size; the two that only failed
// for a bitset of every id per driver fit, and run until interrupted.
func TestPlansUnderAddressSpaceLimit(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		needs.Skip(t, "needs sh for ulimit")
	}
	bin := buildSnbench(t)
	tests := []struct {
		name string
		args []string
		code int    // 2: refused; 130: ran (to the end, exit 0, or until the SIGINT)
		want string // in stderr
	}{
		{"workers 512 x tasks 100M", []string{"--workers", "512", "--tasks", "100000000"}, 130, "interrupted"},
		{"workers 1024 x tasks 2^30", []string{"--workers", "1024", "--tasks", "1073741824"}, 130, "interrupted"},
		{"batch 65536 x payload 65536", []string{"--batch", "65536", "--payload", "65536"}, 2, "over the 67108864-byte frame limit"},
		{"window 65536 x batch 65536 x payload 64", []string{"--window", "65536", "--batch", "65536", "--payload", "64"}, 2,
			"available (address-space limit (RLIMIT_AS))"},
		// Found while testing these: 2^34 cells, each axis in range, used
		// to crash listing them.
		{"2^34 cells", []string{"--workers", "1..1024", "--tasks", "1..4096", "--batch", "1..16", "--window", "1..16", "--payload", "1..16"}, 2,
			"make more than 65536 cells"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-c", `ulimit -v 6291456 && exec "$0" "$@"`, bin, "run", "--topology", "goroutine",
				"--repetitions", "1", "--progress", "off", "-o", t.TempDir()}, tt.args...)
			cmd := exec.Command("sh", args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tt.code == 130 {
				// The old code crashed as the measured pass started, well
				// within this.
				stop := time.AfterFunc(5*time.Second, func() { _ = cmd.Process.Signal(syscall.SIGINT) })
				defer stop.Stop()
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("did not end within 60 s: %s", stderr.String())
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			out := stderr.String()
			if strings.Contains(out, "fatal error") || strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
				t.Fatalf("a Go crash:\n%.2000s", out)
			}
			if tt.code == 130 && code == 0 {
				code, out = 130, out+"interrupted (it had finished)"
			}
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, stderr %q: want exit %d and %q", code, out, tt.code, tt.want)
			}
			if tt.code == 2 && (strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "snbench: ")) {
				t.Errorf("want one line 'snbench: ...', got %q", out)
			}
		})
	}
}

// TestMemoryBadInput: a bad --max-memory, a plan over it, and a batch that
// cannot fit a frame are bad input: exit 2, one line, before anything
// starts.
func TestMemoryBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero", []string{"--max-memory", "0"}, "want a positive size"},
		{"not a size", []string{"--max-memory", "lots"}, "want a positive size"},
		{"plan over it", []string{"--max-memory", "2MiB", "--workers", "64"},
			"plan needs about 87.6 MiB (workers 64 x tasks 1000000 x payload 1 x window 64 (the largest auto tries) x batch 64: histograms 27.4 MiB"},
		{"an explicit window's plan over it", []string{"--max-memory", "2MiB", "--workers", "64", "--window", "4"},
			"plan needs about 65.1 MiB (workers 64 x tasks 1000000 x payload 1 x window 4 x batch 64: histograms 27.4 MiB"},
		{"the same plan's hint", []string{"--max-memory", "2MiB", "--workers", "64"}, "over the 2.0 MiB available (--max-memory); lower --workers, or pass --max-memory"},
		{"frame over the limit", []string{"--batch", "65536", "--payload", "1024"}, "batch 65536 x payload 1024 makes frames of 537395232 bytes, over the 67108864-byte frame limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := snbench(t, append([]string{"run", "--topology", "goroutine"}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 || !strings.HasPrefix(stderr, "snbench: ") {
				t.Fatalf("want one 'snbench: ...' line, got %q", stderr)
			}
		})
	}
}
