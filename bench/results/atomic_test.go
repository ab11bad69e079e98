package results_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// envWriter makes TestWriteKilledHelper, in a child test process, write
// results files to the path it names until it is killed.
const envWriter = "SNBENCH_RESULTS_WRITER"

// TestWriteKilledHelper is the child of TestWriteKilled; it does nothing
// in a normal test run.
func TestWriteKilledHelper(t *testing.T) {
	path := os.Getenv(envWriter)
	if path == "" {
		t.Skip("only run as TestWriteKilled's child")
	}
	small, big := sample(t), sample(t)
	for i := range 2000 { // a file of about 2 MB, so that writes are caught midway
		big.Warnings = append(big.Warnings, strings.Repeat("x", 1000)+string(rune('a'+i%26)))
	}
	for i := 0; i < 1_000_000; i++ {
		r := small
		if i%2 == 1 {
			r = big
		}
		if err := results.Write(path, r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWriteKilled kills a process that keeps rewriting a results file, at
// random moments: the file must always read back whole, the old or the
// new version, never a torn one.
func TestWriteKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	if err := results.Write(path, sample(t)); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriteKilledHelper$")
		cmd.Env = append(os.Environ(), envWriter+"="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+37*round) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		r, err := results.Read(path)
		if err != nil {
			t.Fatalf("round %d: after the kill: %v", round, err)
		}
		if n := len(r.Warnings); n != 0 && n != 2000 {
			t.Fatalf("round %d: a file with %d warnings: neither version", round, n)
		}
	}
}
